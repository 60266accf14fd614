"""Invitations (and the email address in them) are deleted 30 days after they stopped working."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Invitation
from accounts.tasks import purge_invitations
from kernel.scheduling import enqueue_due

DAY = timedelta(days=1)


def _invitation(world, n: int, **dates) -> Invitation:
    now = timezone.now()
    return Invitation.objects.create(organization=world.org, email=f"person{n}@example.test", role="reception",
                                     token_hash=f"{n:064d}", expires_at=dates.pop("expires_at", now + 7 * DAY),
                                     **dates)


def test_purge_deletes_invitations_30_days_after_they_ended(world):
    now = timezone.now()
    expired_long_ago = _invitation(world, 1, expires_at=now - 31 * DAY)
    accepted_long_ago = _invitation(world, 2, expires_at=now - 25 * DAY, accepted_at=now - 31 * DAY)
    revoked_long_ago = _invitation(world, 3, expires_at=now - 25 * DAY, revoked_at=now - 31 * DAY)
    open_one = _invitation(world, 4)
    expired_recently = _invitation(world, 5, expires_at=now - 29 * DAY)
    accepted_recently = _invitation(world, 6, expires_at=now + 5 * DAY, accepted_at=now - 2 * DAY)

    assert purge_invitations.call() == {"deleted": 3}

    remaining = set(Invitation.objects.values_list("pk", flat=True))
    assert remaining == {open_one.pk, expired_recently.pk, accepted_recently.pk}
    assert not remaining & {expired_long_ago.pk, accepted_long_ago.pk, revoked_long_ago.pk}


def test_the_scheduler_enqueues_the_invitation_purge_daily(db):
    now = timezone.now()

    assert "accounts.purge_invitations" in enqueue_due(now)
    assert "accounts.purge_invitations" not in enqueue_due(now + 23 * timedelta(hours=1))
    assert "accounts.purge_invitations" in enqueue_due(now + DAY)
