"""The owner's overview shows the last good backup, and warns when there is none or it is late."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from ops.models import BackupRun


def _overview(client_for, membership) -> str:
    response = client_for(membership).get(reverse("web:dashboard", kwargs={"org_slug": membership.organization.slug}))
    assert response.status_code == 200
    return response.content.decode()


def _shown(page: str, organization, msgid: str) -> bool:
    """Whether `msgid` appears on the page in the organization's language (up to a placeholder, if any)."""
    with translation.override(organization.default_language):
        return translation.gettext(msgid).split("%(", 1)[0] in page


@pytest.mark.django_db
def test_the_owner_sees_the_last_good_backup_and_a_warning_when_it_is_late(world, client_for, settings):
    settings.BACKUP_KEYS = {"b1": b"k" * 32}
    settings.HEALTH_BACKUP_MAX_AGE_HOURS = 26
    late = "Late: the daily backup has not succeeded since."
    assert _shown(_overview(client_for, world.owner), world.org, "No backup has succeeded yet.")
    at = timezone.now() - dt.timedelta(hours=30)
    BackupRun.objects.create(name="old", started_at=at, finished_at=at, ok=True)
    page = _overview(client_for, world.owner)
    assert _shown(page, world.org, "Last good backup: %(when)s") and _shown(page, world.org, late)
    BackupRun.objects.create(name="fresh", started_at=timezone.now(), finished_at=timezone.now(), ok=True)
    assert not _shown(_overview(client_for, world.owner), world.org, late)


@pytest.mark.django_db
def test_staff_who_do_not_manage_the_organization_see_no_backup_card(world, client_for):
    assert "backup-heading" not in _overview(client_for, world.reception)
