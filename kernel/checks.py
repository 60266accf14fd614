"""System check: every field of every model in our apps is classified in the registry."""

from collections.abc import Mapping

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, register

from kernel.registry import Erasure, registry


@register()
def check_personal_data_registry(app_configs=None, **kwargs) -> list[Error]:
    errors: list[Error] = []
    for app_label in settings.TILLI_APPS:
        for model in apps.get_app_config(app_label).get_models():
            errors.extend(_check_model(model))
    return errors


def _check_model(model) -> list[Error]:
    registration = registry.get(model)
    label = model._meta.label
    if registration is None:
        return [Error(f"{label} is not in the personal-data registry.", hint="Decorate it with @personal_data.",
                      obj=model, id="privacy.E001")]
    errors = []
    names = {f.name for f in (*model._meta.concrete_fields, *model._meta.many_to_many)}
    declared = set(registration.fields) | registration.not_personal
    for name in sorted(names - declared):
        errors.append(Error(f"{label}.{name} is not classified as personal or not personal.",
                            obj=model, id="privacy.E002"))
    for name in sorted(declared - names):
        errors.append(Error(f"{label} classifies {name!r}, which is not one of its fields.",
                            obj=model, id="privacy.E003"))
    for name in sorted(set(registration.fields) & registration.not_personal):
        errors.append(Error(f"{label}.{name} is classified both ways.", obj=model, id="privacy.E004"))
    for name, pf in registration.fields.items():
        if pf.erasure == Erasure.KEEP_RESTRICTED and not pf.legal_ground:
            errors.append(Error(f"{label}.{name} is kept on erasure but names no legal ground.",
                                obj=model, id="privacy.E005"))
        without = set(pf.retention.years_after_year_end or {}) - set(
            pf.legal_ground if isinstance(pf.legal_ground, Mapping) else {})
        if pf.erasure == Erasure.KEEP_RESTRICTED and isinstance(pf.legal_ground, Mapping) and without:
            errors.append(Error(f"{label}.{name} is kept by law in {', '.join(sorted(without))} but names no legal "
                                "ground there.", obj=model, id="privacy.E008"))
        has_period = pf.retention.years_after_year_end is not None or pf.retention.period_days() is not None
        if (pf.erasure == Erasure.KEEP_RESTRICTED and has_period and registration.subject_path
                and registration.subject_path != "self"
                and (registration.kept_since or "").split("__")[0] not in names):
            errors.append(Error(f"{label}.{name} is kept for a period but the model names no date it counts from.",
                                hint="Pass kept_since= to @personal_data.", obj=model, id="privacy.E006"))
    for name in sorted(registration.not_exported - names):
        errors.append(Error(f"{label} leaves {name!r} out of exports, but it is not one of its fields.",
                            obj=model, id="privacy.E007"))
    return errors
