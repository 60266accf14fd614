"""The file transport for development, and the factory that picks a transport from settings."""

import json
import uuid

from django.test import override_settings

from notify.sms import get_transport
from notify.sms.console import FileTransport
from notify.sms.gatewayapi import GatewayApiTransport
from notify.sms.http_generic import HttpGatewayTransport
from notify.sms.smsapi import SmsapiTransport


def test_file_transport_writes_one_json_line_per_message(tmp_path):
    path = tmp_path / "var" / "sms-outbox.jsonl"
    transport = FileTransport(path)

    first = transport.send(to="+358401234567", text="Hei €", sender="Tilli", reference="msg-1")
    second = transport.send(to="+48500600700", text="Dzień dobry", sender="Tilli", reference="msg-2")

    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [first.provider_id, second.provider_id]
    assert uuid.UUID(first.provider_id) and first.provider_id != second.provider_id
    assert {k: lines[0][k] for k in ("to", "text", "sender", "reference", "encoding", "length", "segments")} == {
        "to": "+358401234567", "text": "Hei €", "sender": "Tilli", "reference": "msg-1", "encoding": "GSM-7",
        "length": 6, "segments": 1}
    assert lines[1]["encoding"] == "UCS-2"
    assert first.response == "written parts=1"


@override_settings(SMS_GATEWAY="disabled")
def test_disabled_means_no_transport():
    assert get_transport() is None


@override_settings(SMS_GATEWAY="file", SMS_FILE_PATH="/tmp/tilli-sms-test.jsonl")
def test_file_gateway():
    transport = get_transport()
    assert isinstance(transport, FileTransport) and str(transport.path) == "/tmp/tilli-sms-test.jsonl"


@override_settings(SMS_GATEWAY="http", SMS_GATEWAY_URL="https://sms.example.com/send", SMS_GATEWAY_TOKEN="t",
                   SMS_GATEWAY_BODY_FORMAT="form", SMS_GATEWAY_BODY="to={to}&msg={text}", SMS_GATEWAY_ID_POINTER="/id",
                   SMS_TIMEOUT=7)
def test_http_gateway():
    transport = get_transport()
    assert isinstance(transport, HttpGatewayTransport)
    assert (transport.url, transport.token, transport.body_format, transport.id_pointer, transport.timeout) == (
        "https://sms.example.com/send", "t", "form", "/id", 7)


@override_settings(SMS_GATEWAY="smsapi", SMSAPI_TOKEN="tok", SMSAPI_URL="https://api.smsapi.com/sms.do")
def test_smsapi_gateway():
    transport = get_transport()
    assert isinstance(transport, SmsapiTransport)
    assert (transport.token, transport.url) == ("tok", "https://api.smsapi.com/sms.do")


@override_settings(SMS_GATEWAY="gatewayapi", GATEWAYAPI_TOKEN="tok", GATEWAYAPI_URL="https://gatewayapi.com/rest/mtsms")
def test_gatewayapi_gateway():
    transport = get_transport()
    assert isinstance(transport, GatewayApiTransport)
    assert (transport.token, transport.url) == ("tok", "https://gatewayapi.com/rest/mtsms")
