"""SMSAPI.pl transport against a local server that checks requests as https://www.smsapi.pl/docs does."""

import itertools

import pytest

from notify.sms.base import TransportError
from notify.sms.smsapi import SmsapiTransport
from notify.sms.testing import Answer, Recorded, fake_provider

TOKEN = "oauth-token-123"
NUMBER = "+48500600700"
TEXT = "Wizyta jutro o 10:00 – zażółć gęślą jaźń. Salon Róża"


class SmsapiSimulator:
    """Answers like api.smsapi.pl/sms.do: form body, bearer token, idx checked when check_idx=1."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.accepted: list[dict[str, str]] = []
        self.ids = itertools.count(1000)

    def __call__(self, request: Recorded) -> Answer:
        if request.method != "POST" or request.path != "/sms.do":
            return Answer(404, "Not found")
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Answer(401, {"error": 101, "message": "Authorization failed"})
        assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
        fields = request.form()
        assert fields["format"] == "json" and fields["encoding"] == "utf-8"
        assert fields["to"].isdigit() and fields["message"]
        if self.mode == "slow":
            return Answer(200, {}, delay=2.0)
        if self.mode == "500":
            return Answer(500, "<html>Internal Server Error</html>")
        if self.mode == "busy":
            return Answer(200, {"error": 202, "message": "Too many concurrent requests"})
        if self.mode == "invalid-number":
            return Answer(200, {
                "invalid_numbers": [{"number": fields["to"], "submitted_number": fields["to"],
                                     "message": "Invalid phone number"}],
                "error": 13, "message": f"No correct phone numbers: {fields['to']} ({fields['message']})",
            })
        if fields.get("check_idx") == "1" and any(m.get("idx") == fields.get("idx") for m in self.accepted):
            return Answer(200, {"error": 53, "message": "Not unique idx"})
        self.accepted.append(fields)
        parts = 1 if len(fields["message"]) <= 70 else 2
        return Answer(200, {"count": 1, "list": [{
            "id": str(next(self.ids)), "points": 0.16 * parts, "number": fields["to"], "date_sent": 1760000000,
            "submitted_number": fields["to"], "status": "QUEUE", "error": None, "idx": fields.get("idx"),
            "parts": parts,
        }]})


@pytest.fixture
def smsapi():
    simulator = SmsapiSimulator()
    with fake_provider(simulator) as server:
        server.simulator = simulator
        server.transport = SmsapiTransport(token=TOKEN, url=f"{server.url}/sms.do", timeout=0.5)
        yield server


def assert_not_personal(error: TransportError) -> None:
    for personal in (NUMBER, NUMBER[1:], "500600700", TEXT, "Wizyta"):
        assert personal not in error.code and personal not in str(error)


def test_sends_the_documented_form_with_bearer_token_and_idx(smsapi):
    result = smsapi.transport.send(to=NUMBER, text=TEXT, sender="SalonRoza", reference="msg-42")

    assert result.provider_id == "1000"
    assert result.response == "status=QUEUE parts=1 points=0.16"
    [request] = smsapi.requests
    assert (request.method, request.path) == ("POST", "/sms.do")
    assert request.headers["authorization"] == "Bearer oauth-token-123"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8"
    assert request.form() == {"to": "48500600700", "message": TEXT, "from": "SalonRoza", "encoding": "utf-8",
                              "format": "json", "idx": "msg-42", "check_idx": "1"}


def test_without_a_sender_the_accounts_default_is_used(smsapi):
    smsapi.transport.send(to=NUMBER, text="Hei", sender="", reference="msg-1")
    assert "from" not in smsapi.requests[0].form()


def test_a_retried_message_is_refused_by_the_provider_not_sent_twice(smsapi):
    first = smsapi.transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-7")
    again = smsapi.transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-7")

    assert first.provider_id == "1000"
    assert again.provider_id == "" and "53" in again.response
    assert len(smsapi.simulator.accepted) == 1


def test_an_invalid_number_is_final_and_the_error_has_no_number_or_text(smsapi):
    smsapi.simulator.mode = "invalid-number"
    with pytest.raises(TransportError) as caught:
        smsapi.transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-8")
    assert caught.value.code == "smsapi:error-13"
    assert caught.value.retryable is False
    assert_not_personal(caught.value)


def test_a_wrong_token_is_final(smsapi):
    transport = SmsapiTransport(token="wrong", url=f"{smsapi.url}/sms.do", timeout=0.5)
    with pytest.raises(TransportError) as caught:
        transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-9")
    assert (caught.value.code, caught.value.retryable) == ("smsapi:error-101", False)


def test_too_many_concurrent_requests_is_retryable(smsapi):
    smsapi.simulator.mode = "busy"
    with pytest.raises(TransportError) as caught:
        smsapi.transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-10")
    assert (caught.value.code, caught.value.retryable) == ("smsapi:error-202", True)


def test_a_server_error_is_retryable(smsapi):
    smsapi.simulator.mode = "500"
    with pytest.raises(TransportError) as caught:
        smsapi.transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-11")
    assert (caught.value.code, caught.value.retryable) == ("smsapi:http-500", True)
    assert_not_personal(caught.value)


def test_a_slow_answer_times_out_and_is_retryable(smsapi):
    smsapi.simulator.mode = "slow"
    with pytest.raises(TransportError) as caught:
        smsapi.transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-12")
    assert (caught.value.code, caught.value.retryable) == ("smsapi:timeout", True)


def test_a_number_not_in_e164_is_refused_before_sending(smsapi):
    with pytest.raises(TransportError) as caught:
        smsapi.transport.send(to="500600700", text=TEXT, sender="Tilli", reference="msg-13")
    assert (caught.value.code, caught.value.retryable) == ("smsapi:number-not-e164", False)
    assert smsapi.requests == []
