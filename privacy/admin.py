from django.contrib import admin

from privacy.models import AuditEvent, PeriodicJob, SubProcessor
from privacy.subprocessors import FIELDS as SUBPROCESSOR_FIELDS


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


@admin.register(SubProcessor)
class SubProcessorAdmin(admin.ModelAdmin):
    """Read-only here: the list is kept in the operator's console (console.views), whose every change goes
    through privacy.subprocessors, which tells each owner and writes the operator log."""

    list_display = ["name", "country", "location", "purpose", "position", "added_at", "removed_at"]
    list_filter = [("removed_at", admin.EmptyFieldListFilter), "country"]
    readonly_fields = [*SUBPROCESSOR_FIELDS, "added_at", "removed_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
