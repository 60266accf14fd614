"""A series card used when booking online: the booking holds one visit of the card until it is cancelled.

The visit is taken when the appointment is booked (`voucher_take_visit`, a use row of -1 visit that names
the appointment and no payment) and given back when the appointment is cancelled (`voucher_release_visit`,
a use row of +1 visit; run by notify.series_reactions on booking's cancellation event, since billing and
booking do not import each other). A completed or missed visit keeps it. At the checkout of that
appointment the held visit pays the service: billing.sales turns the hold into the series-card payment
(`consume_hold`) instead of taking a second visit off the card.

A hold is a use with an appointment and no payment: the appointment's open hold on a card is the sum of
such uses (-1 taken, +1 given back), so releasing twice gives back once. Codes are secrets: they are
never put in an audit row, an event, a log or an exception other than the person's own form.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.events import SeriesVisitReleased, SeriesVisitTaken
from billing.models import Voucher, VoucherKind, VoucherUse
from billing.vouchers import normalise_code
from kernel.audit import Actor, record
from kernel.events import publish
from kernel.models import AuditAction
from tenancy.models import Organization
from tilli.errors import Conflict, ErrorCode, Invalid


class SeriesError(ErrorCode):
    UNKNOWN = "series_card_unknown", Invalid  # no series card with this code (or another kind of card)
    VOID = "series_card_void", Invalid
    EXPIRED = "series_card_expired", Invalid
    SERVICE = "series_card_service", Invalid  # the card is for another service
    USED_UP = "series_card_used_up", Conflict  # no visits left (perhaps taken a moment ago)


def _check(card: Voucher | None, service_id: int) -> Voucher:
    if card is None or card.kind != VoucherKind.SERIES_CARD:
        raise Invalid(SeriesError.UNKNOWN, _("No series card has this code. Check the code on your card."))
    if card.voided_at is not None:
        raise Invalid(SeriesError.VOID, _("This series card has been cancelled."))
    if card.expires_on < timezone.localdate():
        raise Invalid(SeriesError.EXPIRED, _("This series card expired on %(day)s.") % {
            "day": card.expires_on.isoformat()})
    if card.service_id != service_id:
        raise Invalid(SeriesError.SERVICE, _("This series card is for another service: choose %(service)s to use "
                                             "it.") % {"service": card.service.name if card.service else ""})
    if card.visits_left < 1:
        raise Conflict(SeriesError.USED_UP, _("This series card has no visits left."))
    return card


def usable_series_card(*, organization: Organization, code: str, service_id: int) -> Voucher:
    """The organization's series card with `code`, usable today for `service_id`, or the refusal (no lock:
    `voucher_take_visit` checks again under the card's row lock)."""
    card = (Voucher.objects.select_related("service")
            .filter(organization=organization, code=normalise_code(code)).first())
    return _check(card, service_id)


def series_cards_for(*, organization: Organization, service_id: int) -> bool:
    """Whether any series card of this service could still be used (the booking page asks for a code then)."""
    return Voucher.objects.filter(organization=organization, kind=VoucherKind.SERIES_CARD, service_id=service_id,
                                  voided_at=None, visits_left__gt=0,
                                  expires_on__gte=timezone.localdate()).exists()


def _holds(organization_id: int, appointment_id: int):
    """{card id: open held visits} of the appointment (a hold is a use without a payment)."""
    rows = (VoucherUse.objects.filter(organization_id=organization_id, appointment_id=appointment_id,
                                      tender__isnull=True)
            .values("voucher_id").annotate(net=Sum("visits")))
    return {row["voucher_id"]: -row["net"] for row in rows if row["net"] < 0}


def held_card(*, organization_id: int, appointment_id: int) -> Voucher | None:
    """The series card whose visit the appointment holds (booked online with it), if any."""
    holds = _holds(organization_id, appointment_id)
    if not holds:
        return None
    return Voucher.objects.filter(organization_id=organization_id, pk=next(iter(holds))).first()


