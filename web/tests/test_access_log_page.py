"""The access log renders every row, whatever fields the row names (reverse relations, paths, removed fields)."""

from __future__ import annotations

from kernel.audit import record
from kernel.models import AuditAction
from tilli.test import make_client
from web.tests.privacy_helpers import SYSTEM, english, url

ODD_FIELDS = ["subjects", "subjects.notified_at", "a_field_removed_long_ago", "breaches"]


def test_the_access_log_renders_rows_naming_relations_and_removed_fields(world, client_for):
    anna = make_client(world.org, first_name="Anna")
    record(organization=world.org, actor=SYSTEM, action=AuditAction.UPDATE, object_type="privacy.breach",
           object_id="1", changed_fields=ODD_FIELDS)
    record(organization=world.org, actor=SYSTEM, action=AuditAction.UPDATE, obj=anna, subject_ref=anna.subject_ref,
           changed_fields=ODD_FIELDS)
    record(organization=world.org, actor=SYSTEM, action=AuditAction.UPDATE, object_type="gone.model",
           object_id="7", changed_fields=ODD_FIELDS)
    owner = english(client_for(world.owner))
    response = owner.get(url(world, "web:audit_log"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "clients affected by a breach" in html and "a field removed long ago" in html
    detail = owner.get(url(world, "web:client_detail", client_id=anna.pk))
    assert detail.status_code == 200 and "a field removed long ago" in detail.content.decode()


def test_the_access_log_names_the_client_a_row_is_about_not_a_model_and_number(world, client_for):
    make_client(world.org, first_name="Anna", last_name="Virtanen")
    owner = english(client_for(world.owner))
    html = owner.get(url(world, "web:audit_log")).content.decode()
    assert "Anna Virtanen" in html and "clients.client" not in html


def test_a_role_that_may_not_see_restricted_clients_sees_initials_and_an_erased_client_is_not_named(world):
    from django.utils import timezone

    from clients.selectors import subject_names

    anna = make_client(world.org, first_name="Anna", last_name="Virtanen")
    bertta = make_client(world.org, first_name="Bertta", last_name="Virtala")
    anna.restricted_at = timezone.now()
    anna.save(update_fields=["restricted_at"])
    bertta.erased_at = timezone.now()
    bertta.save(update_fields=["erased_at"])
    refs = [anna.subject_ref, bertta.subject_ref]
    assert subject_names(world.org, refs, member=world.reception) == {anna.subject_ref: "A. V.",
                                                                        bertta.subject_ref: "erased client"}
    assert subject_names(world.org, refs, member=world.owner)[anna.subject_ref] == "Anna Virtanen"
    assert subject_names(world.other_org, refs, member=world.outsider) == {}


def test_a_system_row_says_system_in_the_readers_language_and_shows_its_job_only_as_code(world, client_for):
    """A system actor's label is the name of a job or command ("retention"): shown raw it reads as English on
    a Finnish page, so the row says "System" in the reader's language and the job name is marked as code."""
    from kernel.audit import Actor

    anna = make_client(world.org, first_name="Anna")
    record(organization=world.org, actor=Actor.system("retention"), action=AuditAction.UPDATE, obj=anna,
           subject_ref=anna.subject_ref, changed_fields=["phone"])
    owner = client_for(world.owner)
    owner.cookies["django_language"] = "fi"
    for page in (url(world, "web:audit_log"), url(world, "web:client_detail", client_id=anna.pk)):
        html = owner.get(page).content.decode()
        assert "Järjestelmä <code>retention</code>" in html, page
        assert ">retention<" not in html.replace("<code>retention<", ""), page


def test_a_row_about_a_published_privacy_notice_names_it_in_the_readers_language(world, client_for):
    from django.utils import translation

    from privacy.documents import publish_notice

    with translation.override("fi"):
        publish_notice(organization=world.org, actor=SYSTEM)
    owner = client_for(world.owner)
    owner.cookies["django_language"] = "fi"
    html = owner.get(url(world, "web:audit_log")).content.decode()
    assert "Tietosuojaselosteen versio" in html and "Privacy notice version" not in html
