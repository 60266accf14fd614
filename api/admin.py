from django.contrib import admin

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["organization", "membership", "name", "prefix", "created_at", "last_used_at", "expires_at",
                    "revoked_at"]
    exclude = ["token_hash"]
