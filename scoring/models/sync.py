"""Live networks: the proof a member gave for an account (its session, encrypted), where each
account's sync stands, and where each stream has read to.

A sync stores its records and its cursor in one transaction (scoring.services.sync), so the
cursor here always names the first thing not yet stored.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from scoring.models.members import NetworkAccount


class NetworkSession(models.Model):
    """A network's session for an account the member proved by signing in. The session (it
    holds the refresh token) is stored encrypted with ``NETWORK_TOKEN_KEY``; the password the
    member typed is never stored."""

    account = models.OneToOneField(
        NetworkAccount, on_delete=models.CASCADE, related_name="network_session"
    )
    sealed = models.TextField(help_text="The session, encrypted (Fernet).")
    created_at = models.DateTimeField(default=timezone.now)
    refreshed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"session of {self.account}"


class MastodonApp(models.Model):
    """Klout Fair's app on one Mastodon instance, registered there on a member's first
    connection (read scope). The secret is stored encrypted with ``NETWORK_TOKEN_KEY``."""

    instance = models.CharField(max_length=255, unique=True, help_text="Its base URL.")
    client_id = models.CharField(max_length=255)
    sealed_secret = models.TextField(help_text="The client secret, encrypted (Fernet).")
    redirect_uri = models.CharField(max_length=500, help_text="Registered with the app.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"app on {self.instance}"


class BlogSite(models.Model):
    """A blog a member says is theirs. Until the one-time ``code`` appears on it (in a post,
    or a ``<meta>`` tag on its home page) it is only a claim and nothing is read; once found,
    ``account`` is the blog's network account, and the site's host is where webmentions
    sent to Klout Fair must point to be stored."""

    member = models.ForeignKey(
        "scoring.Member", on_delete=models.CASCADE, related_name="blog_sites"
    )
    feed_url = models.CharField(max_length=500)
    site_url = models.CharField(max_length=500)
    site_host = models.CharField(max_length=255, db_index=True)
    title = models.CharField(max_length=191, blank=True)
    platform = models.CharField(max_length=16, blank=True)
    code = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    proven_at = models.DateTimeField(null=True, blank=True)
    proof = models.CharField(max_length=300, blank=True, help_text="Where the code was found.")
    account = models.OneToOneField(
        NetworkAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="blog_site"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "feed_url"], name="blog_site_member_feed")
        ]

    def __str__(self) -> str:
        return f"blog {self.feed_url}"


class SyncStatus(models.TextChoices):
    NEVER = "never", "Not synced yet"
    QUEUED = "queued", "Waiting to sync"
    RUNNING = "running", "Syncing"
    OK = "ok", "Up to date"
    RATE_LIMITED = "rate_limited", "Rate limited"
    RETRYING = "retrying", "The network is not answering"
    SESSION_EXPIRED = "session_expired", "Session expired"
    REFUSED = "refused", "Refused by the network"
    NOT_FOUND = "not_found", "Account not found"


class SyncState(models.Model):
    """Where the sync of one network account stands, in words the member can read."""

    account = models.OneToOneField(NetworkAccount, on_delete=models.CASCADE, related_name="sync")
    status = models.CharField(max_length=16, choices=SyncStatus.choices, default=SyncStatus.NEVER)
    detail = models.CharField(max_length=300, blank=True, help_text="What the member is told.")
    retry_at = models.DateTimeField(null=True, blank=True)
    cursor = models.JSONField(
        null=True, blank=True, help_text="Where an unfinished sync resumes (the connector's own)."
    )
    requested_at = models.DateTimeField(null=True, blank=True, help_text="Last 'Sync now'.")
    started_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # The current (or last) run's progress.
    pages = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)
    actions_stored = models.PositiveIntegerField(default=0)
    posts_stored = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    notes = models.JSONField(default=list, blank=True, help_text="What was skipped, and why.")

    class Meta:
        indexes = [models.Index(fields=["last_synced_at"], name="sync_last_synced_idx")]

    def __str__(self) -> str:
        return f"sync of {self.account}: {self.get_status_display()}"


class StreamCursor(models.Model):
    """How far a stream consumer has stored: ``position`` is the stream's own cursor (for
    Jetstream, the ``time_us`` of the last event of the last stored batch)."""

    name = models.CharField(max_length=64, unique=True)
    position = models.BigIntegerField(default=0)
    event_at = models.DateTimeField(null=True, blank=True, help_text="Time of that event.")
    stored_at = models.DateTimeField(null=True, blank=True, help_text="When it was stored.")
    events = models.PositiveBigIntegerField(default=0)
    actions_stored = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} at {self.position}"
