from django.contrib import admin

from campaigns.models import Brand, BrandMembership


class BrandMembershipInline(admin.TabularInline):
    model = BrandMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "website", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [BrandMembershipInline]
