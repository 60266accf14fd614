"""Booking: locations, bookable resources, services, working hours, time off, and appointments.

An appointment occupies resources through `Occupancy` rows (the staff member, and any room
or device the service needs), each spanning the appointment plus the service's buffers.
The database refuses two active occupancies of one resource that overlap: PostgreSQL by
an exclusion constraint, SQLite by a trigger (see migrations), so even code that forgets
the check cannot double-book.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kernel.models import TenantModel
from kernel.registry import (
    Category,
    Erasure,
    LegalBasis,
    PersonalField,
    Purpose,
    Retention,
    SubjectKind,
    personal_data,
)
from tenancy.models import Membership
from tilli.lib.contrast import check_text_contrast, validate_hex_colour
from tilli.lib.origins import normalise_origin
from tilli.lib.text import validate_clean_text

# The longest one appointment, with its buffers, may hold a resource. The database refuses a longer
# appointment or occupancy (migration 0013), so the rows that overlap a window are among those that start
# at most this long before it: `overlapping` reads an index range, however much history lies behind it.
LONGEST_OCCUPANCY = datetime.timedelta(days=7)


def overlapping(lo: datetime.datetime, hi: datetime.datetime) -> models.Q:
    """Appointments or occupancies that overlap ``[lo, hi)``, bounded on ``start`` from both sides."""
    return models.Q(start__lt=hi, start__gte=lo - LONGEST_OCCUPANCY, end__gt=lo)


PURPOSE_BOOKING = Purpose("booking", _("Booking and providing appointments"))
PURPOSE_STAFF_PLANNING = Purpose("staff_planning", _("Planning staff working time"))
RETENTION_APPOINTMENT = Retention(
    "appointment", _("Appointments: while the customer relationship lasts; %(period)s after the last visit"),
    organization_years="inactive_client_years")
RETENTION_WORK_TIME = Retention("work_time", _("Working hours and time off: while the person works here"))

_BOOKING = PersonalField(Category.USAGE, PURPOSE_BOOKING, LegalBasis.CONTRACT, RETENTION_APPOINTMENT,
                         Erasure.DELETE)
_WORK = PersonalField(Category.USAGE, PURPOSE_STAFF_PLANNING, LegalBasis.CONTRACT, RETENTION_WORK_TIME,
                      Erasure.DELETE)
PURPOSE_BOOKING_PAGE = Purpose("booking_page", _("Introducing the staff on the public booking page"))
RETENTION_STAFF_PROFILE = Retention("staff_profile", _("Staff photo and introduction: until the person removes them "
                                                       "or stops working here"))
# A photo and an introduction are shown to anyone only when the staff member agrees to it.
_PROFILE = PersonalField(Category.IDENTITY, PURPOSE_BOOKING_PAGE, LegalBasis.CONSENT, RETENTION_STAFF_PROFILE,
                         Erasure.ANONYMISE)


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "name", "time_zone", "address", "is_active"])
class Location(TenantModel):
    name = models.CharField(_("name"), max_length=100, validators=[validate_clean_text])
    time_zone = models.CharField(_("time zone"), max_length=64)
    address = models.CharField(_("address"), max_length=200, blank=True, validators=[validate_clean_text])
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name


class ResourceKind(models.TextChoices):
    STAFF = "staff", _("Staff member")
    ROOM = "room", _("Room")
    DEVICE = "device", _("Device")


class FeedDetail(models.TextChoices):
    """How much of the client a staff member's calendar feed shows (it goes to a third party's calendar app)."""

    SERVICE = "service", _("The service only")
    INITIAL = "initial", _("The service and the first letter of the client's first name")
    NAME = "name", _("The service and the client's name")


@personal_data(subject_kind=SubjectKind.STAFF, subject_path="membership__user",
               fields={"membership": _WORK, "photo": _PROFILE, "bio": _PROFILE},
               not_personal=["organization", "kind", "name", "location", "is_active", "feed_detail"])
class Resource(TenantModel):
    """Something an appointment occupies: a staff member (through their membership), a room or a device."""

    kind = models.CharField(_("kind"), max_length=10, choices=ResourceKind.choices)
    name = models.CharField(_("name"), max_length=100, validators=[validate_clean_text])
    membership = models.OneToOneField(Membership, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="resource")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="resources")
    is_active = models.BooleanField(_("bookable"), default=True)
    feed_detail = models.CharField(_("the calendar feed shows"), max_length=10, choices=FeedDetail.choices,
                                   default=FeedDetail.INITIAL)
    # The booking page's introduction: a stored picture's name (booking.page_media) and {language: text}.
    photo = models.CharField(_("photo"), max_length=200, blank=True, editable=False)
    bio = models.JSONField(_("introduction"), default=dict, blank=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.name


class ServiceColour(models.TextChoices):
    """The calendar's colours for services: a fixed palette that keeps dark text readable on every block."""

    AUTOMATIC = "", _("Automatic")
    TEAL = "teal", _("Teal")
    BLUE = "blue", _("Blue")
    VIOLET = "violet", _("Violet")
    ROSE = "rose", _("Rose")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    GREEN = "green", _("Green")
    GREY = "grey", _("Grey")


