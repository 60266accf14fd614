"""The generic HTTP gateway: templates, credentials, provider ids, and when a retry can help."""

import base64

import pytest

from notify.sms.base import TransportError
from notify.sms.http_generic import HttpGatewayTransport, check_template, resolve_pointer
from notify.sms.testing import Answer, fake_provider

NUMBER = "+358401234567"
TEXT = 'Aika 10.00 "Salonki" & {kampaamo} – kiitos!'


def transport_for(url: str, **options) -> HttpGatewayTransport:
    return HttpGatewayTransport(url=f"{url}/send", timeout=0.5, **options)


def test_json_template_with_bearer_token_and_id_from_a_pointer():
    with fake_provider(lambda request: Answer(201, {"data": {"messages": [{"id": "abc-1"}]}})) as server:
        transport = transport_for(
            server.url, token="secret",
            body_template='{"recipient": "{to}", "body": "{text}", "meta": {"from": "{sender}", "ref": "{reference}"},'
                          ' "flash": false}',
            id_pointer="/data/messages/0/id",
        )
        result = transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-1")

    assert (result.provider_id, result.response) == ("abc-1", "http-201")
    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/send")
    assert request.headers["authorization"] == "Bearer secret"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.json() == {"recipient": NUMBER, "body": TEXT, "meta": {"from": "Tilli", "ref": "msg-1"},
                              "flash": False}


def test_form_template_with_basic_auth():
    with fake_provider(lambda request: Answer(200, "OK")) as server:
        transport = transport_for(server.url, user="salon", password="pw:1", body_format="form",
                                  body_template="dest={to}&msg={text}&orig={sender}&id={reference}&type=text")
        result = transport.send(to=NUMBER, text=TEXT, sender="Tilli", reference="msg-2")

    assert result.provider_id == ""
    [request] = server.requests
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"salon:pw:1").decode()
    assert request.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8"
    assert request.form() == {"dest": NUMBER, "msg": TEXT, "orig": "Tilli", "id": "msg-2", "type": "text"}


def test_an_accepted_message_without_the_expected_id_is_still_a_success():
    with fake_provider(lambda request: Answer(200, {"status": "ok"})) as server:
        result = transport_for(server.url, token="t", id_pointer="/id").send(
            to=NUMBER, text="Hei", sender="Tilli", reference="r")
    assert (result.provider_id, result.response) == ("", "http-200 no-id-at-pointer")


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (502, True), (503, True), (429, True), (408, True),
                                                   (400, False), (401, False), (403, False), (404, False),
                                                   (422, False)])
def test_status_decides_whether_a_retry_can_help(status, retryable):
    answer = Answer(status, {"error": f"bad number {NUMBER}: {TEXT}"})
    with fake_provider(lambda request: answer) as server, pytest.raises(TransportError) as caught:
        transport_for(server.url, token="t").send(to=NUMBER, text=TEXT, sender="Tilli", reference="r")
    assert (caught.value.code, caught.value.retryable) == (f"http:http-{status}", retryable)
    assert NUMBER not in str(caught.value) and "Aika" not in str(caught.value)


def test_a_redirect_is_not_followed():
    with fake_provider(lambda request: Answer(302, "", headers={"Location": "/elsewhere"})) as server:
        with pytest.raises(TransportError) as caught:
            transport_for(server.url, token="t").send(to=NUMBER, text="Hei", sender="Tilli", reference="r")
        assert [request.path for request in server.requests] == ["/send"]
    assert (caught.value.code, caught.value.retryable) == ("http:http-302", False)


def test_a_slow_gateway_times_out_and_is_retryable():
    with fake_provider(lambda request: Answer(200, {}, delay=2.0)) as server, pytest.raises(TransportError) as caught:
        transport_for(server.url, token="t").send(to=NUMBER, text="Hei", sender="Tilli", reference="r")
    assert (caught.value.code, caught.value.retryable) == ("http:timeout", True)


def test_templates_are_checked_when_the_transport_is_built():
    with pytest.raises(ValueError, match="not valid JSON"):
        check_template('{"to": "{to}", "text": {text}}', "json")
    with pytest.raises(ValueError, match=r"\{text\}"):
        check_template("to={to}", "form")
    with pytest.raises(ValueError):
        HttpGatewayTransport(url="https://sms.example.com", body_template="{}", body_format="json")


def test_json_pointer():
    document = {"a": [{"b/c": 1, "m~n": "x"}], "": 5}
    assert resolve_pointer(document, "/a/0/b~1c") == 1
    assert resolve_pointer(document, "/a/0/m~0n") == "x"
    assert resolve_pointer(document, "/") == 5
    assert resolve_pointer(document, "/a/1") is None
    assert resolve_pointer(document, "a") is None
