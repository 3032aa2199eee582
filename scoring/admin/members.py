"""Site-staff admin for members and their network accounts. Deleting either goes through
the services, so the same privacy rules apply as in the member's own pages."""

from django.contrib import admin

from scoring import services
from scoring.models import ConsentEvent, Member, NetworkAccount


class NetworkAccountInline(admin.TabularInline):
    model = NetworkAccount
    extra = 0
    fields = ["network", "external_id", "handle", "source", "connected_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


class ConsentEventInline(admin.TabularInline):
    model = ConsentEvent
    extra = 0
    readonly_fields = ["kind", "occurred_at"]
    can_delete = False


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["__str__", "opted_in_at", "visibility", "is_demo", "created_at"]
    list_filter = ["visibility", "is_demo", ("opted_in_at", admin.EmptyFieldListFilter)]
    search_fields = ["display_name", "user__email"]
    raw_id_fields = ["user"]
    readonly_fields = ["opted_in_at", "created_at"]
    inlines = [NetworkAccountInline, ConsentEventInline]
    list_select_related = ["user"]

    # Deleting a member deletes them in every app: the project's admin (klout/account/admin.py)
    # registers this admin again with the account's deletion, above the apps.
    def delete_model(self, request, obj):
        services.member_delete(member=obj)

    def delete_queryset(self, request, queryset):
        for member in queryset:
            services.member_delete(member=member)

    def save_model(self, request, obj, form, change):
        # Visibility goes through the service, which keeps the scores' copy in step.
        visibility = obj.visibility
        super().save_model(request, obj, form, change)
        if change and "visibility" in form.changed_data:
            services.member_update(member=obj, visibility=visibility)


@admin.register(NetworkAccount)
class NetworkAccountAdmin(admin.ModelAdmin):
    list_display = ["__str__", "network", "member", "source", "connected_at"]
    list_filter = ["network", "source"]
    search_fields = ["external_id", "handle"]
    raw_id_fields = ["member"]
    list_select_related = ["member__user"]

    def delete_model(self, request, obj):
        services.network_account_disconnect(account=obj)

    def delete_queryset(self, request, queryset):
        for account in queryset:
            services.network_account_disconnect(account=account)
