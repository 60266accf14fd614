"""What appointments say about care: a practitioner treats a client while an appointment of the client with
them is booked, confirmed or completed, until `CARE_AFTER_APPOINTMENT_DAYS` after it ends (the rule is
`clients.permissions`'). Registered into `clients.permissions` at start-up, so the register, which stands below
booking, never imports booking's models."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max

from booking.models import ACTIVE_STATES, Appointment
from clients.models import Client
from tenancy.models import Membership
from tenancy.roles import Role


class AppointmentCare:
    def treats(self, membership: Membership, client: Client, *, since: dt.datetime) -> bool:
        return Appointment.objects.for_organization(client.organization).filter(
            client=client, staff__membership=membership, state__in=ACTIVE_STATES, end__gt=since).exists()

    def practitioners_last_end(self, client: Client, *, since: dt.datetime) -> dict[int, dt.datetime]:
        """Each active practitioner with a counting appointment of the client: the end of their last one."""
        rows = (Appointment.objects.for_organization(client.organization)
                .filter(client=client, state__in=ACTIVE_STATES, end__gt=since,
                        staff__membership__role=Role.PRACTITIONER, staff__membership__is_active=True)
                .values("staff__membership").annotate(last_end=Max("end")))
        return {row["staff__membership"]: row["last_end"] for row in rows}
