from django.contrib import admin

from privacy.models import SubProcessor
from privacy.subprocessors import FIELDS as SUBPROCESSOR_FIELDS
from privacy.subprocessors import subprocessor_add, subprocessor_remove, subprocessor_update


@admin.register(SubProcessor)
class SubProcessorAdmin(admin.ModelAdmin):
    """The operator's list; every save and removal goes through privacy.subprocessors, which tells each owner."""

    list_display = ["name", "country", "location", "purpose", "position", "added_at", "removed_at"]
    list_filter = [("removed_at", admin.EmptyFieldListFilter), "country"]
    fields = [*SUBPROCESSOR_FIELDS, "added_at", "removed_at"]
    readonly_fields = ["added_at", "removed_at"]

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in SUBPROCESSOR_FIELDS if name in form.cleaned_data}
        if change:
            subprocessor_update(subprocessor=SubProcessor.objects.get(pk=obj.pk), **values)
        else:
            saved = subprocessor_add(**values)
            obj.pk, obj.added_at = saved.pk, saved.added_at

    def delete_model(self, request, obj):
        subprocessor_remove(subprocessor=obj)  # kept with removed_at: older notices and agreements name it

    def delete_queryset(self, request, queryset):
        for subprocessor in queryset:
            subprocessor_remove(subprocessor=subprocessor)
