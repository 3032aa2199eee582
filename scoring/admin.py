"""Site-staff admin for members and the action log. Deleting a member or a network account
goes through the services, so the same privacy rules apply as in the member's own pages."""

from django.contrib import admin

from klout.accounts import account_delete
from scoring import services
from scoring.models import (
    Action,
    AnonymousActor,
    ConsentEvent,
    Content,
    ImportBatch,
    Member,
    NetworkAccount,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The action log changes only through imports and the members' own choices, which
    apply consent; staff read it here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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

    def delete_model(self, request, obj):
        account_delete(member=obj)

    def delete_queryset(self, request, queryset):
        for member in queryset:
            account_delete(member=member)


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


@admin.register(AnonymousActor)
class AnonymousActorAdmin(ReadOnlyAdmin):
    list_display = ["key_hash", "network"]
    list_filter = ["network"]
    search_fields = ["key_hash"]


@admin.register(Content)
class ContentAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "account", "posted_at"]
    search_fields = ["external_id", "text"]
    raw_id_fields = ["account"]
    list_select_related = ["account__member__user"]


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ["kind", "network", "subject", "occurred_at"]
    list_filter = ["kind", "network"]
    raw_id_fields = ["subject", "content", "actor_account", "actor_anonymous"]
    date_hierarchy = "occurred_at"
    list_select_related = ["subject__member__user"]
    show_full_result_count = False


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "original_name",
        "format",
        "status",
        "read",
        "stored",
        "duplicates",
        "not_member",
        "rejected",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "format", "demo_members"]
    search_fields = ["original_name"]
    list_select_related = ["created_by"]
