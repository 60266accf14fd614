from django.contrib import admin

from privacy.models import SubProcessor
from privacy.subprocessors import FIELDS as SUBPROCESSOR_FIELDS


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
