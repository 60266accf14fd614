"""Importing clients from CSV: the dry run's report, the all-or-nothing real run, the
headers of Finnish and Polish exports, duplicates, and the management command.
"""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from clients.import_files import ImportFileError, decode_upload, read_csv
from clients.importing import Choice, ImportRefused, dry_run, run_import, suggest_targets
from clients.models import Client, ClientKind, ClientSource, CustomField, FieldType
from clients.selectors import search_clients
from kernel.audit import Actor, verify
from kernel.models import AuditAction, AuditEvent
from tilli.test import HETU, PESEL, make_client

ACTOR = Actor(kind="user", user_id=7, label="Olivia Owner", role="owner", ip="192.0.2.10")
BAD_HETU = "131052-308X"  # wrong check character


def clients_of(org):
    return Client.objects.for_organization(org)


def events_of(org):
    return AuditEvent.objects.for_organization(org)


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_a_dry_run_reports_errors_by_row_and_column_and_creates_nothing(world, english):
    text = ("first_name,last_name,phone,email,birth_year\n"
            "Anna,Aalto,040 123 4567,anna@example.test,1980\n"
            "Bertta,Berg,12,bertta@example.test,1985\n"
            "\n"
            "Cecilia,Cedergren,0407654321,not-an-email,3000\n")
    before = events_of(world.org).count()
    report = dry_run(world.org, text)
    assert report.rows == 3 and report.valid_rows == 1 and report.error_rows == 2
    assert report.would_create == 0  # while any row has an error, the real run creates nothing
    found = {(e.row, e.column) for e in report.errors}
    # Spreadsheet numbering: the column names are row 1, and a blank line still counts.
    assert found == {(3, "phone"), (5, "email"), (5, "birth_year")}
    assert next(e for e in report.errors if e.row == 3).message.startswith("Enter a valid phone number")
    assert not clients_of(world.org).exists() and events_of(world.org).count() == before


def test_messages_follow_the_users_language(world):
    with translation.override("fi"):
        report = dry_run(world.org, "etunimi;sukunimi;puhelin\n" + "A" * 101 + ";Aalto;0401234567\n")
    assert report.errors[0].column == "etunimi"
    assert "100" in report.errors[0].message
    assert report.errors[0].message != "Use at most 100 characters."  # the Finnish catalog answered


def test_a_dry_run_finds_likely_duplicates_in_the_register_and_within_the_file(world, english):
    world.org.national_id_enabled = True
    world.org.save()
    anna = make_client(world.org, phone="0401234567", email="anna@example.test")
    ville = make_client(world.org, first_name="Ville", last_name="Virta", national_id=HETU)
    text = ("etunimi;sukunimi;puhelin;sähköposti;henkilötunnus\n"
            "VIRTANEN;anna;+358 40 123 4567;;\n"           # 2: Anna's name (either order) and phone
            "Anni;Aalto;;ANNA@example.test;\n"             # 3: Anna's email, in capitals
            "Ville;Virta;;;" + HETU.lower() + "\n"          # 4: Ville's national ID, via the blind index
            "Uusi;Asiakas;0509998877;uusi@example.test;\n"  # 5: new
            "uusi;asiakas;050 999 8877;;\n"                 # 6: the same name and phone as row 5
            "Pekka;Virtanen;0401234567;;\n")                # 7: only Anna's phone: a family member, new
    before = events_of(world.org).count()
    report = dry_run(world.org, text, actor=ACTOR)
    assert report.ok and report.rows == 6
    found = {(d.row, d.fields, d.client_id, d.other_row) for d in report.duplicates}
    assert found == {(2, ("name", "phone"), anna.pk, None), (3, ("email",), anna.pk, None),
                     (4, ("national_id",), ville.pk, None), (6, ("name", "phone"), None, 5)}
    assert report.duplicate_rows == 4 and report.would_create == 2  # duplicates are skipped unless chosen
    assert {d.client_name for d in report.duplicates if d.client_id} == {"Anna Virtanen", "Ville Virta"}
    assert "same national ID" in next(d for d in report.duplicates if d.row == 4).reason
    assert not clients_of(world.org).exclude(pk__in=[anna.pk, ville.pk]).exists()
    # The check compares the file with the register: it is recorded like a search, without values.
    check = events_of(world.org).order_by("-seq").first()
    assert events_of(world.org).count() == before + 1 and check.action == AuditAction.SEARCH
    assert check.detail == {"import_check_rows": 6, "results": 2}


