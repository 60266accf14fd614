"""Writes of the booking page's presentation: its settings, service categories, each service's wording per
language, and the staff's photos and introductions. Each action is one transaction with its audit row
(changed field names only); a replaced picture's file is removed once the change has committed.

Pictures arrive already re-encoded (`tilli.lib.images.clean_image`, in the form), so nothing the uploader
sent is ever stored as such.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import page_media
from booking.models import BookingPage, Resource, Service, ServiceCategory
from kernel.audit import Actor, record
from kernel.models import AuditAction
from tenancy.models import Organization
from tilli.lib.images import CleanImage
from tilli.lib.translated import clean_translated

NAME_LENGTH = 120
TEXT_LENGTH = 2000
KEEP = object()  # a picture argument left as it is


def clean_translations(organization: Organization, values: Mapping[str, str], *, field: str, max_length: int,
                       required: bool = False) -> dict[str, str]:
    """{language: text} limited to the organization's customer languages, empty values dropped; a refusal
    names `field`."""
    try:
        return _translations(organization, values, max_length=max_length, required=required)
    except ValidationError as error:
        raise ValidationError({field: error.error_list}) from None


def _translations(organization: Organization, values: Mapping[str, str], *, max_length: int,
                  required: bool) -> dict[str, str]:
    return clean_translated(values, offered=organization.public_language_codes,
                            default_language=organization.default_language, max_length=max_length,
                            required=required)


def _discard_after_commit(*names: str) -> None:
    for name in names:
        if name:
            transaction.on_commit(lambda name=name: page_media.discard(name))


def _picture(organization: Organization, current: str, new, kind: str) -> str:
    """The stored name after the change: KEEP keeps it, None removes it, a CleanImage replaces it."""
    if new is KEEP:
        return current
    if new is None:
        return ""
    assert isinstance(new, CleanImage)
    return page_media.store(organization, new, kind)


@transaction.atomic
def booking_page_update(*, organization: Organization, actor: Actor, logo=KEEP, cover=KEEP,
                        **changes) -> list[str]:
    """Save the page's settings (colours, description, embedding site, pictures); returns what changed.

    The first save also marks the page as set up (the setup checklist's "booking page" step).
    """
    page = (BookingPage.objects.select_for_update().filter(organization=organization).first()
            or BookingPage(organization=organization))
    if "description" in changes:
        changes["description"] = clean_translations(organization, changes["description"], field="description",
                                                    max_length=TEXT_LENGTH)
    editable = ("accent_colour", "accent_text_colour", "description", "embed_origin")
    unknown = set(changes) - set(editable)
    if unknown:
        raise TypeError(f"booking_page_update got unknown fields: {sorted(unknown)}")
    old_pictures = {"logo": page.logo, "cover": page.cover}
    before = {name: getattr(page, name) for name in editable}
    for name, value in changes.items():
        setattr(page, name, value)
    page.full_clean(exclude=["organization"])
    changed = [name for name in editable if getattr(page, name) != before[name]]
    page.logo = _picture(organization, page.logo, logo, "logo")
    page.cover = _picture(organization, page.cover, cover, "cover")
    changed += [name for name in ("logo", "cover") if getattr(page, name) != old_pictures[name]]
    first_save = page.saved_at is None
    page.saved_at = timezone.now()
    page.save()
    if changed or first_save:
        record(organization=organization, actor=actor, action=AuditAction.CREATE if first_save else AuditAction.UPDATE,
               obj=page, changed_fields=changed)
    _discard_after_commit(*(old for name, old in old_pictures.items() if old != getattr(page, name)))
    return changed


@transaction.atomic
def service_category_save(*, organization: Organization, actor: Actor, name: Mapping[str, str], position: int = 0,
                          category: ServiceCategory | None = None) -> ServiceCategory:
    """Create a category, or rename and reorder one of the organization's."""
    cleaned = clean_translations(organization, name, field="name", max_length=NAME_LENGTH, required=True)
    creating = category is None
    if creating:
        category = ServiceCategory(organization=organization)
    elif category.organization_id != organization.pk:
        raise ValidationError(_("No such category."), code="not_found")
    changed = [field for field, value in (("name", cleaned), ("position", position))
               if getattr(category, field) != value]
    category.name, category.position = cleaned, position
    category.save()
    record(organization=organization, actor=actor, action=AuditAction.CREATE if creating else AuditAction.UPDATE,
           obj=category, changed_fields=[] if creating else changed)
    return category


@transaction.atomic
def service_category_delete(*, category: ServiceCategory, actor: Actor) -> None:
    """Its services stay, listed under "Other services"."""
    record(organization=category.organization, actor=actor, action=AuditAction.DELETE, obj=category)
    category.delete()


@transaction.atomic
def service_page_update(*, service: Service, actor: Actor, category: ServiceCategory | None,
                        names: Mapping[str, str], descriptions: Mapping[str, str]) -> list[str]:
    """A service's category and its name and description in each language of the booking page."""
    organization = service.organization
    if category is not None and category.organization_id != organization.pk:
        raise ValidationError(_("No such category."), code="not_found")
    translations = {"name": clean_translations(organization, names, field="name", max_length=NAME_LENGTH),
                    "description": clean_translations(organization, descriptions, field="description",
                                                      max_length=TEXT_LENGTH)}
    changed = [field for field, value in (("category_id", category.pk if category else None),
                                          ("translations", translations)) if getattr(service, field) != value]
    if changed:
        service.category, service.translations = category, translations
        service.save(update_fields=["category", "translations"])
        record(organization=organization, actor=actor, action=AuditAction.UPDATE, obj=service,
               changed_fields=[name.removesuffix("_id") for name in changed])
    return changed


@transaction.atomic
def staff_profile_update(*, resource: Resource, actor: Actor, bio: Mapping[str, str], photo=KEEP) -> list[str]:
    """The photo and introduction the booking page shows of a staff member (shown only with their consent)."""
    organization = resource.organization
    cleaned = clean_translations(organization, bio, field="bio", max_length=TEXT_LENGTH)
    old_photo = resource.photo
    resource.photo = _picture(organization, resource.photo, photo, "staff")
    changed = [name for name, old, new in (("bio", resource.bio, cleaned), ("photo", old_photo, resource.photo))
               if old != new]
    if changed:
        resource.bio = cleaned
        resource.save(update_fields=["bio", "photo"])
        record(organization=organization, actor=actor, action=AuditAction.UPDATE, obj=resource,
               changed_fields=changed)
    if old_photo != resource.photo:
        _discard_after_commit(old_photo)
    return changed
