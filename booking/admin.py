from django.contrib import admin

from booking.models import Appointment, HolidayOpening, HoursException, Location, Resource, Service, WorkingHours


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "time_zone", "is_active"]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "kind", "location", "is_active"]
    list_filter = ["kind"]
    inlines = [WorkingHoursInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "duration_minutes", "price", "currency", "online_bookable"]
    filter_horizontal = ["staff", "required_resources"]


@admin.register(HoursException)
class HoursExceptionAdmin(admin.ModelAdmin):
    list_display = ["resource", "kind", "start", "end"]


@admin.register(HolidayOpening)
class HolidayOpeningAdmin(admin.ModelAdmin):
    list_display = ["organization", "date"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Times and states only: client details stay in the panel, where reads are audited."""

    list_display = ["organization", "service", "staff", "start", "state", "channel"]
    list_filter = ["state", "channel"]
    fields = ["organization", "service", "staff", "location", "start", "end", "state", "channel"]
    readonly_fields = fields