def test_national_ids_are_validated_and_never_quoted_in_messages(world, english):
    text = f"first_name;last_name;hetu\nAnna;Aalto;{BAD_HETU}\nBo;Berg;{HETU}\n"
    report = dry_run(world.org, text)  # the organization does not store national IDs
    assert {(e.row, e.column) for e in report.errors} == {(2, "hetu"), (3, "hetu")}
    assert "does not store national identity numbers" in report.errors[1].message
    world.org.national_id_enabled = True
    world.org.save()
    report = dry_run(world.org, text)
    assert [(e.row, e.column) for e in report.errors] == [(2, "hetu")]
    assert "personal identity code" in report.errors[0].message
    assert BAD_HETU not in repr(report) and HETU not in repr(report)


def test_the_real_run_is_all_or_nothing(world, english):
    head_before = events_of(world.org).count()
    bad = ("first_name;last_name;phone\n"
           "Anna;Aalto;0401234567\n"
           "Bertta;Berg;0401234568\n"
           "Cecilia;Cedergren;12\n")
    with pytest.raises(ImportRefused) as refused:
        run_import(world.org, bad, actor=ACTOR)
    assert [(e.row, e.column) for e in refused.value.report.errors] == [(4, "phone")]
    assert not clients_of(world.org).exists() and events_of(world.org).count() == head_before

    report = run_import(world.org, bad.replace(";12\n", ";0401234569\n"), actor=ACTOR)
    assert report.committed and report.created == 3 and report.skipped == 0
    created = list(clients_of(world.org).order_by("pk"))
    assert [c.phone for c in created] == ["+358401234567", "+358401234568", "+358401234569"]
    assert all(c.source == ClientSource.IMPORT and c.created_by_user_id == 7 for c in created)
    assert [c.search_name for c in created] == ["aalto anna", "berg bertta", "cedergren cecilia"]
    # One CREATE event per client, under each client's own reference, and the chain still holds.
    creates = events_of(world.org).filter(action=AuditAction.CREATE, object_type="clients.client")
    assert sorted(e.subject_ref for e in creates) == sorted(c.subject_ref for c in created)
    assert {e.object_id for e in creates} == {str(c.pk) for c in created}
    assert all(e.detail == {"source": "import"} and e.actor_user_id == 7 for e in creates)
    assert verify(world.org).ok


def test_finnish_excel_headers_with_semicolons_and_a_bom(world):
    world.org.national_id_enabled = True
    world.org.save()
    data = ("\ufeffEtunimi;Sukunimi;Puhelin;Sähköposti;Katuosoite;Postinumero;Postitoimipaikka;Syntymävuosi;"
            "Henkilötunnus;Sukupuoli;Kieli;Syntymäaika;Alennus %;Muistiinpanot\r\n"
            f"Matti;Meikäläinen;040 111 2222;Matti@Example.test;Mannerheimintie 1;00100;Helsinki;;{HETU};mies;"
            "suomi;13.10.1952;12,5;Allergia pähkinöille\r\n").encode()
    report = run_import(world.org, decode_upload(data), actor=ACTOR)
    assert report.created == 1 and report.delimiter == ";"
    assert report.ignored_columns == ["Muistiinpanot"]  # notes never come in by file
    matti = clients_of(world.org).get()
    assert (matti.first_name, matti.last_name, matti.phone, matti.email) == (
        "Matti", "Meikäläinen", "+358401112222", "matti@example.test")
    assert (matti.street_address, matti.postal_code, matti.city) == ("Mannerheimintie 1", "00100", "Helsinki")
    assert (matti.gender, matti.preferred_language, str(matti.birth_date), matti.birth_year) == (
        "male", "fi", "1952-10-13", 1952)
    assert matti.standing_discount_percent == Decimal("12.5") and matti.custom_fields == {}
    assert matti.national_id == HETU and list(search_clients(world.org, HETU)) == [matti]


