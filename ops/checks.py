"""Deployment checks (`manage.py check --deploy`): backups that would silently not happen."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_backups(app_configs=None, **kwargs) -> list[Warning]:
    warnings = []
    if not settings.BACKUP_KEYS:
        warnings.append(Warning("BACKUP_KEY is not set: no backups are taken.", id="ops.W001",
                                hint="Generate one with `manage.py backup --new-key` and keep it apart from the "
                                     "data master keys; see docs/backups.md."))
    elif not settings.BACKUP_S3_BUCKET:
        warnings.append(Warning("BACKUP_S3_BUCKET is not set: backups are written to one place only.",
                                id="ops.W002", hint="See docs/backups.md."))
    return warnings
