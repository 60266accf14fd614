"""The operator's view of the kernel: the audit log read-only, the periodic jobs, and every subscriber's failures
(pending retries with their error type, and given-up ones)."""

from django.contrib import admin

from kernel.models import AuditEvent, EventDelivery, PeriodicJob


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


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only for everyone, the operator included."""

    list_display = ["organization", "seq", "created_at", "actor_kind", "actor_role", "action", "object_type"]
    list_filter = ["action", "actor_kind"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PeriodicJob)
class PeriodicJobAdmin(admin.ModelAdmin):
    list_display = ["name", "next_run_at", "last_enqueued_at"]
