"""Shared pieces of the sign-up tests: valid details and reading the link out of a received email."""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from urllib.parse import urlsplit

FINNISH = {"organization_name": "Parturi Pihlaja", "country": "FI", "business_id": "1572860-0",
           "street_address": "Pihlajatie 3", "postal_code": "00270", "city": "Helsinki", "default_language": "fi",
           "time_zone": "Europe/Helsinki", "first_name": "Pirjo", "last_name": "Pihlaja",
           "email": "pirjo@pihlaja.example"}
GOOD_PASSWORD = "kolme-pientä-pihlajaa-2026"


def mail_body(message) -> str:
    part = message.get_payload(decode=True)
    return part.decode(message.get_content_charset() or "utf-8")


def mail_subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def link_path(body: str, kind: str) -> str:
    """The path of the /signup/<kind>/<token>/ link in a mail."""
    match = re.search(rf"(https?://\S+/signup/{kind}/[^/\s]+/)", body)
    assert match, body
    return urlsplit(match.group(1)).path


def token_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[1]