def visits_given_back(*, organization_id: int, appointment_id: int) -> list[tuple[Voucher, int]]:
    """For a cancelled appointment: each card whose held visits go back (or went back) onto it, with the visits it
    has left once they are back. The same answer before and after `voucher_release_visit` ran (the cancellation's
    reactions run in any order): an open hold still counts as given back, a hold already given back is on the
    card. A hold that paid at the checkout (a use with a payment) is not among them."""
    uses = VoucherUse.objects.filter(organization_id=organization_id, appointment_id=appointment_id,
                                     tender__isnull=True)
    open_holds = _holds(organization_id, appointment_id)
    returned = {row["voucher_id"] for row in uses.filter(visits__gt=0).values("voucher_id")}
    cards = Voucher.objects.filter(organization_id=organization_id, pk__in=set(open_holds) | returned).order_by("pk")
    return [(card, card.visits_left + open_holds.get(card.pk, 0)) for card in cards.select_related("service")]


@transaction.atomic
def voucher_take_visit(*, voucher: Voucher, appointment_id: int, service_id: int, actor: Actor) -> VoucherUse:
    """Hold one visit of `voucher` for the appointment just booked; refused when the card cannot pay for it."""
    card = (Voucher.objects.select_for_update(of=("self",)).select_related("service", "client")
            .filter(organization_id=voucher.organization_id, pk=voucher.pk).first())
    card = _check(card, service_id)
    card.visits_left -= 1
    card.save(update_fields=["visits_left"])
    use = VoucherUse.objects.create(organization_id=card.organization_id, voucher=card, visits=-1,
                                    amount=-card.visit_value, appointment_id=appointment_id, at=timezone.now())
    record(organization=card.organization, actor=actor, action=AuditAction.UPDATE, obj=card,
           subject_ref=card.client.subject_ref if card.client_id else None, changed_fields=["visits_left"],
           detail={"appointment": appointment_id, "visits": -1, "use": use.pk})
    publish(SeriesVisitTaken(organization_id=card.organization_id, voucher_id=card.pk, appointment_id=appointment_id))
    return use


def _give_back_holds(organization_id: int, appointment_id: int, service_ids=None) -> list[tuple[Voucher, VoucherUse]]:
    given = []
    for voucher_id in sorted(_holds(organization_id, appointment_id)):
        card = (Voucher.objects.select_for_update(of=("self",)).select_related("client")
                .get(organization_id=organization_id, pk=voucher_id))
        visits = _holds(organization_id, appointment_id).get(voucher_id, 0)  # again, under the card's lock
        if visits < 1 or (service_ids is not None and card.service_id not in service_ids):
            continue
        card.visits_left += visits
        card.save(update_fields=["visits_left"])
        use = VoucherUse.objects.create(organization_id=organization_id, voucher=card, visits=visits,
                                        amount=card.visit_value * visits, appointment_id=appointment_id,
                                        at=timezone.now())
        publish(SeriesVisitReleased(organization_id=organization_id, voucher_id=card.pk,
                                    appointment_id=appointment_id))
        given.append((card, use))
    return given


@transaction.atomic
def voucher_release_visit(*, organization_id: int, appointment_id: int, actor: Actor) -> list[VoucherUse]:
    """Give back the visits the appointment holds (it was cancelled); nothing when none is held any more."""
    given = _give_back_holds(organization_id, appointment_id)
    for card, use in given:
        record(organization=card.organization, actor=actor, action=AuditAction.UPDATE, obj=card,
               subject_ref=card.client.subject_ref if card.client_id else None, changed_fields=["visits_left"],
               detail={"appointment": appointment_id, "visits": use.visits, "use": use.pk})
    return [use for _card, use in given]


def release_paid_otherwise(*, organization_id: int, appointment_id: int, service_ids: set[int]) -> int:
    """At checkout (inside the sale's transaction, after `consume_hold`): the sale pays the appointment's
    service with something else than the held card, so the held visit goes back onto the card (the sale's
    audit row covers it). Returns the visits given back."""
    return sum(use.visits for _card, use in _give_back_holds(organization_id, appointment_id, service_ids))


def consume_hold(*, card: Voucher, appointment_id: int, tender) -> int:
    """At checkout (inside the sale's transaction, the card locked): the visits the appointment already holds
    on `card` become the payment `tender`'s, so they are not taken again. Returns how many were held."""
    visits = _holds(card.organization_id, appointment_id).get(card.pk, 0)
    if visits:
        VoucherUse.objects.filter(organization_id=card.organization_id, voucher=card, appointment_id=appointment_id,
                                  tender__isnull=True).update(tender=tender)
    return visits