class Currency(models.TextChoices):
    EUR = "EUR", "EUR"
    PLN = "PLN", "PLN"


class StartAlignment(models.TextChoices):
    """Where a service's start times are counted from (booking.availability)."""

    FREE_TIME = "free_time", _("From each free moment: the opening, the end of a booking or a break")
    CLOCK = "clock", _("On the clock: every step from midnight (09:00, 09:15, …)")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "name", "description", "duration_minutes", "buffer_before_minutes",
                             "buffer_after_minutes", "price", "currency", "vat_rate", "online_bookable",
                             "min_notice_minutes", "max_advance_days", "cancellation_hours",
                             "granularity_minutes", "start_alignment", "staff", "required_resources", "is_active",
                             "colour", "length_adjustable", "category", "translations"])
class Service(TenantModel):
    name = models.CharField(_("name"), max_length=120, validators=[validate_clean_text])
    description = models.TextField(_("description"), blank=True, validators=[validate_clean_text])
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), validators=[MinValueValidator(5)])
    buffer_before_minutes = models.PositiveIntegerField(_("preparation before (minutes)"), default=0)
    buffer_after_minutes = models.PositiveIntegerField(_("clean-up after (minutes)"), default=0)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    vat_rate = models.DecimalField(_("VAT (%)"), max_digits=5, decimal_places=2, default=Decimal("25.50"),
                                   validators=[MinValueValidator(0), MaxValueValidator(100)])
    online_bookable = models.BooleanField(_("bookable online"), default=True)
    min_notice_minutes = models.PositiveIntegerField(_("minimum notice (minutes)"), default=120)
    max_advance_days = models.PositiveIntegerField(_("bookable ahead (days)"), default=90)
    cancellation_hours = models.PositiveIntegerField(_("free cancellation until (hours before)"), default=24)
    granularity_minutes = models.PositiveIntegerField(_("start times every (minutes)"), default=15,
                                                      validators=[MinValueValidator(5)])
    start_alignment = models.CharField(
        _("start times counted"), max_length=10, choices=StartAlignment.choices, default=StartAlignment.FREE_TIME,
        help_text=_("From each free moment, no time is lost after a booking that ends between two steps; on the "
                    "clock, start times are always round but a gap shorter than a step may stay empty."))
    staff = models.ManyToManyField(Resource, related_name="services", verbose_name=_("performed by"),
                                   limit_choices_to={"kind": ResourceKind.STAFF})
    required_resources = models.ManyToManyField(Resource, related_name="needed_by", blank=True,
                                                verbose_name=_("needs"))
    is_active = models.BooleanField(_("in use"), default=True)
    colour = models.CharField(_("colour in the calendar"), max_length=10, choices=ServiceColour.choices, blank=True,
                              default=ServiceColour.AUTOMATIC)
    length_adjustable = models.BooleanField(
        _("length can be changed in the calendar"), default=False,
        help_text=_("Staff may lengthen or shorten an appointment of this service by dragging its lower edge."))
    category = models.ForeignKey("ServiceCategory", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="services", verbose_name=_("category"))
    # The booking page's wording per language: {"name": {language: text}, "description": {language: text}}.
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name


@personal_data(subject_kind=None, subject_path=None, fields={}, not_personal=["organization", "name", "position"])
class ServiceCategory(TenantModel):
    """A heading on the booking page under which services are listed ("Haircuts", "Nails")."""

    name = models.JSONField(_("name"), default=dict)  # {language: text}
    position = models.PositiveSmallIntegerField(_("order on the page"), default=0)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return next((text for text in self.name.values() if text), "") if isinstance(self.name, dict) else ""


def _default_accent() -> str:
    return "#1f5f5b"


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "logo", "cover", "accent_colour", "accent_text_colour", "description",
                             "embed_origin", "saved_at"])
