"""Smoke test of a running production profile, from the outside, with the standard library only.

    python deploy/smoke.py --base http://127.0.0.1:8000 --maildir DIR --seed seed.json [--forwarded-https]

1. A static file: the page links it under a hashed name; it comes Brotli-compressed, cached for a year.
2. Sign-in with two-factor: the demo owner's password, then a TOTP code computed from the seeded secret.
3. A booking through the staff panel, for a new client with a fresh email address.
4. The confirmation reaches the local SMTP server (a maildir), sent by a task worker, within the timeout.

`--forwarded-https` sends `X-Forwarded-Proto: https` as the TLS proxy does (BEHIND_TLS_PROXY=1), so the
server runs with its real production settings: HTTPS redirect, secure cookies, HSTS.
Exits non-zero with the reason on the first failure; every network wait is bounded.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import email
import email.header
import hashlib
import hmac
import html
import http.client
import json
import mailbox
import re
import secrets
import struct
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import brotli  # installed with WeasyPrint (fonttools); decodes the compressed stylesheet

TIMEOUT = 30


class SmokeFailure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


class Browser:
    """Just enough of a browser: one connection, cookies by name (secure ones too, as behind TLS)."""

    def __init__(self, base: str, forwarded_https: bool):
        parts = urlsplit(base)
        self.base, self.host, self.port = base, parts.hostname, parts.port or 80
        self.cookies: dict[str, str] = {}
        self.extra = {"X-Forwarded-Proto": "https"} if forwarded_https else {}

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        body = urlencode(form) if form is not None else None
        all_headers = {"Host": f"{self.host}:{self.port}", **self.extra, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            all_headers["Referer"] = f"https://{self.host}:{self.port}{path}" if self.extra else self.base + path
            all_headers["Origin"] = (f"https://{self.host}:{self.port}" if self.extra else self.base)
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response, data

    def get(self, path: str, headers: dict | None = None):
        return self.request("GET", path, headers=headers)

    def follow(self, response, data, limit: int = 5):
        """Follow redirects (GET) to the final page."""
        while response.status in (301, 302, 303) and limit:
            location = urlsplit(urljoin(self.base, response.getheader("Location")))
            response, data = self.get(location.path + (f"?{location.query}" if location.query else ""))
            limit -= 1
        return response, data

    def post(self, path: str, form: dict):
        form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}
        return self.follow(*self.request("POST", path, form=form))


def totp(secret_b32: str, at: float | None = None) -> str:
    """RFC 6238, the authenticator app's six digits (30-second steps, SHA-1)."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def hidden_inputs(page: str) -> dict[str, str]:
    found = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="hidden"' in tag:
            name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
            if name:
                found[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return found


def static_file(browser: Browser, page: str) -> str:
    match = re.search(r'href="(/static/tilli\.([0-9a-f]{12})\.css)"', page)
    check(match is not None, "the page does not link tilli.css under a hashed name")
    path = match.group(1)
    response, data = browser.get(path, headers={"Accept-Encoding": "br, gzip"})
    check(response.status == 200, f"{path}: HTTP {response.status}")
    check(response.getheader("Content-Encoding") == "br", f"{path}: not Brotli-compressed "
                                                          f"({response.getheader('Content-Encoding')})")
    check("immutable" in (response.getheader("Cache-Control") or ""), f"{path}: not cached as immutable")
    css = brotli.decompress(data).decode()
    check("{" in css and len(css) > len(data), f"{path}: the body is not the compressed stylesheet")
    return f"{path} ({len(data)} bytes br, {len(css)} bytes plain, {response.getheader('Cache-Control')})"


def sign_in(browser: Browser, email_address: str, password: str, totp_secret: str) -> str:
    response, data = browser.get("/accounts/login/")
    check(response.status == 200, f"sign-in page: HTTP {response.status}")
    page = data.decode()
    response, data = browser.post("/accounts/login/", {"login": email_address, "password": password})
    page = data.decode()
    check("/accounts/2fa/authenticate/" in page or 'name="code"' in page,
          f"password accepted but no two-factor step (HTTP {response.status})")
    # A code is accepted once per 30-second step; wait for a fresh step if this one is nearly over.
    if 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30 + 0.5)
    response, data = browser.post("/accounts/2fa/authenticate/", {"code": totp(totp_secret)})
    page = data.decode()
    check(response.status == 200 and "/accounts/logout/" in page, "the two-factor code was not accepted")
    return page


def book(browser: Browser, slug: str, client_email: str) -> str:
    path = f"/o/{slug}/calendar/new/"
    today = dt.date.today()
    for offset in range(1, 15):
        day = (today + dt.timedelta(days=offset)).isoformat()
        response, data = browser.get(f"{path}?{urlencode({'day': day})}")
        check(response.status == 200, f"booking page: HTTP {response.status}")
        page = data.decode()
        starts = re.findall(r'name="start" value="([^"]+)"', page)
        if starts:
            break
    else:
        raise SmokeFailure("no free time in the next two weeks")
    confirm_form = page[page.index('class="card cal-confirm"'):]
    fields = hidden_inputs(confirm_form)
    fields.update({"start": html.unescape(starts[len(starts) // 2]), "client": "new", "channel": "phone",
                   "new_first_name": "Smoke", "new_last_name": "Test", "new_phone": "",
                   "new_email": client_email, "wishes": ""})
    response, data = browser.post(path, fields)
    page = data.decode()
    check(response.status == 200 and 'name="start"' not in page,
          f"the booking was not made: {re.findall(r'<li>([^<]+)</li>', page)[:3]}")
    return fields["start"]


def wait_for_mail(maildir: Path, to: str, timeout: float) -> email.message.Message:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (maildir / "new").is_dir():
            for message in mailbox.Maildir(maildir, create=False):
                if to in (message.get("To") or ""):
                    return message
        time.sleep(0.5)
    raise SmokeFailure(f"no mail to the client within {timeout:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description="Smoke-test a running production profile.")
    parser.add_argument("--base", required=True)
    parser.add_argument("--maildir", required=True, type=Path)
    parser.add_argument("--seed", required=True, type=Path, help="`manage.py seed_demo --force --json` output")
    parser.add_argument("--forwarded-https", action="store_true")
    parser.add_argument("--mail-timeout", type=float, default=60)
    args = parser.parse_args()
    organization = json.loads(args.seed.read_text())["organizations"][0]
    browser = Browser(args.base, args.forwarded_https)
    started = time.monotonic()
    try:
        page = sign_in(browser, organization["owner_email"], organization["owner_password"],
                       organization["owner_totp_secret"])
        print(f"ok  sign-in with two-factor as the owner of {organization['slug']}")
        print(f"ok  static file {static_file(browser, page)}")
        client_email = f"smoke-{secrets.token_hex(4)}@example.test"
        start = book(browser, organization["slug"], client_email)
        print(f"ok  booking at {start} for a new client")
        message = wait_for_mail(args.maildir, client_email, args.mail_timeout)
        subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
        print(f"ok  confirmation mailed by the worker: {subject!r}")
    except (SmokeFailure, OSError, http.client.HTTPException) as error:
        print(f"FAIL {error}", file=sys.stderr)
        return 1
    print(f"smoke test passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
