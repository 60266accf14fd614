"""`manage.py event_status`: subscribers' failures for the operator's monitoring.

Prints how many event deliveries wait for a retry after a failure and how many were given up, per
subscriber; exits 1 when any was given up, so a cron job or health probe can alert on it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q

from kernel.events import failing_deliveries
from kernel.models import DeliveryStatus, EventDelivery


class Command(BaseCommand):
    help = "Show failing domain-event subscribers (exit status 1 when a delivery was given up)."

    def handle(self, *args, **options) -> None:
        counts = failing_deliveries()
        self.stdout.write(f"retrying {counts['retrying']} failed {counts['failed']}")
        rows = (EventDelivery.objects.filter(Q(status=DeliveryStatus.FAILED)
                                             | Q(status=DeliveryStatus.PENDING, attempts__gt=0))
                .values("subscriber", "status").annotate(n=Count("pk")).order_by("subscriber", "status"))
        for row in rows:
            self.stdout.write(f"{row['subscriber']} {row['status']} {row['n']}")
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} event deliveries were given up; see the admin's event deliveries")