class BookingPage(TenantModel):
    """How the public booking page presents the business: its pictures, colours, words and embedding site."""

    logo = models.CharField(_("logo"), max_length=200, blank=True, editable=False)
    cover = models.CharField(_("cover image"), max_length=200, blank=True, editable=False)
    accent_colour = models.CharField(_("brand colour"), max_length=7, default=_default_accent)
    accent_text_colour = models.CharField(_("text colour on the brand colour"), max_length=7, default="#ffffff")
    description = models.JSONField(_("description"), default=dict, blank=True)  # {language: text}
    embed_origin = models.CharField(
        _("your website's address"), max_length=200, blank=True,
        help_text=_("The page may be shown inside this website only, e.g. https://www.salon.fi. Leave empty to "
                    "allow no website to show it inside its own page."))
    saved_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("booking page")
        verbose_name_plural = _("booking pages")
        constraints = [models.UniqueConstraint(fields=["organization"], name="one_booking_page")]

    def __str__(self) -> str:
        return str(self.organization)

    def clean(self) -> None:
        errors = {}
        for name in ("accent_colour", "accent_text_colour"):
            try:
                validate_hex_colour(getattr(self, name))
            except ValidationError as error:
                errors[name] = error
        if not errors:
            self.accent_colour, self.accent_text_colour = self.accent_colour.lower(), self.accent_text_colour.lower()
            try:
                check_text_contrast(self.accent_colour, self.accent_text_colour)
            except ValidationError as error:
                errors["accent_text_colour"] = error
        try:
            self.embed_origin = normalise_origin(self.embed_origin)
        except ValidationError as error:
            errors["embed_origin"] = error
        if errors:
            raise ValidationError(errors)


@personal_data(subject_kind=SubjectKind.STAFF, subject_path="resource__membership__user",
               fields={"resource": _WORK, "weekday": _WORK, "start_time": _WORK, "end_time": _WORK,
                       "valid_from": _WORK, "valid_until": _WORK},
               not_personal=["organization", "location"])
class WorkingHours(TenantModel):
    """One working interval starting on a weekday; two rows on one day leave a break between them.

    ``end_time`` at or before ``start_time`` ends the next day: 00:00 is midnight (24:00), 22:00-06:00 a
    night shift (booking.availability.WeeklyRule reads the rows).
    """

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="working_hours")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(_("weekday"), validators=[MaxValueValidator(6)])
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        indexes = [models.Index(fields=["organization", "resource", "weekday"], name="hours_resource_day")]
        # An end at or before the start is the next day (00:00 is midnight, 22:00-06:00 a night shift); only
        # an end equal to the start is ambiguous (no time or a whole day), except 00:00-00:00, the whole day.
        constraints = [models.CheckConstraint(
            condition=~models.Q(end_time=models.F("start_time")) | models.Q(end_time=datetime.time(0)),
            name="hours_not_empty")]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start_time}-{self.end_time}"


class TimeOffKind(models.TextChoices):
    TIME_OFF = "time_off", _("Time off")
    EXTRA = "extra", _("Extra working hours")


@personal_data(subject_kind=SubjectKind.STAFF, subject_path="resource__membership__user",
               fields={"resource": _WORK, "kind": _WORK, "start": _WORK, "end": _WORK},
               not_personal=["organization"])
