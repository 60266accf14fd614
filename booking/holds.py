"""A time held for an online payment (issue 18): booked PENDING with `hold_until`, confirmed when the payment
arrives, freed by itself when it does not.

`book_online(..., hold_until=...)` holds the time: its occupancies are active, so the database's no-double-booking
guarantee covers the hold, and no confirmation goes out (AppointmentHeld, not AppointmentBooked).
`appointment_paid` turns the hold into a booking (PENDING → BOOKED) and publishes AppointmentBooked, which sends
the confirmation. `lapse_holds` (every minute) cancels the holds whose time ran out, with the reason "payment not
received"; the cancellation event lets the payment be marked lapsed (notify.prepayment). A booking lapses the
organization's expired holds first (`lapse_expired`), so a stale hold never blocks a visitor until the job runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.events import AppointmentBooked, about
from booking.models import Appointment, AppointmentState, Channel
from booking.services import _audit, _log, appointment_transition
from kernel.audit import Actor
from kernel.models import AuditAction
from tilli.errors import Conflict

LAPSED_REASON = "payment not received"
HOLD_MINUTES = 15


def hold_until(minutes: int = HOLD_MINUTES, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(minutes=minutes)


@transaction.atomic
def appointment_paid(*, appointment: Appointment, actor: Actor) -> Appointment:
    """The payment the hold waited for arrived: the appointment is booked (its confirmation goes out).
    Idempotent: an appointment booked already stays as it is. Conflict when the hold is no longer there
    (lapsed or cancelled): the caller decides what happens to the money."""
    from booking.errors import BookingError

    locked = Appointment.objects.select_for_update().get(organization_id=appointment.organization_id,
                                                         pk=appointment.pk)
    if locked.state != AppointmentState.PENDING:
        if locked.state in (AppointmentState.BOOKED, AppointmentState.CONFIRMED, AppointmentState.ARRIVED,
                            AppointmentState.COMPLETED):
            return locked
        raise Conflict(BookingError.WRONG_STATE, _("This time is no longer held for the payment."))
    locked.state, locked.hold_until = AppointmentState.BOOKED, None
    locked.revision += 1
    locked.save(update_fields=["state", "hold_until", "revision"])
    _log(locked, AppointmentState.PENDING, AppointmentState.BOOKED, actor)
    _audit(locked, actor, AuditAction.UPDATE, ["state"], {"state": AppointmentState.BOOKED})
    from kernel.events import publish

    publish(about(locked, AppointmentBooked, channel=locked.channel or Channel.ONLINE))
    return locked


def release_hold(*, appointment: Appointment, actor: Actor, reason: str = LAPSED_REASON) -> Appointment | None:
    """Free a held time at once (its payment could not start, or the payer cancelled): CANCELLED if still
    PENDING; None when it is no longer held."""
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().filter(organization_id=appointment.organization_id,
                                                                pk=appointment.pk).first()
        if locked is None or locked.state != AppointmentState.PENDING:
            return None
        return appointment_transition(appointment=locked, to_state=AppointmentState.CANCELLED, actor=actor,
                                      reason=reason)


def _lapse(rows, now: datetime) -> int:
    count = 0
    for pk, organization_id in rows:
        with transaction.atomic():
            locked = (Appointment.objects.select_for_update()
                      .filter(organization_id=organization_id, pk=pk, state=AppointmentState.PENDING,
                              hold_until__lt=now).first())
            if locked is None:
                continue  # paid (or lapsed by another) meanwhile
            appointment_transition(appointment=locked, to_state=AppointmentState.CANCELLED,
                                   actor=Actor.system("payment hold"), reason=LAPSED_REASON)
            count += 1
    return count


def lapse_expired(*, organization) -> int:
    """Lapse the organization's holds whose time ran out (before a booking looks for a free time)."""
    rows = (Appointment.objects.filter(organization=organization, state=AppointmentState.PENDING,
                                       hold_until__lt=timezone.now())
            .values_list("pk", "organization_id")[:100])
    return _lapse(list(rows), timezone.now())


def lapse_holds(now: datetime | None = None) -> int:
    """Every held time whose hold ran out becomes CANCELLED ("payment not received"); returns how many."""
    now = now or timezone.now()
    rows = (Appointment.objects.filter(state=AppointmentState.PENDING, hold_until__lt=now)
            .order_by("hold_until").values_list("pk", "organization_id")[:1000])
    return _lapse(list(rows), now)


@task
def lapse_holds_job() -> dict[str, int]:
    return {"lapsed": lapse_holds()}
