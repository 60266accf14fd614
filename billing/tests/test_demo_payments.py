"""The demo's online payment: `manage.py serve_payment_doubles` serves the providers' doubles on fixed loopback
ports in test mode only, and a customer of the demo salon books with a deposit, pays on the Paytrail double
served by the command (a real subprocess) and comes back to a confirmed booking."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from billing.gateways.doubles.demo import DemoRefused, plan, serving
from billing.models import OnlinePayment, OnlinePaymentKind, OnlinePaymentStatus
from booking.models import AppointmentState, Service
from booking.selectors import free_slots
from tenancy.demo import seed
from tenancy.models import Organization
from tilli.test import run_worker, with_proof

ROOT = Path(__file__).resolve().parents[2]
PERSON = {"first_name": "Liisa", "last_name": "Lahtinen", "email": "liisa@example.test", "phone": "040 765 4321",
          "wishes": ""}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def demo_payment_env() -> dict[str, str]:
    """The payment lines of a demo env file, on free ports (tests run side by side)."""
    return {
        "PAYMENT_GATEWAYS": "paytrail,przelewy24,stripe", "PAYMENTS_LIVE": "0",
        "PAYTRAIL_ACCOUNT": "375917", "PAYTRAIL_SECRET": "SAIPPUAKAUPPIAS",
        "PAYTRAIL_API_BASE": f"http://127.0.0.1:{free_port()}",
        "P24_MERCHANT_ID": "424242", "P24_POS_ID": "424242", "P24_CRC": secrets.token_hex(8),
        "P24_API_KEY": secrets.token_hex(16), "P24_API_BASE": f"http://127.0.0.1:{free_port()}",
        "STRIPE_SECRET_KEY": f"sk_test_{secrets.token_hex(12)}",
        "STRIPE_WEBHOOK_SECRET": f"whsec_{secrets.token_hex(16)}",
        "STRIPE_API_BASE": f"http://127.0.0.1:{free_port()}",
    }


def as_settings(env: dict[str, str]) -> dict:
    """The same values as Django settings (what tilli/settings.py makes of them)."""
    values: dict = {key: value for key, value in env.items() if key not in ("PAYMENT_GATEWAYS", "PAYMENTS_LIVE")}
    values |= {"PAYMENT_GATEWAYS": env["PAYMENT_GATEWAYS"].split(","), "PAYMENTS_LIVE": env["PAYMENTS_LIVE"] == "1",
               "P24_MERCHANT_ID": int(env["P24_MERCHANT_ID"]), "P24_POS_ID": int(env["P24_POS_ID"])}
    return values


@pytest.fixture
def demo_env(settings) -> dict[str, str]:
    env = demo_payment_env()
    for name, value in as_settings(env).items():
        setattr(settings, name, value)
    return env


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_the_command_refuses_to_start_in_live_mode(demo_env, settings):
    settings.PAYMENTS_LIVE = True
    with pytest.raises(CommandError, match="test mode"):
        call_command("serve_payment_doubles")
    assert not any(listening(int(demo_env[key].rsplit(":", 1)[1]))
                   for key in ("PAYTRAIL_API_BASE", "P24_API_BASE", "STRIPE_API_BASE"))


def test_the_command_refuses_in_live_mode_as_a_process(tmp_path):
    env = demo_payment_env() | {"PAYMENTS_LIVE": "1"}
    result = subprocess.run([sys.executable, "manage.py", "serve_payment_doubles"], cwd=ROOT, timeout=60,
                            env=_process_env(env), capture_output=True, text=True)
    assert result.returncode != 0
    assert "PAYMENTS_LIVE is set" in result.stderr
    assert not listening(int(env["PAYTRAIL_API_BASE"].rsplit(":", 1)[1]))


@pytest.mark.parametrize("base", ["http://0.0.0.0:{port}", "http://192.0.2.1:{port}", "https://127.0.0.1:{port}",
                                  "http://localhost:{port}", "http://127.0.0.1", "https://services.paytrail.com"])
def test_the_doubles_serve_only_on_a_loopback_address_with_a_port(demo_env, settings, base):
    settings.PAYTRAIL_API_BASE = base.format(port=free_port())
    with pytest.raises(DemoRefused, match=re.escape("PAYTRAIL_API_BASE must be http://127.0.0.1:<port>")):
        plan()
    with pytest.raises(CommandError, match="PAYTRAIL_API_BASE"):
        call_command("serve_payment_doubles")


def test_without_gateways_there_is_nothing_to_serve(settings):
    settings.PAYMENT_GATEWAYS = []
    with pytest.raises(CommandError, match="no gateway"):
        call_command("serve_payment_doubles")


def test_each_double_listens_on_its_fixed_port_on_127_0_0_1_with_the_settings_credentials(demo_env):
    with serving(site_url="http://127.0.0.1:8000") as doubles:
        assert set(doubles) == {"paytrail", "przelewy24", "stripe"}
        assert doubles["paytrail"].url == demo_env["PAYTRAIL_API_BASE"]
        assert doubles["przelewy24"].url == demo_env["P24_API_BASE"]
        assert doubles["stripe"].url == demo_env["STRIPE_API_BASE"]
        for double in doubles.values():
            assert double._server._server.server_address[0] == "127.0.0.1"
        assert doubles["stripe"].secret_key == demo_env["STRIPE_SECRET_KEY"]
        assert doubles["stripe"].webhook_url == "http://127.0.0.1:8000/pay/notify/stripe/"
        assert doubles["przelewy24"].crc == demo_env["P24_CRC"]
        assert doubles["paytrail"].secret == "SAIPPUAKAUPPIAS"
        with pytest.raises(OSError), serving(site_url="http://127.0.0.1:8000"):
            pass  # a port already taken is an error ...
        with serving(site_url="http://127.0.0.1:8000", skip_taken=True) as again:
            assert again == {}  # ... unless the caller expects them to run already (seed_demo)
    assert not listening(int(demo_env["PAYTRAIL_API_BASE"].rsplit(":", 1)[1]))


# -- the demo, end to end: the command as a subprocess, the salon's public booking page ---------------------------

def _process_env(payment_env: dict[str, str]) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "tilli.settings_test", "TILLI_ENV_FILE": "/nonexistent", **payment_env}


def _wait_listening(process: subprocess.Popen, ports: list[int], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all(listening(port) for port in ports):
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the doubles did not start"
        time.sleep(0.1)


def _no_redirect(url: str, data: bytes | None = None) -> tuple[int, str, str]:
    """(status, Location, body) of one request, redirects not followed (a browser would follow them to us)."""
    class Stop(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(Stop)
    try:
        with opener.open(urllib.request.Request(url, data=data, method="POST" if data is not None else "GET"),
                         timeout=30) as answer:
            return answer.status, "", answer.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers.get("Location", ""), answer.read().decode()


@pytest.mark.django_db(transaction=True)
def test_a_customer_of_the_demo_salon_pays_a_deposit_on_the_served_double_and_is_booked(live_server, settings):
    cache.clear()
    env = demo_payment_env()
    for name, value in as_settings(env).items():
        setattr(settings, name, value)
    settings.SITE_URL = live_server.url
    ports = [int(env[key].rsplit(":", 1)[1]) for key in ("PAYTRAIL_API_BASE", "P24_API_BASE", "STRIPE_API_BASE")]
    process = subprocess.Popen([sys.executable, "manage.py", "serve_payment_doubles", "--site-url", live_server.url],
                               cwd=ROOT, env=_process_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        _wait_listening(process, ports)
        seed(with_tokens=False)  # connects Paytrail (kaisla) and Przelewy24, checked by its double, and Stripe
        kaisla = Organization.objects.get(slug="kaisla")
        service = Service.objects.for_organization(kaisla).get(name="Kasvohoito")
        day = timezone.localdate() + dt.timedelta(days=8)
        slot = free_slots(service, day, day + dt.timedelta(days=7))[0]
        start = slot.start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        browser = Browser()
        browser.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        details = reverse("public_booking:details", args=[kaisla.slug])
        page = browser.get(details, {"service": service.pk, "staff": slot.staff_id, "start": start}).content.decode()
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
        assert "Deposit to pay now: 20.00 EUR" in text and "A booking fee of €20 is paid when you book" in text
        assert "Varausmaksu" not in text  # the English page shows the policy in English

        answer = browser.post(details, {**PERSON, "service": service.pk, "staff": slot.staff_id, "start": start,
                                        "accept_payment": "on", **with_proof(kaisla)})
        assert answer.status_code == 200
        hosted = re.search(r'id="to-payment" href="([^"]+)"', answer.content.decode()).group(1)
        assert hosted.startswith(env["PAYTRAIL_API_BASE"] + "/pay/")  # the double the command serves
        payment = OnlinePayment.objects.get(organization=kaisla)
        assert (payment.kind, payment.amount, payment.gateway) == (OnlinePaymentKind.DEPOSIT, Decimal("20.00"),
                                                                   "paytrail")
        assert payment.test_mode and payment.appointment.state == AppointmentState.PENDING
        assert payment.policy_text.startswith("A booking fee of €20 is paid when you book")  # what was shown

        status, _location, page = _no_redirect(hosted)
        assert status == 200 and "20,00 €" in page
        pay = re.search(r'action="([^"]+/pay)"', page).group(1)
        status, location, _body = _no_redirect(env["PAYTRAIL_API_BASE"] + pay, data=b"")
        assert status == 302 and location.startswith(live_server.url + "/pay/")  # back to us, signed
        payment.refresh_from_db()
        assert payment.status == OnlinePaymentStatus.PAID  # the double's callback reached the live server
        run_worker()  # the paid event books the held time
        payment.refresh_from_db()
        assert payment.appointment.state == AppointmentState.BOOKED
        assert payment.sale is not None and payment.sale.total == Decimal("20.00")  # the receipt
        back = urllib.parse.urlsplit(location)
        confirmed = browser.get(back.path + "?" + back.query, follow=True)
        assert "Your booking is confirmed" in confirmed.content.decode()
    finally:
        process.send_signal(signal.SIGTERM)
        output, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors
    assert "paytrail test double on " + env["PAYTRAIL_API_BASE"] + " (TEST MODE)" in output
    assert not any(listening(port) for port in ports)  # stopped with the signal, ports free again
