"""The register, billing and the data-subject rights publish their events with their audit rows."""

import pytest

from clients.services import client_lift_restriction, client_restrict, client_update
from kernel.audit import Actor
from kernel.models import EventRecord
from privacy.erasure import erase_client
from privacy.requests import request_refuse, request_verify_identity
from tilli.test import make_full_client

pytestmark = pytest.mark.django_db

STAFF = Actor.system("test")


def published(name: str) -> list[dict]:
    return list(EventRecord.objects.filter(name=name).order_by("pk").values_list("payload", flat=True))


def test_each_write_of_a_client_publishes_its_event_with_ids_and_field_names_only(world):
    full = make_full_client(world.org, world.practitioner)
    client = full.client
    ids = {"organization_id": world.org.pk, "client_id": client.pk}
    assert published("clients.client_created") == [{**ids, "source": "staff"}]
    assert published("clients.consent_changed") == [{**ids, "consent": "marketing_email", "granted": True},
                                                    {**ids, "consent": "special_category", "granted": True}]
    sale = client.sales.get()
    assert published("billing.sale_completed") == [{"organization_id": world.org.pk, "sale_id": sale.pk,
                                                    "client_id": client.pk, "appointment_id": None}]
    req = client.requests.get()
    assert published("privacy.request_received") == [{"organization_id": world.org.pk, "request_id": req.pk,
                                                      "kind": "access"}]

    client_update(client=client, actor=STAFF, city="Turku")
    assert published("clients.client_changed") == [{**ids, "fields": ["city"]}]
    client_restrict(client=client, actor=STAFF, reason="Contests the address")
    client_lift_restriction(client=client, actor=STAFF)
    assert published("clients.client_restricted") == [ids]
    assert published("clients.client_restriction_lifted") == [ids]
    every = str(list(EventRecord.objects.values_list("payload", flat=True)))
    for value in (full.email, full.phone, full.national_id, full.name, "Turku", "Contests"):
        assert value not in every


def test_erasure_and_an_answered_request_publish_their_events(world):
    full = make_full_client(world.org, world.practitioner)
    req = full.client.requests.get()
    request_verify_identity(req=req, method="document", actor=STAFF)
    erase_client(client=full.client, actor=STAFF)
    assert published("clients.client_erased") == [{"organization_id": world.org.pk, "client_id": full.client.pk}]
    request_refuse(req=req, reasons="Manifestly unfounded", actor=STAFF, told_otherwise=True)
    assert published("privacy.request_answered") == [{"organization_id": world.org.pk, "request_id": req.pk,
                                                      "kind": "access", "status": "refused"}]
