"""The demo businesses that `manage.py seed_demo` creates: a Finnish salon and a Polish clinic."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from accounts.models import User
from api.models import ApiToken
from api.services import api_token_create, api_token_revoke
from kernel.audit import Actor
from tenancy.models import Membership, Organization
from tenancy.roles import Role
from tenancy.services import membership_add, organization_create

DEMO_PASSWORD = "tilli-demo-2026"
DEMO_TOKEN_NAME = "seed_demo"


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    country: str
    business_id: str
    language: str
    time_zone: str
    city: str
    postal_code: str
    street_address: str
    staff: tuple[tuple[str, str, str, str], ...]  # (role, email, first name, last name)


DEMOS = (
    DemoOrganization(
        slug="kaisla", name="Kauneushoitola Kaisla", country="FI", business_id="2345678-0", language="fi",
        time_zone="Europe/Helsinki", city="Helsinki", postal_code="00100", street_address="Esimerkkikatu 1",
        staff=(
            (Role.OWNER, "omistaja@kaisla.example", "Kaisa", "Koivisto"),
            (Role.PRACTITIONER, "hoitaja@kaisla.example", "Helmi", "Hakala"),
            (Role.RECEPTION, "vastaanotto@kaisla.example", "Ville", "Virtanen"),
            (Role.ACCOUNTANT, "kirjanpito@kaisla.example", "Anni", "Aalto"),
        ),
    ),
    DemoOrganization(
        slug="zdrowie", name="Gabinet Rehabilitacji Zdrowie", country="PL", business_id="5261045122", language="pl",
        time_zone="Europe/Warsaw", city="Warszawa", postal_code="00-001", street_address="ul. Przykładowa 2",
        staff=(
            (Role.OWNER, "wlasciciel@zdrowie.example", "Zofia", "Nowak"),
            (Role.PRACTITIONER, "fizjoterapeuta@zdrowie.example", "Piotr", "Wiśniewski"),
            (Role.RECEPTION, "recepcja@zdrowie.example", "Anna", "Kowalska"),
            (Role.ACCOUNTANT, "ksiegowosc@zdrowie.example", "Jan", "Zieliński"),
        ),
    ),
)


def _user(email: str, first_name: str, last_name: str) -> User:
    user, _ = User.objects.get_or_create(email=email, defaults={"first_name": first_name, "last_name": last_name})
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password", "password_changed_at"])
    return user


def _owner_totp_secret(user: User) -> str:
    """Owners must use two-factor sign-in; demo owners get an authenticator already set up."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import decrypt

    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return decrypt(existing.data["secret"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


DEMO_CLIENTS = {
    "FI": [("Anna", "Virtanen", "040 123 4567", "Helsinki"), ("Mikko", "Korhonen", "050 234 5678", "Espoo"),
           ("Laura", "Mäkinen", "044 345 6789", "Vantaa"), ("Eero", "Nieminen", "045 456 7890", "Helsinki")],
    "PL": [("Zofia", "Kowalska", "601 234 567", "Warszawa"), ("Piotr", "Wójcik", "602 345 678", "Kraków"),
           ("Maria", "Lewandowska", "603 456 789", "Warszawa")],
}
SERVICES = {"FI": ["Hiusten leikkaus", "Kasvohoito", "Hieronta"], "PL": ["Fizjoterapia", "Masaż", "Konsultacja"]}


def _seed_clients(organization: Organization, staff) -> None:
    """A few clients with visits and permissions, once, so the demo register is not empty."""
    from datetime import timedelta

    from django.utils import timezone

    from clients.care import care_assignment_grant
    from clients.models import Client, ClientSource
    from clients.services import (
        client_create,
        marketing_consent_set,
        record_create,
        special_approval_set,
        visit_create,
    )

    if Client.objects.for_organization(organization).exists():
        return
    actor = Actor.system("seed_demo")
    practitioner = Membership.objects.for_organization(organization).get(user=staff[1][1])
    for n, (first, last, phone, city) in enumerate(DEMO_CLIENTS[organization.country]):
        client = client_create(organization=organization, actor=actor, first_name=first, last_name=last,
                               phone=phone, city=city, email=f"{first.lower()}.{n}@example.test",
                               source=[ClientSource.ONLINE, ClientSource.PHONE, ClientSource.STAFF][n % 3])
        for k in range(3 + n):
            visit_create(client=client, actor=actor, visited_at=timezone.now() - timedelta(days=30 * k + n),
                         practitioner=practitioner, services=SERVICES[organization.country][k % 3])
        if n % 2 == 0:
            marketing_consent_set(client=client, channel="email", granted=True, source="staff", actor=actor)
        if n == 0:
            care_assignment_grant(client=client, practitioner=practitioner, actor=actor)
            special_approval_set(client=client, granted=True, source="staff", actor=actor)
            note = "Selkä jumissa, vältä syvää painelua." if organization.country == "FI" else \
                "Ból odcinka lędźwiowego, unikać głębokiego ucisku."
            record_create(client=client, kind="treatment", body=note, author=practitioner, actor=actor)


DEMO_SERVICES = {
    "FI": [("Hiusten leikkaus", 45, "49.00", "25.50"), ("Kasvohoito", 60, "79.00", "25.50"),
           ("Hieronta", 60, "65.00", "25.50")],
    "PL": [("Fizjoterapia", 50, "180.00", "8.00"), ("Masaż leczniczy", 60, "200.00", "8.00"),
           ("Konsultacja", 30, "150.00", "0.00")],
}


def _seed_booking(organization: Organization, staff) -> None:
    """A location, the owner and the practitioner as bookable staff with weekly hours, and services."""
    import datetime as dt
    from decimal import Decimal

    from booking.models import Location, Resource, ResourceKind, Service, WorkingHours

    if Service.objects.for_organization(organization).exists():
        return
    location = Location.objects.create(organization=organization, name=organization.city or organization.name,
                                       time_zone=organization.time_zone, address=organization.street_address)
    resources = []
    for _role, user in staff[:2]:
        membership = Membership.objects.for_organization(organization).get(user=user)
        resource = Resource.objects.create(organization=organization, kind=ResourceKind.STAFF, name=str(user),
                                           membership=membership, location=location)
        hours = [(d, 9, 12) for d in range(5)] + [(d, 13, 17) for d in range(5)] + [(5, 10, 14)]
        WorkingHours.objects.bulk_create([
            WorkingHours(organization=organization, resource=resource, location=location, weekday=d,
                         start_time=dt.time(h0), end_time=dt.time(h1)) for d, h0, h1 in hours])
        resources.append(resource)
    currency = "EUR" if organization.country == "FI" else "PLN"
    for name, minutes, price, vat in DEMO_SERVICES[organization.country]:
        service = Service.objects.create(organization=organization, name=name, duration_minutes=minutes,
                                         price=Decimal(price), currency=currency, vat_rate=Decimal(vat),
                                         buffer_after_minutes=10, min_notice_minutes=60)
        service.staff.set(resources)


# The booking page's face: (colour, description, categories: (names, [service names per language])).
DEMO_PAGES = {
    "FI": ("#6e234b", {
        "fi": "Kauneushoitola Helsingin keskustassa: hiukset, kasvohoidot ja hieronta. Tervetuloa!",
        "sv": "Skönhetssalong i centrala Helsingfors: hår, ansiktsbehandlingar och massage. Välkommen!",
        "pl": "Salon urody w centrum Helsinek: włosy, zabiegi na twarz i masaż. Zapraszamy!",
        "en": "A beauty salon in central Helsinki: hair, facials and massage. Welcome!"}, [
        ({"fi": "Hiukset", "sv": "Hår", "pl": "Włosy", "en": "Hair"},
         [{"fi": "Hiusten leikkaus", "sv": "Klippning", "pl": "Strzyżenie", "en": "Haircut"}]),
        ({"fi": "Hoidot", "sv": "Behandlingar", "pl": "Zabiegi", "en": "Treatments"},
         [{"fi": "Kasvohoito", "sv": "Ansiktsbehandling", "pl": "Zabieg na twarz", "en": "Facial"},
          {"fi": "Hieronta", "sv": "Massage", "pl": "Masaż", "en": "Massage"}]),
    ]),
    "PL": ("#1f4e79", {
        "pl": "Gabinet fizjoterapii i rehabilitacji w centrum Warszawy.",
        "en": "Physiotherapy and rehabilitation in central Warsaw."}, [
        ({"pl": "Rehabilitacja", "en": "Rehabilitation"},
         [{"pl": "Fizjoterapia", "en": "Physiotherapy"}, {"pl": "Masaż leczniczy", "en": "Therapeutic massage"},
          {"pl": "Konsultacja", "en": "Consultation"}]),
    ]),
}


def _seed_booking_page(organization: Organization, actor: Actor) -> None:
    """Colours, a description, categories and the services' names in each language of the demo's page."""
    from booking.models import Service
    from booking.page import booking_page_update, service_category_save, service_page_update
    from booking.showcase import booking_page_saved

    if booking_page_saved(organization):
        return
    colour, description, categories = DEMO_PAGES[organization.country]
    offered = organization.public_language_codes

    def only_offered(texts: dict[str, str]) -> dict[str, str]:
        return {code: text for code, text in texts.items() if code in offered}

    booking_page_update(organization=organization, actor=actor, accent_colour=colour,
                        description=only_offered(description))
    services = {s.name: s for s in Service.objects.for_organization(organization)}
    for position, (names, service_names) in enumerate(categories, start=1):
        category = service_category_save(organization=organization, actor=actor, name=only_offered(names),
                                         position=position)
        for translated in service_names:
            service = services.get(translated[organization.default_language])
            if service is not None:
                service_page_update(service=service, actor=actor, category=category,
                                    names=only_offered(translated), descriptions={})


# Online payment in the demo (TEST MODE, through the local doubles that `bin/serve` starts): the gateways each
# business connects, first the one its bookings are paid through, and the policies of two (or three) services:
# (service name, policy kind, deposit amount, no-show fee, the text the customer accepts in each language of the
# demo's booking page, the default language's first).
DEMO_GATEWAYS = {"FI": ("paytrail",), "PL": ("przelewy24", "stripe")}
DEMO_POLICIES = {
    "FI": [
        ("Kasvohoito", "deposit", "20.00", None, {
            "fi": "Varausmaksu 20 € maksetaan varattaessa, ja se vähennetään hoidon hinnasta. Maksuton peruutus "
                  "viimeistään 24 tuntia ennen; myöhemmin perutusta tai käyttämättä jääneestä ajasta varausmaksua ei "
                  "välttämättä palauteta.",
            "sv": "Bokningsavgiften på 20 € betalas när du bokar och dras av från behandlingens pris. Du kan avboka "
                  "kostnadsfritt senast 24 timmar innan; avbokar du senare eller uteblir återbetalas "
                  "bokningsavgiften inte nödvändigtvis.",
            "en": "A booking fee of €20 is paid when you book and is deducted from the price of the treatment. "
                  "Cancellation is free up to 24 hours before; if you cancel later or miss the appointment, the "
                  "booking fee may not be refunded.",
        }),
        ("Hieronta", "prepayment", None, None, {
            "fi": "Hieronta maksetaan kokonaan varattaessa. Maksuton peruutus viimeistään 24 tuntia ennen, jolloin "
                  "maksu palautetaan.",
            "sv": "Massagen betalas i sin helhet när du bokar. Du kan avboka kostnadsfritt senast 24 timmar innan, "
                  "och då får du tillbaka hela beloppet.",
            "en": "The massage is paid in full when you book. Cancellation is free up to 24 hours before, and the "
                  "payment is then refunded in full.",
        }),
    ],
    "PL": [
        ("Fizjoterapia", "deposit", "50.00", None, {
            "pl": "Zadatek 50 zł płatny przy rezerwacji, zaliczany na poczet wizyty. Bezpłatne odwołanie do 24 "
                  "godzin przed wizytą; później zadatek może przepaść.",
            "en": "A deposit of 50 zł is paid when you book and counts towards the price of the visit. Cancellation "
                  "is free up to 24 hours before the visit; after that, the deposit may be forfeited.",
        }),
        ("Masaż leczniczy", "prepayment", None, None, {
            "pl": "Masaż opłacany w całości przy rezerwacji. Bezpłatne odwołanie do 24 godzin przed wizytą, wtedy "
                  "zwracamy całą kwotę.",
            "en": "The massage is paid in full when you book. Cancellation is free up to 24 hours before the visit, "
                  "and we then refund the full amount.",
        }),
        ("Konsultacja", "card", None, "100.00", {
            "pl": "Zapisujesz kartę jako gwarancję – teraz nic nie płacisz. Jeśli nie przyjdziesz albo odwołasz "
                  "wizytę później niż 24 godziny przed nią, pobierzemy opłatę 100 zł.",
            "en": "You save your card as a guarantee – nothing is charged now. If you do not come, or cancel later "
                  "than 24 hours before the visit, we charge a fee of 100 zł.",
        }),
    ],
}


def _seed_online_payments(organization: Organization, actor: Actor) -> None:
    """Connect the demo's gateways that this deployment offers (PAYMENT_GATEWAYS; none in production) and give the
    services their payment policies in each language of the booking page, through the owner's own services (each
    with its audit row). What exists is left as the owner set it: a gateway connected or disconnected before, a
    service with a policy of its own (one the demo seeded before policies had translations gets them).
    Przelewy24 checks the credentials when connecting, so its double is served for that moment unless it runs."""
    from contextlib import nullcontext
    from decimal import Decimal

    from django.conf import settings

    from billing.gateways import enabled
    from billing.gateways.doubles.demo import DemoRefused, plan, serving
    from billing.models import GatewayConnection
    from billing.payment_settings import gateway_connect, policy_of_service, policy_save
    from booking.models import Service
    from tilli.errors import Conflict, Invalid

    wanted = [name for name in DEMO_GATEWAYS[organization.country] if name in enabled()
              and not GatewayConnection.objects.for_organization(organization).filter(gateway=name).exists()]
    if wanted:
        doubles = nullcontext()
        if settings.PAYMENT_DOUBLES:
            try:
                plan()
                doubles = serving(site_url=settings.SITE_URL, skip_taken=True)
            except DemoRefused:
                pass  # live mode or a real provider's address: connect to what the settings name
        with doubles:
            for name in wanted:
                try:
                    gateway_connect(organization=organization, gateway=name, actor=actor)
                except (Conflict, Invalid):
                    continue  # the gateway refused the connection: the demo goes on without it
    services = {s.name: s for s in Service.objects.for_organization(organization)}
    default, offered = organization.default_language, organization.public_language_codes
    for name, kind, deposit, fee, texts in DEMO_POLICIES[organization.country]:
        service = services.get(name)
        if service is None:
            continue
        text = texts[default]
        translations = {"text": {code: wording for code, wording in texts.items()
                                 if code in offered and code != default}}
        terms = {"kind": kind, "deposit_amount": Decimal(deposit) if deposit else None, "deposit_percent": None,
                 "no_show_fee": Decimal(fee) if fee else None, "free_cancellation_hours": 24}
        own = policy_of_service(organization, service)
        if own is not None:
            if own.text != text or own.translations:
                continue  # the owner's own wording: left as it is
            # seeded before the policies had translations: the same terms, now in every language of the page
            terms = {term: getattr(own, term) for term in terms}
        try:
            policy_save(organization=organization, service=service, text=text, translations=translations,
                        actor=actor, **terms)
        except Invalid:
            continue  # no gateway connected (none offered), or none that keeps a card: no policy


def _seed_privacy_and_messages(organization: Organization) -> None:
    """Reminder rules (24 h by email, 2 h by SMS), SMS on with the development file gateway, receipts
    for the first clients, an open request and a published privacy notice, once, so every page of the
    demo has something to show."""
    from decimal import Decimal

    from billing.models import Sale
    from billing.sales import LineInput, TenderInput, sale_complete
    from booking.models import Location
    from clients.models import Client
    from notify.models import ReminderRule
    from notify.policy import policy_for
    from privacy.documents import latest_notice, publish_notice
    from privacy.models import DataSubjectRequest, RequestChannel, RequestKind
    from privacy.requests import request_create

    actor = Actor.system("seed_demo")
    if not ReminderRule.objects.filter(organization=organization).exists():
        ReminderRule.objects.create(organization=organization, hours_before=24, channel="email")
        ReminderRule.objects.create(organization=organization, hours_before=2, channel="sms")
        policy = policy_for(organization)
        policy.sms_enabled, policy.sms_sender = True, organization.name.split()[0][:11]
        policy.save()
    clients = list(Client.objects.for_organization(organization).order_by("pk")[:3])
    location = Location.objects.for_organization(organization).order_by("pk").first()
    if clients and location and not Sale.objects.filter(organization=organization, appointment=None).exists():
        rate = Decimal("25.5") if organization.country == "FI" else Decimal("23")
        for client in clients:
            sale_complete(organization=organization, location=location, client=client, actor=actor,
                          lines=[LineInput(kind="free", description="Demo", unit_price=Decimal("49.00"),
                                           vat_percent=rate)],
                          tenders=[TenderInput(method="card", amount=Decimal("49.00"))])
    if clients and not DataSubjectRequest.objects.filter(organization=organization).exists():
        request_create(organization=organization, kind=RequestKind.ACCESS, channel=RequestChannel.EMAIL,
                       actor=actor, client=clients[-1], details="Demo: a copy of my data, please.")
    if latest_notice(organization) is None:
        publish_notice(organization=organization, actor=actor)  # the booking page links to a real notice



# The counter's demo: a few products on the shelf and the billing details invoices print.
DEMO_PRODUCTS = {
    "FI": [("Shampoo 250 ml", "SH-250", "6430000000016", "18.90", 12),
           ("Hiusöljy 50 ml", "OIL-50", "6430000000023", "24.50", 3),
           ("Lahjapakkaus", "GIFT-1", "", "39.00", 5)],
    "PL": [("Szampon 250 ml", "SH-250", "5900000000015", "49.00", 12),
           ("Olejek do włosów 50 ml", "OIL-50", "5900000000022", "69.00", 3),
           ("Zestaw prezentowy", "GIFT-1", "", "119.00", 5)],
}
DEMO_BANK = {"FI": ("FI7944052020036082", "OKOYFIHH"), "PL": ("PL61109010140000071219812874", "")}


def _seed_counter(organization: Organization, actor: Actor) -> None:
    """Products with stock (one of them low) and the billing details, once: the checkout, the products and
    the invoice pages of the demo have something to show."""
    from decimal import Decimal

    from billing.invoicing import billing_profile_save
    from billing.models import BillingProfile, Product
    from billing.products import product_save, stock_delivery

    if not Product.objects.filter(organization=organization).exists():
        rate = Decimal("25.5") if organization.country == "FI" else Decimal("23")
        for name, sku, ean, price, stock in DEMO_PRODUCTS[organization.country]:
            product = product_save(organization=organization, actor=actor, name=name, sku=sku, ean=ean,
                                   price=Decimal(price), vat_rate=rate, low_stock_at=3)
            stock_delivery(organization=organization, product=product, quantity=stock, actor=actor)
    if not BillingProfile.objects.filter(organization=organization).exists():
        iban, bic = DEMO_BANK[organization.country]
        billing_profile_save(organization=organization, actor=actor, iban=iban, bic=bic,
                             penalty_interest=Decimal("11.5") if organization.country == "FI" else Decimal("0"))

# Regular clients who book by phone; no email address, so the demo's bookings send SMS to the
# development file instead of flooding the console with confirmation emails.
DEMO_REGULARS = {
    "FI": [("Sanna", "Lahtinen"), ("Jukka", "Heikkinen"), ("Tiina", "Salonen"), ("Pekka", "Laine"),
           ("Riikka", "Ojala"), ("Antti", "Lehtonen"), ("Minna", "Kinnunen"), ("Timo", "Hämäläinen")],
    "PL": [("Katarzyna", "Zając"), ("Tomasz", "Szymański"), ("Agnieszka", "Woźniak"), ("Marcin", "Dąbrowski"),
           ("Magdalena", "Kozłowska"), ("Paweł", "Jankowski"), ("Ewa", "Mazur"), ("Krzysztof", "Kwiatkowski")],
}
DEMO_DAYS_BACK = DEMO_DAYS_AHEAD = 7
DEMO_NO_SHOW_RATE = 0.1


def _regulars(organization: Organization) -> list:
    """The phone-only regulars, created once and found by name on later runs."""
    from clients.models import Client, ClientSource
    from clients.services import client_create

    actor = Actor.system("seed_demo")
    prefix = "040 555 0" if organization.country == "FI" else "604 555 0"
    clients = []
    for n, (first, last) in enumerate(DEMO_REGULARS[organization.country]):
        phone = f"{prefix}{n:02d}"
        client = Client.objects.for_organization(organization).filter(first_name=first, last_name=last).first()
        clients.append(client or client_create(organization=organization, actor=actor, first_name=first,
                                               last_name=last, phone=phone, source=ClientSource.PHONE))
    return clients


def _seed_appointments(organization: Organization) -> int:
    """Two weeks of appointments around today for every bookable staff member, through the booking service.

    Each staff member gets three to five appointments a working day at free times, so nothing is
    double-booked (the service and the database refuse it anyway). Past ones are completed (sold at
    the counter, paid by card or MobilePay) or, one in ten, a no-show; later ones stay booked. A day on which the staff
    member already has an appointment is left alone, so a re-run adds nothing and a run a week later
    fills only the new days. Returns how many appointments were booked.
    """
    import datetime as dt
    import random
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from billing.sales import LineInput, TenderInput, sale_complete
    from booking.models import Appointment, AppointmentState, Channel, Resource, ResourceKind, Service
    from booking.selectors import free_slots
    from booking.services import SlotTaken, appointment_book, appointment_transition

    actor = Actor.system("seed_demo")
    clients = _regulars(organization)
    services = list(Service.objects.for_organization(organization).filter(is_active=True).order_by("pk"))
    now = timezone.now()
    booked = 0
    for resource in (Resource.objects.for_organization(organization).filter(kind=ResourceKind.STAFF, is_active=True)
                     .select_related("location").order_by("pk")):
        zone = ZoneInfo(resource.location.time_zone)
        today = now.astimezone(zone).date()
        for offset in range(-DEMO_DAYS_BACK, DEMO_DAYS_AHEAD + 1):
            day = today + dt.timedelta(days=offset)
            midnight = dt.datetime.combine(day, dt.time.min, zone)
            if Appointment.objects.for_organization(organization).filter(
                    staff=resource, start__gte=midnight, start__lt=midnight + dt.timedelta(days=1)).exists():
                continue
            rng = random.Random(f"{organization.slug}:{resource.pk}:{day.isoformat()}")  # noqa: S311 (demo data)
            for _ in range(rng.randint(3, 5)):
                service = rng.choice([s for s in services if resource.pk in {r.pk for r in s.staff.all()}] or [None])
                if service is None:
                    break
                starts = [slot.start for slot in free_slots(service, day, day, staff=resource, apply_limits=False)
                          if slot.start.minute % 30 == 0]
                if not starts:
                    break
                start = rng.choice(starts)
                try:
                    appointment = appointment_book(service=service, start=start, client=rng.choice(clients),
                                                   channel=Channel.PHONE, actor=actor, staff=resource)
                except SlotTaken:
                    continue
                booked += 1
                if appointment.end > now:
                    continue
                if rng.random() < DEMO_NO_SHOW_RATE:
                    appointment_transition(appointment=appointment, to_state=AppointmentState.NO_SHOW, actor=actor)
                    continue
                appointment_transition(appointment=appointment, to_state=AppointmentState.COMPLETED, actor=actor)
                if service.price > 0:
                    sale_complete(organization=organization, location=appointment.location,
                                  client=appointment.client, appointment=appointment, actor=actor,
                                  lines=[LineInput(kind="service", service=service)],
                                  tenders=[TenderInput(method=rng.choice(["card", "card", "mobilepay"]),
                                                       amount=service.price)])
    return booked + _seed_portal_booking(organization)


def _seed_portal_booking(organization: Organization) -> int:
    """One coming appointment for the first demo client, whom the README signs in to the portal."""
    import datetime as dt

    from django.utils import timezone

    from booking.models import Appointment, Channel, Service
    from booking.selectors import free_slots
    from booking.services import appointment_book
    from clients.models import Client

    client = Client.objects.for_organization(organization).filter(email__endswith=".0@example.test").first()
    service = Service.objects.for_organization(organization).filter(is_active=True).order_by("pk").first()
    if client is None or service is None or Appointment.objects.for_organization(organization).filter(
            client=client, start__gte=timezone.now()).exists():
        return 0
    day = timezone.localdate() + dt.timedelta(days=3)
    slots = free_slots(service, day, day + dt.timedelta(days=7), apply_limits=False)
    if not slots:
        return 0
    appointment_book(service=service, start=slots[len(slots) // 2].start, client=client, channel=Channel.PHONE,
                     actor=Actor.system("seed_demo"))
    return 1


@transaction.atomic
def seed(*, with_tokens: bool) -> list[dict[str, str]]:
    """Create or refresh the demo businesses; returns what a person or script needs to sign in."""
    actor = Actor.system("seed_demo")
    result = []
    for demo in DEMOS:
        staff = [(role, _user(email, first, last)) for role, email, first, last in demo.staff]
        owner = staff[0][1]
        organization = Organization.objects.filter(slug=demo.slug).first()
        if organization is None:
            organization = organization_create(
                name=demo.name, slug=demo.slug, country=demo.country, business_id=demo.business_id,
                default_language=demo.language, time_zone=demo.time_zone, owner=owner, actor=actor, is_demo=True,
                city=demo.city, postal_code=demo.postal_code, street_address=demo.street_address,
                privacy_contact_name=f"{owner.first_name} {owner.last_name}", privacy_contact_email=owner.email,
            )
        for role, user in staff:
            if not Membership.objects.for_organization(organization).filter(user=user, role=role,
                                                                            is_active=True).exists():
                membership_add(organization=organization, user=user, role=role, actor=actor)
        entry = {
            "slug": organization.slug, "name": organization.name, "url": f"/o/{organization.slug}/",
            "owner_email": owner.email, "owner_password": DEMO_PASSWORD,
            "owner_totp_secret": _owner_totp_secret(owner),
            "staff": [{"role": role, "email": user.email} for role, user in staff],
        }
        _seed_clients(organization, staff)
        _seed_booking(organization, staff)
        _seed_booking_page(organization, actor)
        _seed_online_payments(organization, actor)
        _seed_privacy_and_messages(organization)
        _seed_counter(organization, actor)
        _seed_appointments(organization)
        if with_tokens:
            membership = Membership.objects.for_organization(organization).get(user=owner)
            for old in ApiToken.objects.for_organization(organization).filter(
                    membership=membership, name=DEMO_TOKEN_NAME, revoked_at=None):
                api_token_revoke(token=old, actor=actor)
            _token, entry["owner_api_token"] = api_token_create(membership=membership, name=DEMO_TOKEN_NAME,
                                                                actor=actor)
        result.append(entry)
    return result
