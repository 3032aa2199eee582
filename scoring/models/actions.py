"""The action log every score is made from: posts, imports, actions.

An action is stored only against a member's account as its subject (see the importers).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from scoring.models.members import (
    AnonymousActor,
    Member,
    NetworkAccount,
    network_slug_validator,
)


class Content(models.Model):
    """A member's post on a network."""

    account = models.ForeignKey(NetworkAccount, on_delete=models.CASCADE, related_name="contents")
    external_id = models.CharField(max_length=191)
    text = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    topics_matched_with = models.CharField(
        max_length=32,
        blank=True,
        default="",
        db_default="",  # posts inserted by SQL (the PostgreSQL import path) get it too
        help_text="Fingerprint of the topic tree the post was last matched against.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"], name="content_unique_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account}: {self.external_id}"


class ImportBatch(models.Model):
    """One import of a file into the action log: who asked, what it was, how it went.

    The data and the final counts are committed together, so a failed or crashed import
    leaves no action of it visible. The uploaded file is deleted once the import has run.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_batches",
    )
    member = models.ForeignKey(
        Member,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="import_batches",
        help_text="Set for a member's import of their own archive.",
    )
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=255)
    format = models.CharField(max_length=32)
    network = models.CharField(max_length=32, blank=True)
    account_external_id = models.CharField(
        max_length=191, blank=True, help_text="Whose archive it is (archive formats)."
    )
    skip_invalid = models.BooleanField(default=False)
    demo_members = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    bytes_total = models.BigIntegerField(default=0)
    read = models.PositiveIntegerField(default=0)
    stored = models.PositiveIntegerField(default=0)
    posts = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    not_member = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    demo_members_created = models.PositiveIntegerField(default=0)
    rejected_sample = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["member", "-created_at"], name="import_member_idx")]

    def __str__(self) -> str:
        return f"import {self.pk}: {self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ActionKind(models.TextChoices):
    SHARE = "share", "Share (retweet, reshare)"
    REPLY = "reply", "Reply"
    COMMENT = "comment", "Comment"
    MENTION = "mention", "Mention"
    LIKE = "like", "Like (favourite, upvote)"


class Action(models.Model):
    """Someone did something to a member's content: the unit every score is made from.

    The actor is a member's network account, an anonymous actor, or nobody known (both
    empty: engagement that counts, but not as a distinct person). ``dedupe_key`` is a keyed
    hash of the action's identity, so re-importing the same data adds nothing.
    """

    network = models.CharField(max_length=32, validators=[network_slug_validator])
    subject = models.ForeignKey(
        NetworkAccount,
        on_delete=models.CASCADE,
        related_name="actions_received",
        db_index=False,  # served by the (subject, occurred_at) index
    )
    content = models.ForeignKey(
        Content, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    # Services turn a leaving member's actions into anonymous ones before deleting the
    # account; SET_NULL is only the backstop that keeps the engagement counted.
    actor_account = models.ForeignKey(
        NetworkAccount,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions_taken",
    )
    actor_anonymous = models.ForeignKey(
        AnonymousActor, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    kind = models.CharField(max_length=16, choices=ActionKind.choices)
    occurred_at = models.DateTimeField()
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    dedupe_key = models.UUIDField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    actor_cohort = models.BigIntegerField(
        null=True,
        blank=True,
        help_text=(
            "A keyed hash of the network and the minute the actor's account was created, when "
            "the source gave it: which accounts were created together, and nothing more."
        ),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(actor_account__isnull=True) | Q(actor_anonymous__isnull=True),
                name="action_one_actor_at_most",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ActionKind.values), name="action_kind_known"
            ),
        ]
        indexes = [
            models.Index(fields=["subject", "occurred_at"], name="action_subject_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.subject} at {self.occurred_at:%Y-%m-%d %H:%M}"
