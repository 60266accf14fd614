"""A generic HTTP gateway: for any provider that takes one POST per message.

Configured by URL, credentials (a bearer token, or a user and password for basic auth) and a body
template. The template is JSON or a form (`to={to}&message={text}`); the placeholders {to} {text}
{sender} {reference} are replaced inside the template's string values after it is parsed, so a
text with quotes, ampersands or braces can never change the body's structure. The provider's
message id is read from the JSON answer at a JSON pointer (RFC 6901, e.g. `/messages/0/id`);
without a pointer the id is empty.

HTTP 2xx is success; no answer, a timeout, 408, 429 and 5xx are retryable; any other status is not.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from notify.sms.base import SmsResult, SmsTransport
from notify.sms.httpclient import basic_auth, request, status_error

PLACEHOLDERS = ("{to}", "{text}", "{sender}", "{reference}")
DEFAULT_JSON_BODY = '{"to": "{to}", "text": "{text}", "sender": "{sender}", "reference": "{reference}"}'


def _fill(value: str, values: dict[str, str]) -> str:
    for placeholder in PLACEHOLDERS:
        value = value.replace(placeholder, values[placeholder])
    return value


def _fill_json(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, str):
        return _fill(node, values)
    if isinstance(node, list):
        return [_fill_json(item, values) for item in node]
    if isinstance(node, dict):
        return {key: _fill_json(item, values) for key, item in node.items()}
    return node


def check_template(template: str, body_format: str) -> None:
    """Raise ValueError (non-personal, it is configuration) if the template cannot be used."""
    if body_format == "json":
        try:
            json.loads(template)
        except ValueError as error:
            raise ValueError(f"not valid JSON ({error.msg} at character {error.pos})") from None
    elif body_format == "form":
        if not urllib.parse.parse_qsl(template, keep_blank_values=True):
            raise ValueError("expected name=value pairs joined by &")
    else:
        raise ValueError("the format must be json or form")
    for required in ("{to}", "{text}"):
        if required not in template:
            raise ValueError(f"the template must contain {required}")


def resolve_pointer(document: Any, pointer: str) -> Any:
    """RFC 6901 JSON pointer lookup; None when the path does not exist."""
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        return None
    node = document
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


class HttpGatewayTransport(SmsTransport):
    name = "http"

    def __init__(self, *, url: str, token: str = "", user: str = "", password: str = "",
                 body_template: str = DEFAULT_JSON_BODY, body_format: str = "json", id_pointer: str = "",
                 timeout: float = 10.0) -> None:
        check_template(body_template, body_format)
        self.url = url
        self.token, self.user, self.password = token, user, password
        self.body_template, self.body_format = body_template, body_format
        self.id_pointer = id_pointer
        self.timeout = timeout

    def _body(self, values: dict[str, str]) -> tuple[bytes, str]:
        if self.body_format == "json":
            document = _fill_json(json.loads(self.body_template), values)
            return json.dumps(document, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8"
        pairs = [(name, _fill(value, values))
                 for name, value in urllib.parse.parse_qsl(self.body_template, keep_blank_values=True)]
        return urllib.parse.urlencode(pairs).encode("ascii"), "application/x-www-form-urlencoded; charset=utf-8"

    def send(self, *, to: str, text: str, sender: str, reference: str) -> SmsResult:
        values = {"{to}": to, "{text}": text, "{sender}": sender, "{reference}": reference}
        body, content_type = self._body(values)
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif self.user:
            headers["Authorization"] = basic_auth(self.user, self.password)
        answer = request(prefix=self.name, url=self.url, body=body, headers=headers, timeout=self.timeout)
        if not 200 <= answer.status < 300:
            raise status_error(self.name, answer.status)
        provider_id, note = "", ""
        if self.id_pointer:
            found = resolve_pointer(answer.json(), self.id_pointer)
            if isinstance(found, (str, int)) and not isinstance(found, bool):
                provider_id = str(found)[:200]
            else:
                # Accepted all the same (2xx), so this is a success: the note tells the operator
                # that SMS_GATEWAY_ID_POINTER does not match what the gateway answers.
                note = " no-id-at-pointer"
        return SmsResult(provider_id=provider_id, response=f"http-{answer.status}{note}")
