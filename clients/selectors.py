"""Reads of the customer register: search across many clients, and what a client page shows."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from clients.models import Client, ClientRecord
from clients.normalise import phone_search, search_text, validate_national_id
from clients.permissions import NotTreating, care_basis
from kernel.audit import Actor, record
from kernel.models import AuditAction
from tenancy.fields import blind_index_for
from tenancy.models import Membership, Organization

# Prefix search as a range, so SQLite and PostgreSQL both use the (organization, column) index.
_AFTER = "\U0010ffff"


def _prefix(column: str, prefix: str) -> Q:
    return Q(**{f"{column}__gte": prefix, f"{column}__lt": prefix + _AFTER})


def search_clients(organization: Organization, query: str, *, limit: int = 25) -> list[Client] | QuerySet[Client]:
    """Clients matching a national ID (exact, through the blind index), an email or phone
    prefix, or a name prefix ("virt" finds Virtanen; "virtanen an" finds Anna Virtanen).
    """
    base = Client.objects.for_organization(organization)
    text = query.strip()
    if not text:
        return base.none()
    if organization.national_id_enabled and any(c.isdigit() for c in text) and len(text) >= 10:
        try:
            canonical = validate_national_id(organization.country, text)
        except Exception:  # not an ID: fall through to the other kinds of search
            canonical = None
        if canonical:
            index = blind_index_for(Client, "national_id", organization.pk, canonical)
            return base.filter(national_id_index=index)[:limit]
    if "@" in text:
        return base.filter(_prefix("email", text.lower())).order_by("email")[:limit]
    phone = phone_search(text, organization.country)
    if phone:
        return base.filter(_prefix("phone", phone)).order_by("phone")[:limit]
    # Two index range scans merged here: an OR in one query makes SQLite scan the table.
    name = search_text(text)
    by_last = list(base.filter(_prefix("search_name", name)).order_by("search_name")[:limit])
    by_first = list(base.filter(_prefix("search_name_alt", name)).order_by("search_name_alt")[:limit])
    merged = {c.pk: c for c in by_last + by_first}
    return sorted(merged.values(), key=lambda c: (c.search_name, c.pk))[:limit]


def search_clients_for(organization: Organization, query: str, *, actor: Actor, limit: int = 25,
                       via: str = "") -> list[Client]:
    """`search_clients` for a person: the search itself is audited (the count, never the query)."""
    results = list(search_clients(organization, query, limit=limit))
    detail = {"results": len(results), **({"via": via} if via else {})}
    record(organization=organization, actor=actor, action=AuditAction.SEARCH, object_type="clients.client",
           detail=detail)
    return results


def records_for(client: Client, *, member: Membership, actor: Actor) -> list[ClientRecord]:
    """A client's special-category entries for a member who treats the client, newest first.

    Showing them is one audited view that names why the member may see them (owner, appointment
    or assignment); anyone else gets `NotTreating`, so no caller can forget the check.
    """
    basis = care_basis(member, client)
    if basis is None:
        raise NotTreating
    records = list(ClientRecord.objects.for_organization(client.organization).filter(client=client)
                   .select_related("author__user").order_by("-created_at"))
    if records:
        record(organization=client.organization, actor=actor, action=AuditAction.VIEW,
               object_type="clients.clientrecord", object_id=",".join(str(r.pk) for r in records),
               subject_ref=client.subject_ref, detail={"basis": str(basis)})
    return records


def subject_names(organization: Organization, refs, *, member: Membership) -> dict:
    """What a staff member may read as the name of each client an access log row is about, by the row's
    pseudonymous reference: the name to whoever may see the client; initials for a client whose processing is
    restricted, to a role that may not see restricted records; "erased client" once the client is erased (the
    row outlives the person, who must not be re-identified through it). References of no client are absent."""
    from django.utils.translation import gettext as _

    from tenancy.roles import Perm

    refs = {ref for ref in refs if ref}
    if not refs or not member.has_perm(Perm.VIEW_CLIENTS):
        return {}
    sees_restricted = member.has_perm(Perm.VIEW_RESTRICTED_RECORDS)
    names = {}
    # Tombstones included: a row about an erased client says so instead of nothing.
    for client in Client.objects.filter(organization=organization, subject_ref__in=refs):
        if client.erased_at is not None:
            names[client.subject_ref] = _("erased client")
        elif client.is_restricted and not sees_restricted:
            names[client.subject_ref] = initials(client.display_name)
        else:
            names[client.subject_ref] = client.display_name or "—"
    return names


def initials(name: str) -> str:
    """"Anna Virtanen" → "A. V.": enough to tell rows apart, not enough to name the person."""
    return " ".join(f"{part[0]}." for part in name.split() if part) or "—"
