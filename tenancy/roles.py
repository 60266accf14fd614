"""Staff roles and what each may do: the one map that every view and API operation asks.

Later issues add permissions here; a role never gets a permission by accident because
each role lists its permissions explicitly (the owner gets all of them).
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    PRACTITIONER = "practitioner", _("Practitioner")
    RECEPTION = "reception", _("Reception")
    ACCOUNTANT = "accountant", _("Accountant")


class Perm(StrEnum):
    VIEW_PANEL = "view_panel"
    VIEW_STAFF = "view_staff"
    MANAGE_STAFF = "manage_staff"
    MANAGE_ORGANIZATION = "manage_organization"
    VIEW_AUDIT_LOG = "view_audit_log"
    USE_API = "use_api"
    MANAGE_OWN_API_TOKENS = "manage_own_api_tokens"


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.OWNER: frozenset(Perm),
    Role.PRACTITIONER: frozenset({Perm.VIEW_PANEL, Perm.VIEW_STAFF, Perm.USE_API, Perm.MANAGE_OWN_API_TOKENS}),
    Role.RECEPTION: frozenset({Perm.VIEW_PANEL, Perm.VIEW_STAFF, Perm.USE_API, Perm.MANAGE_OWN_API_TOKENS}),
    Role.ACCOUNTANT: frozenset({Perm.VIEW_PANEL, Perm.USE_API, Perm.MANAGE_OWN_API_TOKENS}),
}


def role_has_perm(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())
