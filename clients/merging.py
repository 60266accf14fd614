"""Finding and merging duplicate clients: the one way the register joins two records of one person.

A duplicate is found by what a person gives at the desk: the same name and the same phone number. Merging
moves everything that points at the duplicate onto the survivor (visits, appointments, payments, messages,
requests, entries, permissions: every relation, found from the model's metadata so that a relation added
later is not forgotten and nothing is deleted by a cascade), fills the survivor's empty fields from the
duplicate, and deletes the duplicate, in one transaction with one audit row on the survivor that names the
duplicate's pseudonymous reference (both access logs stay; the row links them).

Care assignments and pending portal sign-in links are the exception: they stay with the duplicate and go
with it, so a merge never grants a practitioner the survivor's sensitive entries by an assignment the owner
made for another record, and a link mailed for the other record opens nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from clients.errors import ClientError
from clients.models import CareAssignment, Client, ClientKind, PortalLoginToken
from clients.normalise import search_text
from kernel.audit import Actor, record
from kernel.models import AuditAction
from tenancy.models import Organization
from tilli.errors import Conflict, Invalid

FILLED_FIELDS = ("email", "phone", "street_address", "postal_code", "city", "country", "gender", "birth_year",
                 "birth_date", "preferred_language", "billing_name", "billing_address", "billing_reference",
                 "national_id", "business_id")
NOT_MOVED = {CareAssignment, PortalLoginToken}  # a pending sign-in link was sent for the other record


class PossibleDuplicate(Conflict):
    """A new client would repeat one already in the register; `clients` are the ones it would repeat."""

    def __init__(self, clients: list[Client]) -> None:
        super().__init__(ClientError.DUPLICATE,
                         _("A client with the same name and phone number is already in the register."))
        self.clients = clients

    def __reduce__(self):
        return self.__class__, (self.clients,)


def possible_duplicates(organization: Organization, *, first_name: str, last_name: str, phone: str,
                        exclude: Client | None = None) -> QuerySet[Client]:
    """Clients of the organization with the same name (either order, case and accents as search ignores
    them) and the same phone number (as stored: normalised to international form)."""
    name = search_text(f"{last_name} {first_name}")
    if not phone or not name:
        return Client.objects.none()
    found = Client.objects.for_organization(organization).filter(
        Q(search_name=name) | Q(search_name_alt=name), kind=ClientKind.PERSON, phone=phone)
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    return found.order_by("pk")


@transaction.atomic
def client_merge(*, survivor: Client, duplicate: Client, actor: Actor) -> Client:
    """Merge `duplicate` into `survivor` (see the module's docstring); returns the survivor."""
    if survivor.pk == duplicate.pk or survivor.organization_id != duplicate.organization_id:
        raise Invalid(ClientError.SAME_OR_FOREIGN, _("Choose two different clients of this organization."))
    survivor = Client.objects.select_for_update().get(pk=survivor.pk)
    duplicate = Client.objects.select_for_update().get(pk=duplicate.pk)
    if survivor.is_restricted or duplicate.is_restricted:
        raise Conflict(ClientError.RESTRICTED, _("A client whose processing is restricted cannot be merged."))
    for relation in Client._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and relation.one_to_many) or relation.related_model in NOT_MOVED:
            continue
        relation.related_model._base_manager.filter(**{relation.field.name: duplicate}).update(
            **{relation.field.name: survivor})
    filled = []
    for name in FILLED_FIELDS:
        if getattr(survivor, name) in ("", None) and getattr(duplicate, name) not in ("", None):
            setattr(survivor, name, getattr(duplicate, name))
            filled.append(name)
    merged_custom = {**duplicate.custom_fields, **survivor.custom_fields}
    if merged_custom != survivor.custom_fields:
        survivor.custom_fields = merged_custom
        filled.append("custom_fields")
    survivor.save()
    record(organization=survivor.organization, actor=actor, action=AuditAction.UPDATE, obj=survivor,
           subject_ref=survivor.subject_ref, changed_fields=filled,
           detail={"merged_from": str(duplicate.subject_ref)})
    duplicate.delete()
    return survivor
