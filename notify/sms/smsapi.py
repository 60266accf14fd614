"""SMSAPI (Poland; also smsapi.com, .se, .bg): POST https://api.smsapi.pl/sms.do.

Followed: the SMSAPI documentation, https://www.smsapi.pl/docs ("2. Pojedynczy SMS",
"19. Kody błędów"), and SMSAPI's own client, https://github.com/smsapi/smsapi-python-client
(smsapi/sms/api.py, smsapi/endpoint.py and its send fixtures) for the exact request and answers.

Request: `Authorization: Bearer <OAuth token>`, form-encoded UTF-8 body with
`to` (the number without "+", e.g. 48500600700), `message`, `from` (a sender name registered in
the account; left out to use the account's default), `encoding=utf-8` (the body's charset;
SMSAPI's default is windows-1250), `format=json`, and `idx=<reference>` with `check_idx=1`:
SMSAPI then refuses a second message with the same idx (error 53), so a retry after a lost answer
cannot send the text twice.

Answer: `{"count": 1, "list": [{"id": "…", "points": 0.16, "number": "…", "status": "QUEUE",
"parts": 1, …}]}` on success; `{"error": 13, "message": "…", "invalid_numbers": […]}` on failure,
often with HTTP 200. Error 53 means the message with this idx was already accepted: we report
success (without an id), because sending it was the point. Only the numeric code goes into our
error; SMSAPI's message and `invalid_numbers` can contain the number and are dropped.
"""

from __future__ import annotations

import urllib.parse

from notify.sms.base import SmsResult, SmsTransport, TransportError
from notify.sms.httpclient import request, status_error

DEFAULT_URL = "https://api.smsapi.pl/sms.do"

# 8 "error in request (report it)", 52 "too many attempts to one number within 60 s",
# 200 "sending failed, please retry", 201/666/999 internal errors, 202/203 too many requests,
# 998 service being migrated: a later attempt can succeed.
RETRYABLE_ERRORS = frozenset({8, 52, 200, 201, 202, 203, 666, 998, 999})
DUPLICATE_IDX = 53
MAX_IDX = 255


class SmsapiTransport(SmsTransport):
    name = "smsapi"
    refuses_duplicates = True  # idx + check_idx=1: a resent reference is refused, never delivered twice

    def __init__(self, *, token: str, url: str = DEFAULT_URL, timeout: float = 10.0) -> None:
        self.token = token
        self.url = url
        self.timeout = timeout

    def send(self, *, to: str, text: str, sender: str, reference: str) -> SmsResult:
        if not (to.startswith("+") and to[1:].isdigit()):
            raise TransportError("smsapi:number-not-e164", retryable=False)
        if len(reference) > MAX_IDX:
            raise TransportError("smsapi:reference-too-long", retryable=False)
        fields = {"to": to[1:], "message": text, "encoding": "utf-8", "format": "json"}
        if sender:
            fields["from"] = sender
        if reference:
            fields["idx"] = reference
            fields["check_idx"] = "1"
        answer = request(
            prefix=self.name, url=self.url, body=urllib.parse.urlencode(fields).encode("ascii"),
            headers={"Authorization": f"Bearer {self.token}",
                     "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                     "Accept": "application/json"},
            timeout=self.timeout,
        )
        data = answer.json()
        if isinstance(data, dict) and data.get("error") not in (None, 0, "0"):
            try:
                code = int(data["error"])
            except (TypeError, ValueError):
                raise TransportError("smsapi:error-unreadable", retryable=answer.status >= 500) from None
            if code == DUPLICATE_IDX:
                return SmsResult(provider_id="", response="duplicate idx: accepted earlier (error 53)")
            raise TransportError(f"smsapi:error-{code}",
                                 retryable=code in RETRYABLE_ERRORS or answer.status >= 500)
        if not 200 <= answer.status < 300:
            raise status_error(self.name, answer.status)
        try:
            item = data["list"][0]
            provider_id = str(item["id"])
        except (TypeError, KeyError, IndexError):
            # A 2xx without the documented list: we cannot tell whether it was accepted.
            raise TransportError("smsapi:answer-unreadable", retryable=True) from None
        summary = " ".join(f"{key}={item[key]}" for key in ("status", "parts", "points") if key in item)
        return SmsResult(provider_id=provider_id[:200], response=summary[:200])
