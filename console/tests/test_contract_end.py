"""The end of a contract (GDPR Art. 28(3)(g)): the owner gets all of the organization's data once, through a
link mailed to them; after CONTRACT_RETURN_DAYS the scheduled job destroys the keys and deletes every row, and
only the operator log's record of the deletion remains."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from console.contract import delete_ended_organizations, organization_delete
from console.models import ContractEnd, OperatorAction, OperatorEvent
from kernel.audit import Actor
from tenancy.keyring import decrypt_value, forget_cached_keys
from tenancy.models import Organization, OrganizationKey, OrganizationStatus
from tilli.errors import Conflict
from tilli.lib.crypto import DecryptionError
from tilli.test import make_full_client, worker_after


def _end(operator, world, **data):
    data = {"reason": "The customer terminated the contract", "confirm": world.org.slug, **data}
    with worker_after():
        return operator.post(reverse("console:end_contract", kwargs={"organization_id": world.org.pk}), data)


def _link(smtp_server, to: str) -> str:
    mail = next(m for m in smtp_server.wait_for(1) if m["To"] == to)
    body = mail.get_payload(decode=True).decode()
    return re.search(r"https?://\S+/contract-data/\S+/", body).group(0)


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_ending_needs_the_short_name_typed_and_a_reason(world, operator):
    response = _end(operator, world, confirm="wrong")
    assert response.status_code == 422
    assert response.context["end_form"].errors["confirm"] == ["This is not the organization's short name."]
    world.org.refresh_from_db()
    assert world.org.status == OrganizationStatus.ACTIVE and not ContractEnd.objects.exists()


def test_the_owner_downloads_everything_once_through_the_mailed_link(world, operator, smtp_server):
    full = make_full_client(world.org, world.practitioner)
    assert _end(operator, world).status_code == 302
    world.org.refresh_from_db()
    assert world.org.status == OrganizationStatus.CONTRACT_ENDED
    link = _link(smtp_server, world.owner.user.email)
    path = link.split("://", 1)[1].split("/", 1)[1]
    owner = _signed_in(world.owner.user)

    assert owner.get("/" + path).status_code == 200  # a look (or a mail scanner) spends nothing
    response = owner.post("/" + path)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "tilli-organization-archive"
    clients = json.loads(archive.read("tables/clients.Client.json"))
    assert [c["national_id"] for c in clients] == [full.national_id]  # decrypted for the controller
    records = json.loads(archive.read("tables/clients.ClientRecord.json"))
    assert [r["body"] for r in records] == [full.note]
    assert {"booking.Appointment", "billing.Payment", "kernel.AuditEvent", "tenancy.Membership"} <= set(
        manifest["tables"])
    assert "tenancy.OrganizationKey" not in manifest["tables"]  # keys never leave
    assert world.other_org.name not in response.content.decode("latin-1")

    assert owner.post("/" + path).status_code == 410  # single use
    assert OperatorEvent.objects.filter(action=OperatorAction.ARCHIVE_DOWNLOADED,
                                        organization_id=world.org.pk).count() == 1


def test_nobody_but_an_owner_of_the_organization_opens_the_link(world, operator, smtp_server):
    _end(operator, world)
    path = "/" + _link(smtp_server, world.owner.user.email).split("://", 1)[1].split("/", 1)[1]
    for user in (world.practitioner.user, world.outsider.user):
        assert _signed_in(user).post(path).status_code == 410
    assert Client().post(path).status_code == 302  # sign in first
    assert _signed_in(world.owner.user).post("/contract-data/not-a-token/").status_code == 410
    ContractEnd.objects.update(return_until=timezone.now() - timedelta(seconds=1))
    assert _signed_in(world.owner.user).post(path).status_code == 410  # expired with the return period


def test_an_ended_organizations_pages_refuse(world, operator, client_for):
    _end(operator, world)
    response = client_for(world.owner).get(reverse("web:dashboard", kwargs={"org_slug": world.org.slug}))
    assert response.status_code == 409 and "ei enää käytä Tilliä" in response.content.decode()  # in Finnish
    response = Client().get(reverse("public_booking:services", kwargs={"booking_slug": world.org.slug}))
    assert response.status_code == 409


def _tenant_models():
    return [m for m in apps.get_models() if any(f.name == "organization" and f.is_relation
                                                 for f in m._meta.concrete_fields)]


def test_after_the_return_period_keys_are_destroyed_and_nothing_of_the_organization_remains(
        world, operator, smtp_server, django_capture_on_commit_callbacks):
    full = make_full_client(world.org, world.practitioner)
    org_id, other_id = world.org.pk, world.other_org.pk
    staff_ids = [world.owner.user_id, world.practitioner.user_id, world.reception.user_id, world.accountant.user_id]
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id FROM clients_client WHERE id = %s", [full.client.pk])
        stored = cursor.fetchone()[0]
    _end(operator, world)
    ended = ContractEnd.objects.get(organization_id=org_id)
    archive_file = Path(settings.EXPORT_DIR) / str(org_id) / ended.archive_name
    assert archive_file.exists()

    assert delete_ended_organizations() == {"deleted": 0}  # still within the return period
    with pytest.raises(Conflict):
        organization_delete(organization=world.org, actor=Actor.system("test"))
    ContractEnd.objects.filter(pk=ended.pk).update(return_until=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):  # the files go once the deletion has committed
        assert delete_ended_organizations() == {"deleted": 1}

    forget_cached_keys()
    assert not OrganizationKey.objects.filter(organization_id=org_id).exists()
    with pytest.raises(DecryptionError):  # the ciphertext (in any backup) cannot be read any more
        decrypt_value(org_id, "clients.Client", "national_id", stored)
    leftovers = {m._meta.label: n for m in _tenant_models()
                 if (n := m._default_manager.filter(organization_id=org_id).count())}
    assert leftovers == {}
    assert not Organization.objects.filter(pk=org_id).exists()
    assert not User.objects.filter(pk__in=staff_ids).exists()  # accounts that belonged only to it
    assert not archive_file.parent.exists()
    deletion = OperatorEvent.objects.get(action=OperatorAction.DELETE, organization_id=org_id)
    assert deletion.organization_name == "Salon Aurora" and deletion.detail["rows"]["clients.Client"] == 1
    assert Organization.objects.get(pk=other_id).status == OrganizationStatus.ACTIVE  # the other is untouched
    assert delete_ended_organizations() == {"deleted": 0}  # idempotent
