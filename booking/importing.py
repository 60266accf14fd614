"""Importing future appointments from another booking system's CSV export.

The file is read like a client file (`clients.import_files`), and its columns are mapped the same way
(suggested from the column names, changed by the owner, saved by name). Each row names a client (by email,
phone or name: matched to the register in that order, or created), a service and optionally a staff
member (by their names in Tilli, compared without case or accents), a start (a date and a time, in one
column or two, `31.12.2026 14:30` or ISO) in the time zone of the staff member's location, and optionally
a length in minutes.

Every row is booked through `booking.services.appointment_book`, so working hours, time off, buffers and
the database's refusal of overlapping bookings hold, and reminders are planned like any booking's (the
channel is "import": no confirmation message, the client already has one from the old system).

**Per row, not all or nothing**: each row is its own transaction. A row that cannot be booked (the time
is taken, the staff member does not work then, the service has another length, a field is wrong) is
reported with its reason and rolls back alone (a client created for it too); the other rows are booked.
A row already in the calendar (same client, service and start) is skipped, so a file imported twice books
nothing twice. The import as a whole writes one summary audit row beside each booking's own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking.errors import BookingError, SlotTaken
from booking.models import Appointment, AppointmentState, Channel, Location, Resource, ResourceKind, Service
from booking.selectors import free_slots
from booking.services import appointment_book, appointment_resize
from clients.import_files import ImportFileError, ParsedFile, parse_date, parse_date_time, parse_time, read_csv
from clients.importing import PREVIEW_ROWS, PreviewRow, RowError, search_key
from clients.merging import possible_duplicates
from clients.models import Client, ClientSource
from clients.normalise import search_text
from clients.services import client_create
from clients.validation import clean_client_data
from kernel.audit import Actor, record
from kernel.models import AuditAction
from tenancy.models import Organization

ACTIVE = (AppointmentState.BOOKED, AppointmentState.CONFIRMED)

APPOINTMENT_ALIASES: dict[str, tuple[str, ...]] = {
    "client_name": ("client", "customer", "client name", "customer name", "full name", "asiakas", "asiakkaan nimi",
                    "klient", "klientka", "imię i nazwisko"),
    "client_first_name": ("first name", "client first name", "customer first name", "etunimi", "imię"),
    "client_last_name": ("last name", "client last name", "customer last name", "sukunimi", "nazwisko"),
    "client_email": ("email", "e-mail", "client email", "customer email", "sähköposti", "adres e-mail"),
    "client_phone": ("phone", "mobile", "client phone", "customer phone", "mobile number", "puhelin",
                     "puhelinnumero", "telefon", "numer telefonu"),
    "service": ("service", "service name", "treatment", "palvelu", "hoito", "usługa", "zabieg"),
    "staff": ("staff", "employee", "team member", "stylist", "professional", "työntekijä", "tekijä",
              "pracownik", "specjalista"),
    "start": ("start", "starts", "start time", "scheduled", "scheduled date", "appointment time", "alkaa",
              "alkuaika", "ajankohta", "początek", "termin"),
    "date": ("date", "day", "appointment date", "päivä", "päivämäärä", "pvm", "data", "dzień"),
    "time": ("time", "clock", "kellonaika", "klo", "aika", "godzina"),
    "duration": ("duration", "length", "minutes", "duration minutes", "kesto", "kesto min", "czas trwania",
                 "czas", "minuty"),
}
APPOINTMENT_LABELS = {
    "client_name": gettext_lazy("Client's full name"),
    "client_first_name": gettext_lazy("Client's first name"),
    "client_last_name": gettext_lazy("Client's last name"),
    "client_email": gettext_lazy("Client's email"),
    "client_phone": gettext_lazy("Client's phone"),
    "service": gettext_lazy("Service"),
    "staff": gettext_lazy("Staff member"),
    "start": gettext_lazy("Start (date and time)"),
    "date": gettext_lazy("Date"),
    "time": gettext_lazy("Start time"),
    "duration": gettext_lazy("Length (minutes)"),
}
# The booking's refusals, said for a row of a file rather than for someone choosing a time on a page.
_REFUSALS = {
    BookingError.SLOT_TAKEN: gettext_lazy("The time is not free: another appointment holds it, or it is outside "
                                          "the working hours."),
    BookingError.NOT_WORKING: gettext_lazy("The staff member does not work then."),
    BookingError.NOT_QUALIFIED: gettext_lazy("The staff member does not perform this service."),
}
_CLIENT_TARGETS = ("client_name", "client_first_name", "client_last_name", "client_email", "client_phone")
_ALIASES = {search_key(alias): target for target, aliases in APPOINTMENT_ALIASES.items() for alias in aliases}


def appointment_targets() -> list[tuple[str, str]]:
    return [(target, str(label)) for target, label in APPOINTMENT_LABELS.items()]


def suggest_appointment_targets(headers: list[str]) -> list[str]:
    targets: list[str] = []
    for header in headers:
        target = _ALIASES.get(search_key(header), "")
        targets.append("" if target in targets else target)
    return targets


def map_appointment_columns(headers: list[str], targets: list[str] | None) -> tuple[dict[int, str], list[str]]:
    """Column index -> target, and the columns left out; raises ImportFileError for an unusable mapping."""
    if targets is None:
        targets = suggest_appointment_targets(headers)
    if len(targets) != len(headers) or any(t and t not in APPOINTMENT_LABELS for t in targets):
        raise ImportFileError(_("Choose a field or “leave out” for every column."))
    mapping: dict[int, str] = {}
    for index, target in enumerate(targets):
        if not target:
            continue
        if target in mapping.values():
            first = next(i for i, t in mapping.items() if t == target)
            raise ImportFileError(
                _("The columns “%(first)s” and “%(second)s” both mean %(field)s. Keep one of them and try again.")
                % {"first": headers[first], "second": headers[index], "field": APPOINTMENT_LABELS[target]})
        mapping[index] = target
    chosen = set(mapping.values())
    if "service" not in chosen:
        raise ImportFileError(_("Map a column to the service."))
    if "start" not in chosen and not {"date", "time"} <= chosen:
        raise ImportFileError(_("Map a column to the start, or one to the date and one to the start time."))
    if not chosen & set(_CLIENT_TARGETS):
        raise ImportFileError(_("Map at least one column to the client's name, email or phone."))
    ignored = [h for i, h in enumerate(headers) if i not in mapping and h]
    return mapping, ignored


@dataclass
class AppointmentImportReport:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[PreviewRow] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    ready: int = 0  # rows that would be booked (dry run)
    already_booked: int = 0  # rows already in the calendar, skipped
    committed: bool = False
    booked: int = 0
    clients_created: int = 0

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})


@dataclass
class _Row:
    number: int
    service: Service
    staff: Resource | None
    start: datetime.datetime
    minutes: int | None
    client_data: dict
    client: Client | None


class _RowProblem(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Lookups:
    """The organization's services, staff and locations by name, read once per file."""

    def __init__(self, organization: Organization) -> None:
        self.organization = organization
        self.services = {search_key(s.name): s for s in Service.objects.for_organization(organization)
                         .filter(is_active=True).prefetch_related("staff")}
        self.staff = {search_key(r.name): r for r in Resource.objects.for_organization(organization)
                      .filter(kind=ResourceKind.STAFF, is_active=True).select_related("location")}
        self.locations = {loc.pk: loc for loc in Location.objects.for_organization(organization)}

    def time_zone(self, service: Service, staff: Resource | None) -> ZoneInfo:
        """The staff member's location's, else that of the first location where the service is performed."""
        if staff is not None:
            return ZoneInfo(staff.location.time_zone)
        location_ids = sorted({r.location_id for r in service.staff.all()})
        location = self.locations.get(location_ids[0]) if location_ids else None
        return ZoneInfo(location.time_zone if location else self.organization.time_zone)


