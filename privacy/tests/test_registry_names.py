"""What the erasure dry run and the exports name (a model, a field) has a human name in every language."""

from django.utils.functional import Promise

from kernel.registry import SubjectKind, registry


def test_every_model_and_field_a_client_sees_named_has_a_translated_name():
    unnamed = []
    for reg in registry:
        if reg.subject_kind != SubjectKind.CLIENT:
            continue
        meta = reg.model._meta
        if not isinstance(meta.verbose_name, Promise) or not isinstance(meta.verbose_name_plural, Promise):
            unnamed.append(reg.label)
        unnamed += [f"{reg.label}.{name}" for name in reg.fields
                    if name not in reg.not_exported and not isinstance(meta.get_field(name).verbose_name, Promise)]
    assert unnamed == [], "give these verbose_name=_(...) (Meta.verbose_name and verbose_name_plural for models)"
