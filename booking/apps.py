from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Booking")

    def ready(self) -> None:
        from booking.care import AppointmentCare
        from clients.permissions import register_appointment_care

        register_appointment_care(AppointmentCare())  # appointments make their practitioner a treating one