def _aware(wall: datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    """The wall-clock time in `zone`; a time the clocks skip (spring forward) is refused."""
    aware = wall.replace(tzinfo=zone)
    if aware.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise _RowProblem(_("This time does not exist in the location's time zone (the clocks move forward)."))
    return aware


def _client_data(values: dict[str, str]) -> dict:
    first, last = values.get("client_first_name", ""), values.get("client_last_name", "")
    if not (first or last) and values.get("client_name"):
        first, _sep, last = values["client_name"].strip().partition(" ")
    data = {"first_name": first.strip(), "last_name": last.strip()}
    for target, name in (("client_email", "email"), ("client_phone", "phone")):
        if values.get(target):
            data[name] = values[target]
    return data


def _find_client(organization: Organization, cleaned: dict) -> Client | None:
    """The register's client by email, then name and phone, then phone or name when only one client has it."""
    clients = Client.objects.for_organization(organization)
    if cleaned.get("email") and (found := clients.filter(email=cleaned["email"]).order_by("pk").first()):
        return found
    first, last, phone = cleaned.get("first_name", ""), cleaned.get("last_name", ""), cleaned.get("phone", "")
    if phone and (found := possible_duplicates(organization, first_name=first, last_name=last, phone=phone).first()):
        return found
    name = search_text(f"{last} {first}")
    for candidates in (clients.filter(phone=phone) if phone else None,
                       clients.filter(Q(search_name=name) | Q(search_name_alt=name)) if name else None):
        if candidates is not None:
            found = list(candidates[:2])
            if len(found) == 1:
                return found[0]
    return None


def _read_row(lookups: _Lookups, mapping: dict[int, str], cells: list[str], number: int,
              now: datetime.datetime) -> _Row:
    values = {target: (cells[index] if index < len(cells) else "").strip() for index, target in mapping.items()}
    service = lookups.services.get(search_key(values.get("service", "")))
    if service is None:
        raise _RowProblem(_("No service in use has this name. Check the spelling, or add the service first."))
    staff = None
    if values.get("staff"):
        staff = lookups.staff.get(search_key(values["staff"]))
        if staff is None:
            raise _RowProblem(_("No bookable staff member has this name."))
    if "start" in values:
        wall = parse_date_time(values["start"])
    else:
        day, time = parse_date(values.get("date", "")), parse_time(values.get("time", ""))
        wall = datetime.datetime.combine(day, time) if day and time else None
    if wall is None:
        raise _RowProblem(_("Write the start as a date and a time, e.g. 31.12.2026 14:30 or 2026-12-31 14:30."))
    start = _aware(wall, lookups.time_zone(service, staff))
    if start <= now:
        raise _RowProblem(_("The start has passed: only future appointments are imported."))
    minutes = None
    if values.get("duration"):
        try:
            minutes = int(values["duration"])
        except ValueError:
            raise _RowProblem(_("Write the length as whole minutes, e.g. 45.")) from None
        if minutes == service.duration_minutes:
            minutes = None
    data = _client_data(values)
    try:
        cleaned = clean_client_data(lookups.organization, data, kind="person")
    except ValidationError as error:
        raise _RowProblem(" ".join(m for messages in error.message_dict.values() for m in messages)) from None
    if not (cleaned.get("first_name") or cleaned.get("last_name") or cleaned.get("email")
            or cleaned.get("phone")):
        raise _RowProblem(_("The row names no client."))
    return _Row(number, service, staff, start, minutes, data, _find_client(lookups.organization, cleaned))


def _already_booked(row: _Row) -> bool:
    if row.client is None:
        return False
    return Appointment.objects.filter(organization=row.service.organization, client=row.client,
                                      service=row.service, start=row.start, state__in=ACTIVE).exists()


def _fits(row: _Row) -> str | None:
    """None if the calendar has room for the row now, else why not (the dry run's check)."""
    if row.minutes is not None and not row.service.length_adjustable:
        return _("The length of this service is fixed.")
    day = row.start.astimezone(datetime.UTC).date()
    slots = free_slots(row.service, day - datetime.timedelta(days=1), day + datetime.timedelta(days=1),
                       staff=row.staff, apply_limits=False, at=row.start)
    if not any(s.start == row.start for s in slots):
        return str(_REFUSALS[BookingError.SLOT_TAKEN])
    return None


def _preview(number: int, mapping: dict[int, str], cells: list[str], problem: str | None) -> PreviewRow:
    values = [(str(APPOINTMENT_LABELS[t]), cells[i] if i < len(cells) else "") for i, t in mapping.items()]
    return PreviewRow(number, values, [problem] if problem else [], False)


def _prepare(organization: Organization, source: ParsedFile | str, targets: list[str] | None):
    parsed = source if isinstance(source, ParsedFile) else read_csv(source)
    mapping, ignored = map_appointment_columns(parsed.headers, targets)
    report = AppointmentImportReport(
        rows=len(parsed.rows), ignored_columns=ignored,
        columns=[(parsed.headers[i], str(APPOINTMENT_LABELS[t])) for i, t in mapping.items()])
    return parsed, mapping, report, _Lookups(organization)


def appointments_dry_run(organization: Organization, source: ParsedFile | str, *,
                         targets: list[str] | None = None, now: datetime.datetime | None = None
                         ) -> AppointmentImportReport:
    """What the import would do, row by row, against the calendar as it is now; writes nothing."""
    parsed, mapping, report, lookups = _prepare(organization, source, targets)
    now = now or timezone.now()
    for number, cells in parsed.rows:
        problem = None
        try:
            row = _read_row(lookups, mapping, cells, number, now)
            if _already_booked(row):
                report.already_booked += 1
                problem = _("Already in the calendar: it will be skipped.")
            else:
                problem = _fits(row)
                if problem is None:
                    report.ready += 1
                else:
                    report.errors.append(RowError(number, "", problem))
        except _RowProblem as error:
            problem = error.message
            report.errors.append(RowError(number, "", problem))
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append(_preview(number, mapping, cells, problem))
    return report


def appointments_import(*, organization: Organization, source: ParsedFile | str, actor: Actor,
                        targets: list[str] | None = None) -> AppointmentImportReport:
    """Book every row that can be booked, each in its own transaction (see the module's docstring)."""
    parsed, mapping, report, lookups = _prepare(organization, source, targets)
    for number, cells in parsed.rows:
        try:
            with transaction.atomic():
                row = _read_row(lookups, mapping, cells, number, timezone.now())
                if _already_booked(row):
                    report.already_booked += 1
                    continue
                created = row.client is None
                client = row.client or client_create(organization=organization, actor=actor,
                                                     source=ClientSource.IMPORT, **row.client_data)
                appointment = appointment_book(service=row.service, start=row.start, client=client,
                                               channel=Channel.IMPORT, actor=actor, staff=row.staff)
                if row.minutes is not None:
                    appointment_resize(appointment=appointment, actor=actor,
                                       end=row.start + datetime.timedelta(minutes=row.minutes))
        except _RowProblem as error:
            report.errors.append(RowError(number, "", error.message))
            continue
        except SlotTaken as error:
            report.errors.append(RowError(number, "", str(_REFUSALS.get(error.code, error.message))))
            continue
        except ValidationError as error:  # the booking's refusals (SlotTaken and other domain errors) included
            report.errors.append(RowError(number, "", " ".join(error.messages)))
            continue
        report.booked += 1
        report.clients_created += created
    with transaction.atomic():
        record(organization=organization, actor=actor, action=AuditAction.CREATE, object_type="booking.appointment",
               detail={"import_rows": report.rows, "booked": report.booked, "failed": report.error_rows,
                       "already_booked": report.already_booked, "clients_created": report.clients_created})
    report.committed = True
    return report
