"""Saved column mappings: by name, per organization and kind, matched by column names in any order."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from clients.import_mappings import apply_mapping, import_mapping_save, matching_mapping
from clients.models import Client, ImportKind, ImportMapping
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from tilli.test import make_client

ACTOR = Actor(kind="user", user_id=7, label="Olivia Owner", role="owner", ip="192.0.2.10")


def save(org, name="Timma", headers=("Nimi", "Suku", "GSM"), targets=("first_name", "last_name", "phone")):
    return import_mapping_save(organization=org, actor=ACTOR, kind=ImportKind.CLIENTS, name=name,
                               headers=list(headers), targets=list(targets))


def test_a_mapping_is_found_by_its_column_names_in_any_order_and_only_in_its_organization(world):
    mapping = save(world.org)
    found = matching_mapping(world.org, ImportKind.CLIENTS, ["GSM", "Nimi", "Suku"])
    assert found == mapping and apply_mapping(found, ["GSM", "Nimi", "Suku"]) == ["phone", "first_name", "last_name"]
    assert matching_mapping(world.org, ImportKind.CLIENTS, ["GSM", "Nimi"]) is None
    assert matching_mapping(world.org, ImportKind.APPOINTMENTS, ["GSM", "Nimi", "Suku"]) is None
    assert matching_mapping(world.other_org, ImportKind.CLIENTS, ["GSM", "Nimi", "Suku"]) is None


def test_saving_under_the_same_name_replaces_and_each_save_is_audited(world):
    save(world.org)
    save(world.org, targets=("first_name", "last_name", ""))
    mapping = ImportMapping.objects.for_organization(world.org).get()
    assert mapping.columns == {"Nimi": "first_name", "Suku": "last_name", "GSM": ""}
    actions = list(AuditEvent.objects.for_organization(world.org).filter(object_type="clients.importmapping")
                   .order_by("seq").values_list("action", flat=True))
    assert actions == [AuditAction.CREATE, AuditAction.UPDATE]


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, "Timma\u202e"])
def test_a_mapping_needs_a_clean_short_name(world, name):
    with pytest.raises(ValidationError):
        save(world.org, name=name)
    assert not ImportMapping.objects.for_organization(world.org).exists()


def test_the_command_uses_a_saved_mapping_and_fills_duplicates_when_asked(world, tmp_path: Path):
    anna = make_client(world.org, first_name="Anna", last_name="Aalto", phone="0401234567")
    save(world.org, name="Vanha", headers=("Nimi", "Suku", "GSM", "Kaupunki"),
         targets=("first_name", "last_name", "phone", "city"))
    path = tmp_path / "vanha.csv"
    path.write_bytes("Nimi;Suku;GSM;Kaupunki\nAnna;Aalto;040 123 4567;Espoo\nBo;Berg;0401234568;Vantaa\n"
                     .encode("cp1252"))
    out = io.StringIO()
    call_command("import_clients", "--organization", world.org.slug, str(path), "--commit", "--duplicates",
                 "update", "--language", "en", stdout=out, stderr=io.StringIO())
    anna.refresh_from_db()
    assert anna.city == "Espoo" and Client.objects.for_organization(world.org).count() == 2
    assert "Clients created: 1" in out.getvalue() and "Clients updated: 1" in out.getvalue()
    with pytest.raises(CommandError, match="No saved client mapping"):
        call_command("import_clients", "--organization", world.org.slug, str(path), "--mapping", "Muu",
                     stdout=io.StringIO(), stderr=io.StringIO())
