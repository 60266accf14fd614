"""The operator sees every subscriber's failures: pending retries with their error type, and given-up ones."""

from django.contrib import admin

from kernel.models import EventDelivery


@admin.register(EventDelivery)
class EventDeliveryAdmin(admin.ModelAdmin):
    list_display = ["subscriber", "event", "status", "attempts", "next_attempt_at", "last_error", "done_at"]
    list_filter = ["status", "subscriber"]
    readonly_fields = [f.name for f in EventDelivery._meta.fields]
    list_select_related = ["event"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
