"""Reads for the public booking page's front: what the business shows of itself, in the visitor's language.

Services are grouped under their categories (in the owner's order; those without one last), each with its
name and description in the visitor's language, else the default language, else the panel's wording.
Opening hours come from the staff's weekly hours valid today, so they never disagree with bookable times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from django.db.models import Q

from booking.models import BookingPage, Resource, ResourceKind, Service, ServiceCategory, WorkingHours
from tenancy.models import Organization
from tilli.lib.translated import pick


@dataclass
class ShownService:
    service: Service
    name: str
    description: str
    href: str = ""  # where booking it starts (the presentation fills it in)


@dataclass
class Section:
    title: str  # "" for the services without a category
    services: list[ShownService] = field(default_factory=list)


@dataclass
class ShownStaff:
    resource: Resource
    name: str
    bio: str


@dataclass
class OpeningDay:
    weekday: int  # Monday 0
    opens: time | None
    closes: time | None


def booking_page_for(organization: Organization) -> BookingPage:
    """The saved settings, or the defaults of a page the owner has not set up yet (not saved)."""
    return BookingPage.objects.filter(organization=organization).first() or BookingPage(organization=organization)


def service_name(service: Service, language: str, organization: Organization) -> str:
    translations = service.translations if isinstance(service.translations, dict) else {}
    return pick(translations.get("name"), language, organization.default_language, service.name)


def sections(organization: Organization, services: list[Service], language: str) -> list[Section]:
    by_category: dict[int | None, Section] = {
        category.pk: Section(pick(category.name, language, organization.default_language, str(category)))
        for category in ServiceCategory.objects.for_organization(organization)}
    uncategorised = Section("")
    for service in services:
        translations = service.translations if isinstance(service.translations, dict) else {}
        shown = ShownService(service, service_name(service, language, organization),
                             pick(translations.get("description"), language, organization.default_language,
                                  service.description))
        by_category.get(service.category_id, uncategorised).services.append(shown)
    return [section for section in [*by_category.values(), uncategorised] if section.services]


def shown_staff(organization: Organization, language: str) -> list[ShownStaff]:
    """Active staff who perform a service bookable online, with their photo and introduction if they gave one."""
    resources = (Resource.objects.for_organization(organization)
                 .filter(kind=ResourceKind.STAFF, is_active=True, membership__is_active=True,
                         services__online_bookable=True, services__is_active=True)
                 .distinct().order_by("name", "pk"))
    return [ShownStaff(r, r.name, pick(r.bio, language, organization.default_language)) for r in resources]


def opening_hours(organization: Organization, today: date) -> list[OpeningDay]:
    """Per weekday the earliest opening and the latest closing among the bookable staff's hours valid today."""
    rows = (WorkingHours.objects.for_organization(organization)
            .filter(resource__kind=ResourceKind.STAFF, resource__is_active=True)
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today)))
    days = [OpeningDay(weekday, None, None) for weekday in range(7)]
    for row in rows:
        day = days[row.weekday]
        closes = row.end_time if row.end_time > row.start_time else time(23, 59)  # past midnight: until the night
        day.opens = min(day.opens, row.start_time) if day.opens else row.start_time
        day.closes = max(day.closes, closes) if day.closes else closes
    return days


def media_names(organization: Organization) -> set[str]:
    """The stored pictures the organization's page may show; the public view serves no other name."""
    page = BookingPage.objects.filter(organization=organization).values_list("logo", "cover").first() or ()
    photos = Resource.objects.for_organization(organization).filter(is_active=True).exclude(photo="")
    return {name for name in (*page, *photos.values_list("photo", flat=True)) if name}


def booking_page_saved(organization: Organization) -> bool:
    """Whether the owner has saved the booking page's settings once (the setup checklist's "booking page" step)."""
    return BookingPage.objects.filter(organization=organization, saved_at__isnull=False).exists()
