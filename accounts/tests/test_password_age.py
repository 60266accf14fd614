"""An optional maximum password age, for customers whose policy demands periodic change."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.models import User


def _age(user, days: int) -> None:
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=days))


def test_without_a_policy_passwords_do_not_expire(world, client_for, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    _age(world.reception.user, 4000)
    response = client_for(world.reception).get(reverse("web:dashboard", kwargs={"org_slug": world.org.slug}))
    assert response.status_code == 200


def test_an_expired_password_must_be_changed_before_the_panel_opens(world, client_for, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    _age(world.reception.user, 91)
    client = client_for(world.reception)
    url = reverse("web:dashboard", kwargs={"org_slug": world.org.slug})
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("account_change_password")
    user = User.objects.get(pk=world.reception.user.pk)
    user.set_password("a-brand-new-passphrase-77")
    user.save()
    assert not User.objects.get(pk=user.pk).password_expired()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")  # the change ended the session
    assert client.get(url).status_code == 200


def test_a_recent_password_passes(world, client_for, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    _age(world.reception.user, 89)
    assert client_for(world.reception).get(reverse("web:dashboard",
                                                   kwargs={"org_slug": world.org.slug})).status_code == 200