def test_polish_headers_and_pesel(world):
    org = world.other_org
    org.national_id_enabled = True
    org.save()
    text = ("Imię,Nazwisko,Telefon,E-mail,Ulica,Kod pocztowy,Miasto,PESEL,Rok urodzenia\n"
            f"Jan,Nowak,601 234 567,jan@example.test,ul. Długa 5,00-950,Warszawa,{PESEL},1944\n")
    report = run_import(org, text, actor=ACTOR)
    assert report.created == 1 and report.delimiter == ","
    jan = clients_of(org).get()
    assert (jan.phone, jan.city, jan.postal_code, jan.birth_year) == ("+48601234567", "Warszawa", "00-950", 1944)
    assert list(search_clients(org, PESEL)) == [jan]


def test_companies_custom_fields_and_their_errors(world, english):
    CustomField.objects.create(organization=world.org, key="video", label="Video link", field_type=FieldType.URL)
    text = ("company_name;business_id;email;Video link;first_name;last_name\n"
            "Firma Oy;2345678-0;info@firma.test;https://meet.example.test/firma;;\n"
            "Kaisa;;;not a link;Kaisa;Kuusi\n")
    report = dry_run(world.org, text)
    assert [(e.row, e.column) for e in report.errors] == [(3, "Video link")]
    report = run_import(world.org, text.replace("not a link", "https://meet.example.test/kaisa"), actor=ACTOR)
    firm, kaisa = clients_of(world.org).order_by("pk")
    assert firm.kind == ClientKind.COMPANY and firm.company_name == "Firma Oy"
    assert firm.custom_fields == {"video": "https://meet.example.test/firma"}
    assert kaisa.kind == ClientKind.PERSON and kaisa.custom_fields == {"video": "https://meet.example.test/kaisa"}
    assert report.created == 2


def test_likely_duplicates_are_skipped_unless_the_owner_chooses_otherwise(world):
    make_client(world.org, phone="0401234567")
    text = "first_name;last_name;phone\nAnna;Virtanen;0401234567\nBo;Berg;0401234568\nBo;Berg;0401234568\n"
    report = run_import(world.org, text, actor=ACTOR)
    assert (report.created, report.updated, report.skipped) == (1, 0, 2)
    assert clients_of(world.org).count() == 2
    # The same file again creates nothing twice.
    report = run_import(world.org, text, actor=ACTOR)
    assert (report.created, report.skipped) == (0, 3) and clients_of(world.org).count() == 2


def test_a_duplicate_row_is_created_anyway_when_chosen(world):
    make_client(world.org, phone="0401234567")
    text = "first_name;last_name;phone\nAnna;Virtanen;0401234567\nBo;Berg;0401234568\n"
    report = run_import(world.org, text, actor=ACTOR, choices={2: Choice.CREATE})
    assert (report.created, report.skipped) == (2, 0)
    assert clients_of(world.org).filter(first_name="Anna").count() == 2


def test_update_fills_only_the_existing_clients_empty_fields(world, english):
    anna = make_client(world.org, phone="0401234567", email="anna@example.test", city="")
    text = ("first_name;last_name;phone;email;city\n"
            "Anna;Virtanen;040 123 4567;other@example.test;Tampere\n")
    before = events_of(world.org).count()
    report = run_import(world.org, text, actor=ACTOR, choices={2: Choice.UPDATE})
    assert (report.created, report.updated, report.skipped) == (0, 1, 0)
    anna.refresh_from_db()
    assert anna.email == "anna@example.test" and anna.city == "Tampere"  # never overwritten, only filled
    change = events_of(world.org).order_by("-seq").first()
    assert events_of(world.org).count() == before + 1
    assert (change.action, change.subject_ref, change.changed_fields) == (AuditAction.UPDATE, anna.subject_ref,
                                                                         ["city"])
    assert verify(world.org).ok


