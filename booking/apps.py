from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kernel.jobs import Job


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Booking")
    periodic_jobs = (
        # a time held for an online payment that did not arrive is freed (booking.holds)
        Job("booking.lapse_holds", "booking.holds.lapse_holds_job", timedelta(minutes=1)),
    )

    def ready(self) -> None:
        from booking.care import AppointmentCare
        from clients.permissions import register_appointment_care

        register_appointment_care(AppointmentCare())  # appointments make their practitioner a treating one
