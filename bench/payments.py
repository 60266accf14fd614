"""Online payments: what a gateway's paid notification costs, against the checkout it turns into.

A paid notification is verified (Paytrail's HMAC over the signed callback parameters, in process), matched to its
payment, refused if replayed, and turned into an online receipt with its audit row and events
(billing.online_payments.payment_settle). The baseline is the receipt alone: billing.sales.sale_complete of the
same service paid online, the part of the work a counter sale also does. The difference is the price of the
notification's guarantees (verification, replay refusal, amount check, the payment's own audit row and event).
The holds and payments are set up through the Paytrail double on loopback, outside the timing.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from decimal import Decimal

from django.db import connection
from django.test import override_settings
from django.utils import timezone
from tqdm import tqdm

from billing.gateways import gateway
from billing.gateways.base import PaymentRequest
from billing.gateways.doubles.paytrail import PaytrailDouble
from billing.models import GatewayConnection, LineKind, OnlinePaymentStatus, PaymentPolicy, PolicyKind
from billing.online_payments import minor, payment_create, payment_settle
from billing.sales import LineInput, TenderInput, sale_complete
from booking.errors import SlotTaken
from booking.models import Channel
from booking.services import appointment_book
from kernel.audit import Actor
from tilli.test import UserFactory, add_member, make_bookable, make_client

ACTOR = Actor.system("bench")


def _held(org, service, staff, client, location, rounds: int, double: PaytrailDouble, gw) -> list:
    """`rounds` held appointments with a started payment each, and the signed callback that says it is paid."""
    policy = PaymentPolicy.objects.create(organization=org, service=service, kind=PolicyKind.PREPAYMENT,
                                          text="Paid when booking.")
    first = (timezone.localtime() + dt.timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    held, candidate = [], 0
    progress = tqdm(total=rounds, desc="holds", unit="hold", leave=False, file=sys.stderr)
    while len(held) < rounds:
        start = first + dt.timedelta(days=candidate // 8, hours=candidate % 8)
        candidate += 1
        try:
            appointment = appointment_book(service=service, start=start, client=client, channel=Channel.ONLINE,
                                           actor=ACTOR, staff=staff,
                                           hold_until=timezone.now() + dt.timedelta(hours=1))
        except SlotTaken:
            continue  # a public holiday: the business is closed
        progress.update()
        payment = payment_create(organization=org, appointment=appointment, policy=policy, gateway="paytrail",
                                 actor=ACTOR)
        checkout = gw.start(PaymentRequest(
            reference=payment.stamp, amount_minor=minor(payment.amount), currency=payment.currency,
            description=service.name, email="bench@example.test", language="fi", country="FI",
            return_url="http://127.0.0.1/r", cancel_url="http://127.0.0.1/c", notify_url="http://127.0.0.1/n"))
        payment.provider_ref = checkout.provider_ref
        payment.save(update_fields=["provider_ref"])
        held.append((payment, double.callback_params(payment.stamp, status="ok")))
    progress.close()
    return held


def payment_benches(make_org, rounds: int = 200) -> None:
    org = make_org("Payments Bench")
    member = add_member(org, "practitioner", UserFactory())
    location, staff, service = make_bookable(org, member, duration=45, hours=((9, 17),), price=Decimal("59.00"))
    client = make_client(org)
    GatewayConnection.objects.create(organization=org, gateway="paytrail", connected_at=timezone.now())
    with PaytrailDouble() as double, override_settings(**double.settings()):
        gw = gateway("paytrail")
        held = _held(org, service, staff, client, location, rounds, double, gw)
        settled = []
        for _payment, params in tqdm(held, desc="notifications", unit="payment", leave=False, file=sys.stderr):
            start = time.perf_counter()
            payment_settle(notification=gw.settle(method="GET", query=params, headers={}, body=b""),
                           gateway="paytrail")
            settled.append(time.perf_counter() - start)
        replayed = []
        for _payment, params in held[: max(rounds // 4, 10)]:
            start = time.perf_counter()
            payment_settle(notification=gw.settle(method="GET", query=params, headers={}, body=b""),
                           gateway="paytrail")
            replayed.append(time.perf_counter() - start)
    paid = [p for p, _ in held]
    for payment in paid:
        payment.refresh_from_db()
    assert all(p.status == OnlinePaymentStatus.PAID and p.sale_id for p in paid)
    receipts = []
    for _ in range(rounds):
        start = time.perf_counter()
        sale_complete(organization=org, location=location, actor=ACTOR, client=client,
                      lines=[LineInput(kind=LineKind.SERVICE, service=service)],
                      tenders=[TenderInput(method="online", amount=service.price, reference="bench")])
        receipts.append(time.perf_counter() - start)
    base = statistics.median(receipts)
    print(f"\nOnline payments on {connection.vendor}: {rounds} paid notifications through the Paytrail gateway's "
          "verification (medians)")
    print(f"{'what':<52}{'median':>12}{'baseline':>12}{'ratio':>8}")
    for label, samples in (("paid notification: verify, settle, receipt", settled),
                           ("the same notification replayed (refused)", replayed)):
        median = statistics.median(samples)
        print(f"{label:<52}{median * 1e3:>10.1f}ms{base * 1e3:>10.1f}ms{median / base:>8.2f}")
