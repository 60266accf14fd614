"""Template filters that turn audit rows into words a person understands."""

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from tenancy.roles import Role

register = template.Library()

_EXTRA_LABELS = {
    "special_category_approval": _("approval for sensitive entries"),
    "marketing_email": _("email marketing permission"),
    "marketing_sms": _("SMS marketing permission"),
}


@register.filter
def changed_labels(event) -> str:
    """The changed fields of an audit event by their translated names, comma-separated."""
    try:
        model = apps.get_model(event.object_type)
    except (LookupError, ValueError):
        model = None
    labels = []
    for name in event.changed_fields:
        label = _EXTRA_LABELS.get(name)
        if label is None and model is not None:
            try:
                label = model._meta.get_field(name).verbose_name
            except FieldDoesNotExist:
                label = None
        labels.append(str(label or name.replace("_", " ")))
    return ", ".join(labels)


@register.filter
def role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role
