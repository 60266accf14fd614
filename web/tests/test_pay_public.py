"""The booking page's payment step and the public payment pages against the local Stripe double: the policy and
amount shown before paying, acceptance required, the amount from the server only, the signed notification (400 when
it does not verify, a replay changes nothing), the return page that writes nothing on GET and confirms after the
notification, and cancelling at the gateway."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client as Browser
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from billing.gateways.doubles.stripe import StripeDouble
from billing.models import GatewayConnection, OnlinePayment, OnlinePaymentStatus, PaymentPolicy, PolicyKind
from booking.models import Appointment, AppointmentState
from booking.selectors import free_slots
from kernel.models import AuditEvent
from tilli.test import make_bookable, run_worker, with_proof

PERSON = {"first_name": "Liisa", "last_name": "Lahtinen", "email": "liisa@example.test", "phone": "040 765 4321",
          "wishes": ""}


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def stripe() -> Iterator[StripeDouble]:
    with StripeDouble() as double, override_settings(**double.settings(), PAYMENT_GATEWAY_TIMEOUT=1):
        yield double
        assert double.errors == []


@pytest.fixture
def salon(world, stripe):
    from decimal import Decimal

    _location, staff, service = make_bookable(world.org, world.practitioner, duration=60, price=Decimal("49.00"))
    GatewayConnection.objects.create(organization=world.org, gateway="stripe", connected_at=timezone.now())
    PaymentPolicy.objects.create(organization=world.org, service=service, kind=PolicyKind.PREPAYMENT,
                                 text="Paid in advance. Refunded in full until 24 hours before.")
    return staff, service


def visitor(language="en") -> Browser:
    browser = Browser()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return browser


def slot_start(service, days=3) -> str:
    today = timezone.localdate()
    start = free_slots(service, today + timedelta(days=days), today + timedelta(days=days + 10))[0].start
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def details_url(org, service, staff, start) -> str:
    return reverse("public_booking:details", args=[org.slug]) + f"?service={service.pk}&staff={staff.pk}&start={start}"


def post_details(browser, org, service, staff, start, **fields):
    data = {**PERSON, "service": service.pk, "staff": staff.pk, "start": start, **with_proof(org), **fields}
    return browser.post(reverse("public_booking:details", args=[org.slug]), data)


def booked(browser, world, salon, stripe, **fields):
    staff, service = salon
    response = post_details(browser, world.org, service, staff, slot_start(service), accept_payment="on", **fields)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<meta http-equiv="refresh" content="0;url={stripe.url}/c/pay/' in html
    assert f'id="to-payment" href="{stripe.url}/c/pay/' in html
    return OnlinePayment.objects.get(organization=world.org)


def test_the_details_step_shows_the_policy_and_the_amount_before_paying(world, salon):
    staff, service = salon
    html = visitor().get(details_url(world.org, service, staff, slot_start(service))).content.decode()
    assert "To pay now: <strong>49.00 EUR</strong>" in html
    assert "Refunded in full until 24 hours before." in html
    assert 'name="accept_payment"' in html and "Continue to payment" in html


def test_the_policy_must_be_accepted_and_nothing_is_held_without(world, salon):
    staff, service = salon
    response = post_details(visitor(), world.org, service, staff, slot_start(service))
    assert response.status_code == 200
    assert "Accept the payment policy to continue to the payment." in response.content.decode()
    assert not Appointment.objects.filter(organization=world.org).exists()


def test_accepting_holds_the_time_and_sends_the_visitor_to_the_hosted_page_with_the_server_amount(world, salon,
                                                                                                    stripe):
    payment = booked(visitor(), world, salon, stripe, amount="1.00", currency="SEK", price="0")
    appointment = payment.appointment
    assert appointment.state == AppointmentState.PENDING
    assert stripe.session_for(payment.stamp)["amount_total"] == 4900
    assert stripe.session_for(payment.stamp)["currency"] == "eur"
    assert payment.policy_text.startswith("Paid in advance")


def test_a_service_without_a_policy_books_as_before(world, salon, stripe):
    staff, service = salon
    PaymentPolicy.objects.all().delete()
    response = post_details(visitor(), world.org, service, staff, slot_start(service))
    assert response.status_code == 302 and "/booked/" in response["Location"]
    assert Appointment.objects.get(organization=world.org).state == AppointmentState.BOOKED


def test_a_gateway_that_fails_shows_a_clear_error_and_frees_the_time(world, salon, stripe):
    staff, service = salon
    start = slot_start(service)
    stripe.fail_next("400")
    response = post_details(visitor(), world.org, service, staff, start, accept_payment="on")
    assert response.status_code == 200
    assert "The payment could not be started, so the time was not booked." in response.content.decode()
    assert Appointment.objects.get(organization=world.org).state == AppointmentState.CANCELLED
    assert slot_start(service) == start


def signed_post(browser, stripe, event, **changes):
    body, headers = stripe.signed(event, **changes)
    return browser.post(reverse("pay:notify", args=["stripe"]), body, content_type="application/json",
                        headers={"Stripe-Signature": headers["Stripe-Signature"]})


def test_the_signed_notification_settles_and_a_wrong_signature_or_replay_changes_nothing(world, salon, stripe):
    payment = booked(visitor(), world, salon, stripe)
    session = stripe.session_for(payment.stamp)
    stripe.complete(session["id"])  # no webhook endpoint configured at the double: we post the event ourselves
    event = stripe.session_event(payment.stamp, "checkout.session.completed")
    gateway_browser = Browser(enforce_csrf_checks=True)

    assert signed_post(gateway_browser, stripe, event, secret="whsec_wrong").status_code == 400
    assert OnlinePayment.objects.get(pk=payment.pk).status == OnlinePaymentStatus.PENDING
    assert signed_post(gateway_browser, stripe, event).status_code == 200
    assert OnlinePayment.objects.get(pk=payment.pk).status == OnlinePaymentStatus.PAID
    audits = AuditEvent.objects.count()
    assert signed_post(gateway_browser, stripe, event).status_code == 200  # the replay
    assert AuditEvent.objects.count() == audits


def test_a_tampered_amount_in_a_notification_is_refused(world, salon, stripe):
    payment = booked(visitor(), world, salon, stripe)
    session = stripe.session_for(payment.stamp)
    stripe.complete(session["id"])
    event = json.loads(json.dumps(stripe.session_event(payment.stamp, "checkout.session.completed")))
    event["id"] = "evt_tampered"
    event["data"]["object"]["amount_total"] = 100
    response = signed_post(Browser(), stripe, event)
    assert response.status_code == 400 and response.content == b"payment_mismatch"
    assert OnlinePayment.objects.get(pk=payment.pk).status == OnlinePaymentStatus.PENDING


def test_notify_of_a_gateway_this_deployment_does_not_offer_is_404(world, stripe):
    assert Browser().post(reverse("pay:notify", args=["paytrail"]), b"{}",
                          content_type="application/json").status_code == 404
    assert Browser().get(reverse("pay:return", args=["nosuchstamp"])).status_code == 404
    assert Browser().get(reverse("pay:cancel", args=["nosuchstamp"])).status_code == 404


def test_the_return_page_writes_nothing_then_confirms_once_the_payment_is_verified(world, salon, stripe):
    browser = visitor()
    payment = booked(browser, world, salon, stripe)
    session = stripe.session_for(payment.stamp)
    stripe.complete(session["id"])
    return_url = reverse("pay:return", args=[payment.stamp]) + f"?session_id={session['id']}"
    audits = AuditEvent.objects.count()

    page = browser.get(return_url)
    assert page.status_code == 200 and AuditEvent.objects.count() == audits
    html = page.content.decode()
    assert "Waiting for the payment confirmation" in html and f'name="q:session_id" value="{session["id"]}"' in html

    status_url = reverse("pay:status", args=[payment.stamp])
    polled = browser.post(status_url, {"q:session_id": session["id"]}, headers={"HX-Request": "true"})
    assert polled.status_code == 200 and "Waiting" in polled.content.decode()  # paid; the booking is confirmed next
    assert OnlinePayment.objects.get(pk=payment.pk).status == OnlinePaymentStatus.PAID
    run_worker()
    done = browser.post(status_url, {}, headers={"HX-Request": "true"})
    assert done.status_code == 204 and "/booked/" in done["HX-Redirect"]
    assert browser.get(return_url).status_code == 302
    assert "Your booking is confirmed" in browser.get(done["HX-Redirect"]).content.decode()


def test_an_unsigned_return_is_not_trusted(world, salon, stripe):
    browser = visitor()
    payment = booked(browser, world, salon, stripe)
    polled = browser.post(reverse("pay:status", args=[payment.stamp]), {"q:session_id": "cs_test_forged"},
                          headers={"HX-Request": "true"})
    assert polled.status_code == 200
    assert OnlinePayment.objects.get(pk=payment.pk).status == OnlinePaymentStatus.PENDING


def test_cancelling_at_the_gateway_shows_the_hold_and_frees_the_time_on_request(world, salon, stripe):
    browser = visitor()
    payment = booked(browser, world, salon, stripe)
    cancel_url = reverse("pay:cancel", args=[payment.stamp])
    page = browser.get(cancel_url)
    assert page.status_code == 200 and "The time is held for you until" in page.content.decode()
    assert Appointment.objects.get(pk=payment.appointment_id).state == AppointmentState.PENDING
    response = browser.post(cancel_url)
    assert response.status_code == 302
    assert Appointment.objects.get(pk=payment.appointment_id).state == AppointmentState.CANCELLED
    assert OnlinePayment.objects.get(pk=payment.pk).status == OnlinePaymentStatus.FAILED
    run_worker()
    assert OnlinePayment.objects.get(pk=payment.pk).status == OnlinePaymentStatus.FAILED


def test_the_manage_page_shows_what_was_paid_and_then_refunded(world, salon, stripe):
    from booking.notifications import manage_token

    browser = visitor()
    payment = booked(browser, world, salon, stripe)
    session = stripe.session_for(payment.stamp)
    stripe.complete(session["id"])
    browser.post(reverse("pay:status", args=[payment.stamp]), {"q:session_id": session["id"]})
    run_worker()
    appointment = Appointment.objects.get(pk=payment.appointment_id)
    token = manage_token(appointment)
    manage = reverse("public_booking:manage", args=[world.org.slug, token])
    assert "Paid online: 49.00 EUR" in browser.get(manage).content.decode()
    cancel = reverse("public_booking:cancel", args=[world.org.slug, token])
    assert "refunded in full" in browser.get(cancel).content.decode()
    response = browser.post(cancel, {"confirm": "yes"})
    assert response.status_code == 302
    run_worker()
    html = browser.get(manage).content.decode()
    assert "Paid online: 49.00 EUR" in html and "refunded 49.00 EUR" in html
    assert [r["amount"] for r in stripe.refunds_for(OnlinePayment.objects.get().provider_ref)] == [4900]


def test_the_portal_shows_what_was_paid_for_a_coming_appointment(world, salon, stripe):
    from web.tests.test_portal_appointments import portal_browser

    payment = booked(visitor(), world, salon, stripe)
    session = stripe.session_for(payment.stamp)
    stripe.complete(session["id"])
    visitor().post(reverse("pay:status", args=[payment.stamp]), {"q:session_id": session["id"]})
    run_worker()
    payment.refresh_from_db()
    html = portal_browser(payment.client).get(reverse("portal:home", args=[world.org.slug])).content.decode()
    assert "Paid online: 49.00 EUR" in html
