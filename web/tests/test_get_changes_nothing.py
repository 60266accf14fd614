"""A GET never changes state: every page of the panel, the portal, the public pages and the accounts, and every
GET operation of the API, is requested with real objects behind each URL (as the owner, as a signed-in portal
client, as a visitor, with a token), and every table of the database is compared before and after.

A table is compared by its row count and a digest of all its rows (every column, so a changed `updated_at`
and a changed value alike are seen). What a GET may write, and why:
- audit rows that record a read (`view`, `search`, and the `export` row of a copy downloaded): the access log
  is how a read of personal data is shown, and the chain head that orders them; every earlier audit row stays
  as it was;
- the visitor's session, and the database cache and rate counters (throttling of sign-ins and public writes);
- the "last used" stamp of an API token and of a calendar feed, which the owner reads to find forgotten ones,
  and a copy's download count, which the owner reads to see whether the client fetched it.
Anything else written by a GET fails the test with the URL and the table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from api.tests.test_api import call
from kernel.models import AuditAction, AuditEvent
from tenancy.tests.test_tenant_sweep import _api_operations, _breach, _fill_api_path, _recipient, build_objects
from web.tests.test_pages_translated import KWARGS, _browser, routes

pytestmark = [pytest.mark.pagewalk, pytest.mark.django_db]

READS = {AuditAction.VIEW, AuditAction.SEARCH, AuditAction.EXPORT}
ALLOWED_TABLES = {
    "django_session": "the visitor's own session (sign-in, language, messages)",
    "tilli_cache": "the database cache: allauth's sign-in throttle and other short-lived counters",
    "tenancy_ratecounter": "rate-limit counters of public writes",
    "privacy_auditchainhead": "the audit chain's head moves with each read audit row",
    "usersessions_usersession": "allauth's list of the member's own sessions (address, browser, last seen), "
                                "shown on the security page so a stolen session can be signed out",
}
# One page of allauth's writes on a GET: the e-mail page stores the signed-in member's own sign-in address as
# an address row when it has none yet (allauth.account.utils.sync_user_email_addresses); it names no one else.
ALLOWED_ON = {"/accounts/email/": {"account_emailaddress"}}
# Columns a GET may stamp: when the token or the feed was last used (shown to the owner).
STAMPS = {"api_apitoken": {"last_used_at"}, "booking_calendarfeed": {"last_used_at"},
          "privacy_dataexport": {"downloads"}}


def _digest(table: str, where: str = "") -> tuple[int, str]:
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {quoted} {where}")  # names from the schema, not from input
        names = [column[0] for column in cursor.description]
        kept = [i for i, name in enumerate(names) if name not in STAMPS.get(table, ())]
        rows = sorted(repr([row[i] for i in kept]) for row in cursor.fetchall())
    return len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()


class Snapshot:
    """Every table's count and digest; the audit table only up to its last row, whose later rows are checked
    one by one."""

    def __init__(self, audit_max: int | None = None) -> None:
        last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.audit_max = last if audit_max is None else audit_max
        audit = AuditEvent._meta.db_table
        self.tables = {table: _digest(table, f"WHERE id <= {self.audit_max}" if table == audit else "")
                       for table in connection.introspection.table_names() if table not in ALLOWED_TABLES}

    def changes_since(self) -> list[str]:
        now = Snapshot(self.audit_max)
        changed = [table for table, state in self.tables.items() if now.tables.get(table) != state]
        later = AuditEvent.objects.filter(pk__gt=self.audit_max)
        writes = list(later.exclude(action__in=READS).values_list("action", "object_type"))
        writes += [(AuditAction.EXPORT, object_type) for object_type, detail in
                   later.filter(action=AuditAction.EXPORT).values_list("object_type", "detail")
                   if not detail.get("downloaded")]  # a download reads the copy; building one writes it
        return changed + [f"audit {action} {object_type}" for action, object_type in writes]


@pytest.fixture
def objects(world, settings, tmp_path):
    """One object behind every URL keyword, and a ready copy the portal client asked for (its sealed file on
    disk, so the download answers), whose request is still open: a GET of the portal's copy pages must leave it
    open (the export task answers it)."""
    from privacy.documents import publish_notice
    from privacy.exports import _path
    from privacy.models import DataExport, ExportStatus, RequestChannel, RequestKind
    from privacy.requests import request_create
    from tenancy.keyring import encrypt_bytes

    objs = build_objects(world)
    objs["recipient"], objs["breach"] = _recipient(world), _breach(world, objs)
    objs["notice"] = publish_notice(organization=world.org, actor=_system())
    copy = request_create(organization=world.org, kind=RequestKind.COPY, channel=RequestChannel.PORTAL,
                          actor=_client_actor(objs["client"]), client=objs["client"])
    objs["export"] = DataExport.objects.create(
        organization=world.org, client=objs["client"], request=copy, requested_by_client=True,
        status=ExportStatus.READY, progress=100, finished_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(days=7), file_name="walk.zip.sealed")
    settings.EXPORT_DIR = tmp_path
    _path(objs["export"]).parent.mkdir(parents=True)
    _path(objs["export"]).write_bytes(encrypt_bytes(world.org.pk, f"export:{objs['export'].pk}", b"PK zip"))
    objs["copy_request"] = copy
    return objs


def _system():
    from kernel.audit import Actor

    return Actor.system("test")


def _client_actor(client):
    from kernel.audit import Actor
    from kernel.models import ActorKind

    return Actor(kind=ActorKind.CLIENT, label=str(client.subject_ref))


def _token(route: str, world, objs) -> str:
    """A real token for each kind of tokened URL, so the page behind it answers (not only its error page)."""
    from booking.feeds import feed_create
    from booking.notifications import manage_token
    from clients.portal import issue_login_link
    from notify.unsubscribe import unsubscribe_token

    if route.startswith("b/") and "manage" in route:
        return manage_token(objs["appointment"])
    if route.startswith("u/"):
        return unsubscribe_token(objs["client"], "email")
    if route.startswith("feeds/"):
        return feed_create(resource=objs["appointment"].staff, actor=_system())[1]
    if route.startswith("p/") and "/link/" in route:
        return issue_login_link(organization=world.org, email=objs["client"].email)[1].rstrip("/").split("/")[-1]
    return "not-a-real-key"  # allauth's e-mailed keys: the page says the key is invalid


QUERIES = {"o/<slug:org_slug>/messages/wording/edit/": "?kind=confirmed&channel=email&language=fi"}


def _url(route: str, world, objs) -> str:
    def value(match: re.Match) -> str:
        name = match.group(2)
        if name == "org_slug":
            return world.org.slug
        if name in ("token", "key", "uidb36"):
            return _token(route, world, objs) if name == "token" else "x"
        if name not in KWARGS:
            pytest.fail(f"The GET walk does not know URL keyword {name!r} in {route}: add it to KWARGS.")
        return str(KWARGS[name](world, objs))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route) + QUERIES.get(route, "")


def _api_query(template: str, objs) -> str:
    """The query a GET operation needs to answer with data rather than 422."""
    today = timezone.localdate()
    week = f"start={today}&end={today + dt.timedelta(days=14)}"
    return {
        "/api/v1/availability": f"?service={objs['appointment'].service_id}&{week}",
        "/api/v1/public/{booking_slug}/availability": f"?service={objs['appointment'].service_id}&{week}",
        "/api/v1/calendar/day": f"?date={today}",
        "/api/v1/calendar/week": f"?date={today}&staff={objs['appointment'].staff_id}",
        "/api/v1/calendar/month": f"?date={today}",
        "/api/v1/calendar/fingerprint": f"?date={today}",
    }.get(template, "")


def test_no_page_changes_anything_when_read(world, objects, client_for):
    owners: dict[str, Client] = {}
    answered, changed = [], {}
    for route in routes():
        if "<path:" in route:
            continue
        url = _url(route, world, objects)
        browser = _browser(route, world, objects, client_for, "fi", owners)
        before = Snapshot()
        response = browser.get(url)
        answered.append((url, response.status_code))
        if found := [table for table in before.changes_since() if table not in ALLOWED_ON.get(url, ())]:
            changed[url] = found
    assert not changed, "A GET changed state:\n" + "\n".join(f"{url}: {tables}" for url, tables in changed.items())
    reached = {url.split("/")[1] for url, status in answered if status == 200}
    assert {"o", "p", "b", "u", "feeds", "accounts"} <= reached, reached
    downloads = [status for url, status in answered if url.endswith(f"/{objects['export'].pk}/download/")]
    assert downloads == [200, 200], downloads  # the panel's and the portal's download of the copy were read
    objects["copy_request"].refresh_from_db()
    assert objects["copy_request"].is_open
    assert sum(status == 200 for _url, status in answered) >= 80, answered


def test_no_api_operation_changes_anything_when_read(world, objects):
    from api.services import api_token_create

    _, token = api_token_create(membership=world.owner, name="walk", actor=_system())
    call("GET", "/me", token)  # the token's first use is stamped like any other; nothing else may change
    answered, changed = [], {}
    for method, template in _api_operations():
        if method != "GET":
            continue
        path = _fill_api_path(template, world, objects) + _api_query(template, objects)
        before = Snapshot()
        response = call("GET", path.removeprefix("/api/v1"), token)
        answered.append((path, response.status_code))
        if found := before.changes_since():
            changed[path] = found
    assert not changed, "A GET changed state:\n" + "\n".join(f"{path}: {tables}" for path, tables in changed.items())
    assert sum(status == 200 for _path, status in answered) >= 18, answered


def test_the_snapshot_sees_a_changed_value_a_new_row_and_a_write_in_the_audit_log(world, objects):
    from clients.services import client_update
    from kernel.audit import record_many

    before = Snapshot()
    record_many(organization=world.org, actor=_system(), action=AuditAction.VIEW, object_type="clients.client",
                subjects=[(objects["client"].pk, objects["client"].subject_ref)])
    assert before.changes_since() == []  # a read audit row is what a GET may write

    objects["client"].__class__.objects.filter(pk=objects["client"].pk).update(city="Porvoo")  # no updated_at
    assert before.changes_since() == ["clients_client"]

    before = Snapshot()
    client_update(client=objects["client"], actor=_system(), city="Lahti")
    assert "clients_client" in before.changes_since()
    assert "audit update clients.client" in before.changes_since()
