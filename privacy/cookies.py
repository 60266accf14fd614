"""Every cookie Tilli sets, for the privacy notice (issue 8, item 7).

Only what Tilli needs: the session (staff and client portal sign-in), the CSRF token that guards
its forms, the language a visitor chose, and Django's one-request message store. No analytics,
no third-party trackers; the Content-Security-Policy admits no other origin to load from.
Names and lifetimes come from the settings, so the notice states what the server really does.
A test drives the real pages and fails when a cookie appears that this list does not name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Cookie:
    code: str  # what the cookie is for, stable across settings and languages (the facts store this)
    name: str
    purpose: str | Promise
    max_age: int | None  # seconds; None: deleted when the browser is closed
    necessary: bool  # strictly necessary for a service the visitor asked for (no consent needed)
    first_party: bool = True

    @property
    def lifetime(self) -> str:
        return lifetime_text(self.max_age)


def lifetime_text(seconds: int | None) -> str:
    """'8 hours', '1 year', or 'until the browser is closed', in the active language."""
    if seconds is None:
        return str(_("until the browser is closed"))
    days, hours = seconds // 86400, seconds // 3600
    if days >= 365 and days % 365 == 0:
        return ngettext("%(count)d year", "%(count)d years", days // 365) % {"count": days // 365}
    if days >= 1 and seconds % 86400 == 0:
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    if hours >= 1 and seconds % 3600 == 0:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    minutes = max(seconds // 60, 1)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def _seconds(value: int | timedelta | None) -> int | None:
    return int(value.total_seconds()) if isinstance(value, timedelta) else value


# What each cookie is for, by its code: a published notice names cookies by code, so the words stay
# readable in every language even after the installation stops setting one of them.
PURPOSES = {
    "session": _("Keeps you signed in (staff panel and client portal) and remembers the steps of a form. "
                 "Holds only a random identifier; the session itself is on the server."),
    "csrf": _("Protects forms against being sent by another website in your name (CSRF protection)."),
    "language": _("Remembers the language you chose with the language menu. Set only when you choose one."),
    "messages": _("Carries a notice such as \"Saved.\" to the next page you open, then is deleted."),
    "mfa_trust": _("Remembers that you trusted this browser, so two-factor sign-in is not asked again."),
}


def tilli_cookies() -> list[Cookie]:
    """The cookies this installation sets, as configured."""
    listed = [
        Cookie("session", settings.SESSION_COOKIE_NAME, PURPOSES["session"],
               None if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE else settings.SESSION_COOKIE_AGE, True),
        Cookie("csrf", settings.CSRF_COOKIE_NAME, PURPOSES["csrf"],
               None if settings.CSRF_USE_SESSIONS else settings.CSRF_COOKIE_AGE, True),
        Cookie("language", settings.LANGUAGE_COOKIE_NAME, PURPOSES["language"], settings.LANGUAGE_COOKIE_AGE, True),
        Cookie("messages", "messages", PURPOSES["messages"], None, True),
    ]
    if getattr(settings, "MFA_TRUST_ENABLED", False):
        from allauth.mfa import app_settings as mfa_settings

        listed.append(Cookie("mfa_trust", mfa_settings.TRUST_COOKIE_NAME, PURPOSES["mfa_trust"],
                             _seconds(mfa_settings.TRUST_COOKIE_AGE), True))
    if settings.CSRF_USE_SESSIONS:
        listed = [cookie for cookie in listed if cookie.name != settings.CSRF_COOKIE_NAME]
    return listed


def cookie_names() -> set[str]:
    return {cookie.name for cookie in tilli_cookies()}


def cookie_facts() -> list[dict]:
    """The list as plain data for the privacy notice's facts (privacy.documents): codes and numbers, no
    words, so the facts are the same whichever language is active when they are read, and each rendering
    puts the words in its own language (`cookie_words`). `max_age` in seconds (None: until the browser is
    closed)."""
    return [{"code": cookie.code, "name": cookie.name, "max_age": cookie.max_age, "necessary": cookie.necessary,
             "first_party": cookie.first_party}
            for cookie in tilli_cookies()]


def cookie_words(fact: dict) -> tuple[str, str]:
    """(purpose, lifetime) of one cookie fact in the active language. Notices published before the facts
    held codes stored the words instead: the cookie is then recognised by its name, and the stored words
    are used only for a cookie this installation no longer sets."""
    code = fact.get("code") or next((c.code for c in tilli_cookies() if c.name == fact.get("name")), "")
    purpose = str(PURPOSES[code]) if code in PURPOSES else str(fact.get("purpose") or "")
    lifetime = lifetime_text(fact["max_age"]) if "max_age" in fact else str(fact.get("lifetime") or "")
    return purpose, lifetime
