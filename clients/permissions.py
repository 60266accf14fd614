"""Who may see a client's special-category records: the owner and the treating practitioner."""

from __future__ import annotations

from clients.models import Client, ClientRecord, Visit
from tenancy.models import Membership
from tenancy.roles import Perm, Role


def can_see_records(membership: Membership, client: Client) -> bool:
    """The owner always; a practitioner who has treated the client (a visit or an entry of theirs)."""
    if not membership.has_perm(Perm.VIEW_SPECIAL_RECORDS):
        return False
    if membership.role == Role.OWNER:
        return True
    return (Visit.objects.for_organization(client.organization).filter(client=client, practitioner=membership).exists()
            or ClientRecord.objects.for_organization(client.organization).filter(client=client,
                                                                                 author=membership).exists())