def test_a_mapping_chosen_by_the_owner_replaces_the_suggestion(world, english):
    text = "Asiakas;Sukunimi;Kännykkä;Huom\nAnna;Aalto;0401234567;VIP\n"
    assert suggest_targets(["Asiakas", "Sukunimi", "Kännykkä", "Huom"], []) == ["", "last_name", "", ""]
    report = run_import(world.org, text, actor=ACTOR, targets=["first_name", "last_name", "phone", ""])
    assert report.created == 1 and report.ignored_columns == ["Huom"]
    anna = clients_of(world.org).get()
    assert (anna.first_name, anna.phone) == ("Anna", "+358401234567")
    with pytest.raises(ImportFileError) as caught:
        dry_run(world.org, text, targets=["first_name", "phone", "phone", ""])
    assert "both mean" in caught.value.message
    with pytest.raises(ImportFileError) as caught:
        dry_run(world.org, text, targets=["", "", "phone", "notes"])
    assert "every column" in caught.value.message


def test_overlong_values_and_extra_cells_are_row_errors(world, english):
    text = "first_name;last_name\n" + "A" * 101 + ";Aalto\nBo;Berg;surprise\n"
    report = dry_run(world.org, text)
    assert [(e.row, e.column) for e in report.errors] == [(2, "first_name"), (3, "")]
    assert "at most 100 characters" in report.errors[0].message


@pytest.mark.parametrize(("data", "expected"), [
    (b"\x00\x01\x02PK\x03\x04binary", "not a text file"),
    (b"", "empty"),
    (b"first_name;last_name\n", "no rows"),
    (b"phone;email\n0401234567;a@example.test\n", "No column holds the name"),
])
def test_files_that_cannot_be_read_are_refused_as_a_whole(world, english, data, expected):
    with pytest.raises(ImportFileError) as caught:
        dry_run(world.org, decode_upload(data))
    assert expected in caught.value.message


def test_read_csv_keeps_multiline_cells_in_one_row_and_undoes_formula_guards():
    parsed = read_csv('first_name,last_name,billing_address\nAnna,Aalto,"Katu 1\nHelsinki"\nBo,\'=Berg,\n')
    assert parsed.rows == [(2, ["Anna", "Aalto", "Katu 1\nHelsinki"]), (3, ["Bo", "=Berg", ""])]


def test_the_command_checks_by_default_and_imports_with_commit(world, tmp_path: Path):
    path = tmp_path / "clients.csv"
    path.write_text("\ufeffetunimi;sukunimi;puhelin\nAnna;Aalto;0401234567\nBo;Berg;0401234568\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_clients", "--organization", world.org.slug, str(path), "--language", "en",
                 stdout=out, stderr=err)
    assert "Clients that would be created: 2" in out.getvalue() and "Dry run" in out.getvalue()
    assert not clients_of(world.org).exists()
    assert "2/2" in err.getvalue()  # the progress bar
    out = io.StringIO()
    call_command("import_clients", "--organization", world.org.slug, str(path), "--commit", "--language", "en",
                 stdout=out, stderr=io.StringIO())
    assert "Clients created: 2" in out.getvalue() and clients_of(world.org).count() == 2
    creates = events_of(world.org).filter(action=AuditAction.CREATE, object_type="clients.client")
    assert creates.count() == 2 and creates.first().actor_label == "manage.py import_clients"


def test_the_command_refuses_a_file_with_errors_and_names_the_rows(world, tmp_path: Path):
    path = tmp_path / "clients.csv"
    path.write_text("first_name,last_name,phone\nAnna,Aalto,12\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_clients", "--organization", world.org.slug, str(path), "--commit", "--language", "en",
                     stdout=out, stderr=io.StringIO())
    assert "row 2, phone: Enter a valid phone number" in out.getvalue()
    assert not clients_of(world.org).exists()
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_clients", "--organization", "nope", str(path), stdout=out, stderr=io.StringIO())


@pytest.mark.parametrize("commit", [[], ["--commit"]])
def test_the_command_names_a_missing_name_column_instead_of_a_traceback(world, tmp_path: Path, commit):
    path = tmp_path / "clients.csv"
    path.write_text("email;phone\naino@example.test;0401234567\n", encoding="utf-8")
    with pytest.raises(CommandError, match="No column holds the name"):
        call_command("import_clients", "--organization", world.org.slug, str(path), *commit, "--language", "en",
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert not clients_of(world.org).exists()
