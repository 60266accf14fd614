"""GatewayAPI (OnlineCity, Denmark; used across the Nordics, Finland included): POST /rest/mtsms.

Followed: the GatewayAPI REST documentation, https://gatewayapi.com/docs/apis/rest/ (source:
https://github.com/onlinecity/gatewayapi-docs, docs/rest.rst), its token authentication page,
https://gatewayapi.com/docs/authentication, and its error code index (docs/errors.rst).

Request: `Authorization: Token <API token>`, `Content-Type: application/json`, body
`{"message": …, "sender": …, "recipients": [{"msisdn": 358401234567}], "userref": <reference>}`.
The message is always given in UTF-8; GatewayAPI sends it as GSM 03.38 unless `encoding` is
"UCS2", so we add `"encoding": "UCS2"` exactly when the text is not GSM-7 (a Polish ą or an emoji
would otherwise be transliterated or lost). The EU platform takes the same API at gatewayapi.eu.

Answer: 200 `{"ids": [421332671], "usage": {"countries": {"FI": 1}, "currency": "EUR",
"total_cost": 0.05}}`; on failure 400/401/403/422/500 with `{"code": "0x0216", "incident_uuid": …,
"message": "Insufficient credit", "variables": […]}`. The `variables` can hold the number (e.g.
"MSISDN %1 blacklisted"), so only the code and HTTP status go into our error. GatewayAPI documents
no idempotency key: a retry after a timeout can, rarely, send the text twice.
"""

from __future__ import annotations

import json
import re

from notify.sms.base import SmsResult, SmsTransport, TransportError
from notify.sms.encoding import sms_parts
from notify.sms.httpclient import request, status_error

DEFAULT_URL = "https://gatewayapi.eu/rest/mtsms"
_ERROR_CODE = re.compile(r"0x[0-9A-Fa-f]{1,8}")


class GatewayApiTransport(SmsTransport):
    name = "gatewayapi"

    def __init__(self, *, token: str, url: str = DEFAULT_URL, timeout: float = 10.0) -> None:
        self.token = token
        self.url = url
        self.timeout = timeout

    def send(self, *, to: str, text: str, sender: str, reference: str) -> SmsResult:
        if not (to.startswith("+") and to[1:].isdigit()):
            raise TransportError("gatewayapi:number-not-e164", retryable=False)
        payload: dict = {"message": text, "recipients": [{"msisdn": int(to[1:])}]}
        if sender:
            payload["sender"] = sender
        if reference:
            payload["userref"] = reference
        if sms_parts(text).unicode:
            payload["encoding"] = "UCS2"
        answer = request(
            prefix=self.name, url=self.url, body=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={"Authorization": f"Token {self.token}",
                     "Content-Type": "application/json; charset=utf-8",
                     "Accept": "application/json"},
            timeout=self.timeout,
        )
        data = answer.json()
        if answer.status != 200:
            code = data.get("code") if isinstance(data, dict) else None
            detail = code if isinstance(code, str) and _ERROR_CODE.fullmatch(code) else ""
            raise status_error(self.name, answer.status, detail)
        try:
            provider_id = str(data["ids"][0])
        except (TypeError, KeyError, IndexError):
            # A 200 means accepted (the docs say so); retrying could send the text twice.
            raise TransportError("gatewayapi:answer-unreadable", retryable=False) from None
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        summary = "accepted"
        if "total_cost" in usage:
            summary += f" cost={usage['total_cost']} {usage.get('currency', '')}".rstrip()
        return SmsResult(provider_id=provider_id[:200], response=summary[:200])
