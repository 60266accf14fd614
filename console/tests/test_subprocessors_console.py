"""The sub-processor list is kept in the console: each addition, change and removal is mailed to every owner
(through the outbox) and written to the operator log; the Django admin only shows the list."""

from __future__ import annotations

from django.urls import reverse

from console.models import OperatorAction, OperatorEvent
from privacy.models import SubProcessor
from tilli.test import UserFactory, operator_client, worker_after

MAILER = {"name": "Postia Oy", "address": "Postikatu 1, 00100 Helsinki", "country": "fi",
          "purpose": "Email delivery", "location": "Finland (EU)", "data_categories": "email addresses",
          "position": 1}


def test_the_operator_adds_changes_and_removes_and_owners_are_told(world, operator, operator_user, smtp_server):
    with worker_after():
        assert operator.post(reverse("console:subprocessors"), MAILER).status_code == 302
    subprocessor = SubProcessor.objects.get()
    assert subprocessor.country == "FI" and len(smtp_server.wait_for(2)) == 2  # each organization's owner

    with worker_after():
        response = operator.post(reverse("console:subprocessor", kwargs={"subprocessor_id": subprocessor.pk}),
                                 {**MAILER, "purpose": "Email and newsletters"})
    assert response.status_code == 302
    assert "Email and newsletters" in smtp_server.wait_for(4)[-1].get_payload(decode=True).decode()

    with worker_after():
        response = operator.post(reverse("console:subprocessor_remove", kwargs={"subprocessor_id": subprocessor.pk}))
    assert response.status_code == 302
    assert len(smtp_server.wait_for(6)) == 6
    subprocessor.refresh_from_db()
    assert subprocessor.removed_at is not None
    assert list(OperatorEvent.objects.order_by("pk").values_list("action", "actor_user_id")) == [
        (OperatorAction.ADD_SUBPROCESSOR, operator_user.pk), (OperatorAction.CHANGE_SUBPROCESSOR, operator_user.pk),
        (OperatorAction.REMOVE_SUBPROCESSOR, operator_user.pk)]
    listing = operator.get(reverse("console:subprocessors")).content.decode()
    assert "Postia Oy" in listing
    assert operator.get(reverse("console:subprocessor", kwargs={"subprocessor_id": subprocessor.pk})).status_code == 404


def test_bad_input_is_shown_on_the_form_and_nothing_is_announced(world, operator, smtp_server):
    response = operator.post(reverse("console:subprocessors"), {**MAILER, "country": "Finland"})
    assert response.status_code == 422 and response.context["form"].errors
    assert not SubProcessor.objects.exists() and not OperatorEvent.objects.exists()


def test_the_django_admin_only_lists_them(world):
    superuser = operator_client(UserFactory(is_staff=True, is_superuser=True))
    SubProcessor.objects.create(**{**MAILER, "country": "FI"})
    assert superuser.get(reverse("admin:privacy_subprocessor_changelist")).status_code == 200
    assert superuser.get(reverse("admin:privacy_subprocessor_add")).status_code == 403
