"""Site-staff admin for the action log and the imports that fill it: read only, since the
log changes only through imports and the members' own choices, which apply consent."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from scoring.models import Action, AnonymousActor, Content, ImportBatch


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
