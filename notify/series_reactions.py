"""A series card used when booking online: where booking and billing meet (they do not import each other).

`book_online_with_card` books (booking.online) and holds one visit of the card (billing.series_booking) in
one transaction: when the card cannot pay (a booking a moment ago took its last visit), the booking is
rolled back with it, so nothing is booked, no confirmation goes out, and the visitor sees why. The card is
checked before the booking too, so a wrong code costs no slot search.

`give_back_the_visit` reacts to booking's cancellation event (in the worker, like every reaction): the
visit the appointment held goes back onto the card. Idempotent: a hold is given back once. A completed or
missed appointment keeps its visit.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from booking.events import AppointmentCancelled
from kernel.audit import Actor
from kernel.events import subscriber
from kernel.models import ActorKind


def book_online_with_card(*, organization, service, staff, start: datetime, person: dict, card_code: str,
                          wishes: str = "", marketing_email: bool = False, marketing_sms: bool = False,
                          ip: str = "", language: str = ""):
    """book_online, prepaid by one visit of the series card `card_code`; raises its refusals (ValidationError:
    SeriesError codes, SlotTaken, field errors) with nothing booked."""
    from billing.series_booking import usable_series_card, voucher_take_visit
    from booking.online import book_online

    card = usable_series_card(organization=organization, code=card_code, service_id=service.pk)
    with transaction.atomic():
        appointment = book_online(organization=organization, service=service, staff=staff, start=start,
                                  person=person, wishes=wishes, marketing_email=marketing_email,
                                  marketing_sms=marketing_sms, ip=ip, language=language)
        voucher_take_visit(voucher=card, appointment_id=appointment.pk, service_id=service.pk,
                           actor=Actor(kind=ActorKind.CLIENT, ip=ip))
    return appointment


def given_back_note(appointment, language: str) -> str:
    """The cancellation message's line about the series card the booking was paid with: the visit is back on the
    card, and how many visits the card now has ("" when the booking held no card's visit). In `language`, the
    client's; the card is named by its service, never by its code (a secret)."""
    from django.utils import translation
    from django.utils.translation import ngettext

    from billing.series_booking import visits_given_back

    given = visits_given_back(organization_id=appointment.organization_id, appointment_id=appointment.pk)
    if not given:
        return ""
    with translation.override(language):
        lines = [ngettext("The visit went back on your series card for %(service)s: %(left)s visit now left on the "
                          "card.",
                          "The visit went back on your series card for %(service)s: %(left)s visits now left on the "
                          "card.", left) % {"service": card.service.name if card.service else appointment.service.name,
                                            "left": left}
                 for card, left in given]
    return "\n\n" + "\n".join(lines)


@subscriber(AppointmentCancelled)
def give_back_the_visit(event: AppointmentCancelled) -> None:
    from billing.series_booking import voucher_release_visit

    voucher_release_visit(organization_id=event.organization_id, appointment_id=event.appointment_id,
                          actor=Actor.system("series card"))
