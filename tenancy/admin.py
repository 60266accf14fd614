from django.contrib import admin

from tenancy.models import Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "country", "business_id", "created_at"]
    search_fields = ["name", "slug", "business_id"]
    inlines = [MembershipInline]
