"""Site-staff view of the live networks: each account's sync, each stream's lag, the blogs
claimed and proven, the Mastodon instances Klout Fair has an app on."""

from django.contrib import admin
from django.utils import timezone

from core.admin import ReadOnlyAdmin
from scoring.models import BlogSite, MastodonApp, StreamCursor, SyncState


@admin.register(SyncState)
class SyncStateAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "status",
        "detail",
        "last_synced_at",
        "pages",
        "actions_stored",
        "duplicates",
        "retry_at",
    ]
    list_filter = ["status", "account__network"]
    search_fields = ["account__handle"]
    list_select_related = ["account"]
    exclude = ["cursor"]


@admin.register(StreamCursor)
class StreamCursorAdmin(ReadOnlyAdmin):
    list_display = ["name", "event_at", "lag", "stored_at", "events", "actions_stored"]

    @admin.display(description="Lag")
    def lag(self, obj: StreamCursor) -> str:
        """How far behind the network the stored events are (as of the last batch)."""
        if obj.event_at is None:
            return "never stored"
        seconds = int((timezone.now() - obj.event_at).total_seconds())
        if seconds < 120:
            return f"{seconds} s"
        return f"{seconds // 60} min" if seconds < 7200 else f"{seconds // 3600} h"


@admin.register(BlogSite)
class BlogSiteAdmin(ReadOnlyAdmin):
    """Claims and proofs. The one-time code is not shown: it is the member's to publish."""

    list_display = ["feed_url", "site_host", "platform", "member", "proven_at", "proof"]
    list_filter = ["platform", ("proven_at", admin.EmptyFieldListFilter)]
    search_fields = ["feed_url", "site_host"]
    list_select_related = ["member"]
    exclude = ["code"]


@admin.register(MastodonApp)
class MastodonAppAdmin(ReadOnlyAdmin):
    list_display = ["instance", "redirect_uri", "created_at"]
    search_fields = ["instance"]
    exclude = ["sealed_secret"]
