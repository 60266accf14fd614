"""GatewayAPI transport against a local server that checks requests as https://gatewayapi.com/docs/apis/rest/ does."""

import itertools
import uuid

import pytest

from notify.sms.base import TransportError
from notify.sms.gatewayapi import GatewayApiTransport
from notify.sms.testing import Answer, Recorded, fake_provider

TOKEN = "gw-token-abc"
NUMBER = "+358401234567"
TEXT = "Muistutus: aika huomenna klo 10.00, Parturi Äijä. Peru: https://tilli.example/p/x"


def error_body(code: str, message: str, *variables: str) -> dict:
    body = {"code": code, "incident_uuid": str(uuid.uuid4()), "message": message}
    if variables:
        body["variables"] = list(variables)
    return body


class GatewayApiSimulator:
    """Answers like POST /rest/mtsms: token auth, JSON body, ids + usage on success."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.accepted: list[dict] = []
        self.ids = itertools.count(421332671)

    def __call__(self, request: Recorded) -> Answer:
        if request.method != "POST" or request.path != "/rest/mtsms":
            return Answer(404, {"message": "Not found"})
        if request.headers.get("authorization") != f"Token {TOKEN}":
            return Answer(401, {"incident_uuid": str(uuid.uuid4()), "message": "Unauthorized"})
        if not request.headers.get("content-type", "").startswith("application/json"):
            return Answer(422, error_body("0x0308", "Invalid Argument"))
        payload = request.json()
        if not isinstance(payload.get("message"), str) or not payload.get("recipients"):
            return Answer(400, error_body("0x0222", "Missing required parameter %1", "message"))
        msisdn = payload["recipients"][0]["msisdn"]
        assert isinstance(msisdn, int)
        assert payload.get("encoding", "UTF8") in ("UTF8", "UCS2")
        if self.mode == "slow":
            return Answer(200, {}, delay=2.0)
        if self.mode == "500":
            return Answer(500, {"incident_uuid": str(uuid.uuid4()), "message": "Internal error"})
        if self.mode == "blacklisted":
            return Answer(400, error_body("0x0215", "MSISDN %1 blacklisted", str(msisdn)))
        if self.mode == "credit":
            return Answer(400, error_body("0x0216", "Insufficient credit"))
        self.accepted.append(payload)
        return Answer(200, {"ids": [next(self.ids)],
                            "usage": {"countries": {"FI": 1}, "currency": "EUR", "total_cost": 0.05}})


@pytest.fixture
def gatewayapi():
    simulator = GatewayApiSimulator()
    with fake_provider(simulator) as server:
        server.simulator = simulator
        server.transport = GatewayApiTransport(token=TOKEN, url=f"{server.url}/rest/mtsms", timeout=0.5)
        yield server


def assert_not_personal(error: TransportError) -> None:
    for personal in (NUMBER, NUMBER[1:], "401234567", TEXT, "Muistutus"):
        assert personal not in error.code and personal not in str(error)


def test_sends_the_documented_json_with_token_auth(gatewayapi):
    result = gatewayapi.transport.send(to=NUMBER, text=TEXT, sender="Parturi", reference="msg-42")

    assert result.provider_id == "421332671"
    assert result.response == "accepted cost=0.05 EUR"
    [request] = gatewayapi.requests
    assert (request.method, request.path) == ("POST", "/rest/mtsms")
    assert request.headers["authorization"] == "Token gw-token-abc"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.json() == {"message": TEXT, "sender": "Parturi", "recipients": [{"msisdn": 358401234567}],
                              "userref": "msg-42"}


def test_a_text_outside_gsm7_asks_for_ucs2(gatewayapi):
    gatewayapi.transport.send(to="+48500600700", text="Dziękujemy 🙂", sender="Salon", reference="msg-1")
    sent = gatewayapi.requests[0].json()
    assert sent["encoding"] == "UCS2"
    assert sent["message"] == "Dziękujemy 🙂"
    assert sent["recipients"] == [{"msisdn": 48500600700}]


def test_a_gsm7_text_leaves_the_default_encoding(gatewayapi):
    gatewayapi.transport.send(to=NUMBER, text="Hyvää päivää", sender="", reference="")
    assert gatewayapi.requests[0].json() == {"message": "Hyvää päivää", "recipients": [{"msisdn": 358401234567}]}


def test_a_blacklisted_number_is_final_and_the_error_keeps_only_the_code(gatewayapi):
    gatewayapi.simulator.mode = "blacklisted"
    with pytest.raises(TransportError) as caught:
        gatewayapi.transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-2")
    assert (caught.value.code, caught.value.retryable) == ("gatewayapi:http-400 0x0215", False)
    assert_not_personal(caught.value)


def test_insufficient_credit_is_final(gatewayapi):
    gatewayapi.simulator.mode = "credit"
    with pytest.raises(TransportError) as caught:
        gatewayapi.transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-3")
    assert (caught.value.code, caught.value.retryable) == ("gatewayapi:http-400 0x0216", False)


def test_a_wrong_token_is_final(gatewayapi):
    transport = GatewayApiTransport(token="nope", url=f"{gatewayapi.url}/rest/mtsms", timeout=0.5)
    with pytest.raises(TransportError) as caught:
        transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-4")
    assert (caught.value.code, caught.value.retryable) == ("gatewayapi:http-401", False)


def test_a_server_error_is_retryable(gatewayapi):
    gatewayapi.simulator.mode = "500"
    with pytest.raises(TransportError) as caught:
        gatewayapi.transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-5")
    assert (caught.value.code, caught.value.retryable) == ("gatewayapi:http-500", True)
    assert_not_personal(caught.value)


def test_a_slow_answer_times_out_and_is_retryable(gatewayapi):
    gatewayapi.simulator.mode = "slow"
    with pytest.raises(TransportError) as caught:
        gatewayapi.transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-6")
    assert (caught.value.code, caught.value.retryable) == ("gatewayapi:timeout", True)


def test_an_unreachable_gateway_is_retryable():
    with fake_provider(lambda request: Answer()) as server:
        url = f"{server.url}/rest/mtsms"
    transport = GatewayApiTransport(token=TOKEN, url=url, timeout=0.5)  # the server is gone now
    with pytest.raises(TransportError) as caught:
        transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-7")
    assert (caught.value.code, caught.value.retryable) == ("gatewayapi:unreachable", True)