class HoursException(TenantModel):
    """A one-off change to a resource's hours: time off (closed) or extra working hours (open)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="exceptions")
    kind = models.CharField(_("kind"), max_length=10, choices=TimeOffKind.choices)
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))

    class Meta:
        db_table = "booking_exception"
        verbose_name = _("exception to working hours")
        verbose_name_plural = _("exceptions to working hours")
        indexes = [models.Index(fields=["organization", "resource", "start"], name="exception_resource_start")]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="exception_end_after_start")]

    def __str__(self) -> str:
        return f"{self.kind} {self.start:%Y-%m-%d}"


@personal_data(subject_kind=None, subject_path=None, fields={}, not_personal=["organization", "date"])
class HolidayOpening(TenantModel):
    """A public holiday on which the organization is open after all (holidays are closed otherwise)."""

    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("opened public holiday")
        verbose_name_plural = _("opened public holidays")
        constraints = [models.UniqueConstraint(fields=["organization", "date"], name="holiday_opening_unique")]

    def __str__(self) -> str:
        return str(self.date)


class AppointmentState(models.TextChoices):
    # Booked online under a prepayment, deposit or card guarantee: the time is held (its occupancies are active,
    # so nobody else can take it) until `hold_until`, and becomes booked when the gateway confirms the payment.
    PENDING = "pending", _("Awaiting payment")
    BOOKED = "booked", _("Booked")
    CONFIRMED = "confirmed", _("Confirmed")
    ARRIVED = "arrived", pgettext_lazy("appointment state: the client is here", "Arrived")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    AppointmentState.PENDING: frozenset({AppointmentState.BOOKED, AppointmentState.CONFIRMED,
                                         AppointmentState.CANCELLED}),
    AppointmentState.BOOKED: frozenset({AppointmentState.CONFIRMED, AppointmentState.ARRIVED,
                                        AppointmentState.COMPLETED, AppointmentState.CANCELLED,
                                        AppointmentState.NO_SHOW}),
    AppointmentState.CONFIRMED: frozenset({AppointmentState.ARRIVED, AppointmentState.COMPLETED,
                                           AppointmentState.CANCELLED, AppointmentState.NO_SHOW}),
    # The client is here: the visit ends completed, or cancelled if it cannot take place after all.
    AppointmentState.ARRIVED: frozenset({AppointmentState.COMPLETED, AppointmentState.CANCELLED}),
    AppointmentState.COMPLETED: frozenset(),
    AppointmentState.CANCELLED: frozenset(),
    AppointmentState.NO_SHOW: frozenset(),
}
ACTIVE_STATES = (AppointmentState.BOOKED, AppointmentState.CONFIRMED, AppointmentState.ARRIVED,
                 AppointmentState.COMPLETED)


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PHONE = "phone", _("By phone")
    STAFF = "staff", _("By staff")
    WALK_IN = "walk_in", _("Walk-in")
    IMPORT = "import", _("Imported from another system")


@personal_data(subject_kind=SubjectKind.CLIENT, subject_path="client", audit_reads=True,
               fields={"client": _BOOKING, "service": _BOOKING, "staff": _BOOKING, "start": _BOOKING,
                       "end": _BOOKING, "channel": _BOOKING, "state": _BOOKING, "wishes": _BOOKING,
                       "created_by_user_id": _BOOKING, "created_at": _BOOKING},
               not_personal=["organization", "location", "revision", "hold_until"])
class Appointment(TenantModel):
    client = models.ForeignKey("clients.Client", null=True, on_delete=models.SET_NULL, related_name="appointments",
                               verbose_name=_("client"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments",
                                verbose_name=_("service"))
    staff = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="appointments",
                              verbose_name=_("staff member"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    channel = models.CharField(_("booked"), max_length=10, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=10, choices=AppointmentState.choices,
                             default=AppointmentState.BOOKED)
    wishes = models.TextField(_("wishes"), blank=True, validators=[validate_clean_text])
    created_by_user_id = models.BigIntegerField(_("created by (account number)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revision = models.PositiveIntegerField(default=0, editable=False)  # iCalendar SEQUENCE: bumped on each change
    hold_until = models.DateTimeField(null=True, blank=True, editable=False)  # PENDING: the time lapses then

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["organization", "staff", "start"], name="appointment_staff_start"),
            models.Index(fields=["organization", "client", "-start"], name="appointment_client"),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.start:%Y-%m-%d %H:%M}"


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "appointment", "resource", "start", "end", "active"])
class Occupancy(TenantModel):
    """The span (appointment plus buffers) during which an appointment holds a resource."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="occupancies")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="occupancies")
    start = models.DateTimeField()
    end = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("resource occupancy")
        verbose_name_plural = _("resource occupancies")
        indexes = [models.Index(fields=["organization", "resource", "start"], name="occupancy_resource_start")]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="occupancy_end_after_start")]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.start:%Y-%m-%d %H:%M}"


@personal_data(subject_kind=SubjectKind.CLIENT, subject_path="appointment__client",
               fields={"at": _BOOKING, "actor_user_id": _BOOKING, "reason": _BOOKING},
               not_personal=["organization", "appointment", "from_state", "to_state", "actor_kind"])
class AppointmentTransition(TenantModel):
    """The log of an appointment's states: who moved it from what to what, and when."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor_kind = models.CharField(max_length=10)
    actor_user_id = models.BigIntegerField(_("by (account number)"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("change of an appointment's state")
        verbose_name_plural = _("changes of appointments' states")

    def __str__(self) -> str:
        return f"{self.from_state}->{self.to_state}"


@personal_data(subject_kind=SubjectKind.STAFF, subject_path="resource__membership__user",
               fields={"resource": _WORK, "created_at": _WORK, "last_used_at": _WORK},
               not_personal=["organization", "token_hash", "revoked_at"])
class CalendarFeed(TenantModel):
    """A secret iCalendar address for one staff member's appointments; only its hash is stored."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"feed {self.pk}"
