"""Campaigns: what a brand offers, to whom (targeting), and where it stands (lifecycle)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from campaigns.models.brands import Brand


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    FUNDED = "funded", "Funded"
    IN_REVIEW = "in_review", "In review"
    LIVE = "live", "Live"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"
    REJECTED = "rejected", "Rejected"


class TopicMode(models.TextChoices):
    ANY = "any", "Any of the topics"
    ALL = "all", "All of the topics"


class Campaign(models.Model):
    """A perk campaign. Money is in integer minor units of ``currency`` (ISO 4217)."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    budget_cents = models.PositiveBigIntegerField(help_text="In minor units (cents).")
    currency = models.CharField(max_length=3, default="USD")
    # Targeting
    min_score = models.PositiveSmallIntegerField(default=1)
    max_score = models.PositiveSmallIntegerField(default=100)
    topic_mode = models.CharField(max_length=8, choices=TopicMode.choices, default=TopicMode.ANY)
    networks = models.JSONField(
        default=list, blank=True, help_text="Network slugs; empty means any network."
    )
    inclusion_share_percent = models.PositiveSmallIntegerField(
        default=0,
        help_text="Share of the perks drawn by lottery among every opted-in member with "
        "evidence in the campaign's topics, whatever their score.",
    )
    # Lifecycle
    status = models.CharField(
        max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    rejection_reason = models.TextField(blank=True)
    review_note = models.TextField(blank=True, help_text="Staff's note when approving.")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    funded_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    spent_cents = models.PositiveBigIntegerField(
        default=0, help_text="Budget used by fulfilled perks (minor units)."
    )
    refunded_cents = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_score__gte=1)
                & Q(max_score__lte=100)
                & Q(min_score__lte=F("max_score")),
                name="campaign_score_range",
            ),
            models.CheckConstraint(
                condition=Q(inclusion_share_percent__lte=100), name="campaign_inclusion_share"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="campaign_dates"),
            models.CheckConstraint(
                condition=Q(spent_cents__lte=F("budget_cents"))
                & Q(refunded_cents__lte=F("budget_cents") - F("spent_cents")),
                name="campaign_money_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="campaign_currency_iso"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="campaign_status_idx"),
            models.Index(fields=["brand", "status"], name="campaign_brand_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.brand})"

    @property
    def unused_cents(self) -> int:
        return self.budget_cents - self.spent_cents - self.refunded_cents


class CampaignTopic(models.Model):
    """A topic of the campaign's targeting, with the minimum topic score it needs."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="topics")
    topic = models.ForeignKey("scoring.Topic", on_delete=models.PROTECT, related_name="+")
    min_topic_score = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "topic"], name="campaign_topic_once"),
            models.CheckConstraint(
                condition=Q(min_topic_score__gte=1) & Q(min_topic_score__lte=100),
                name="campaign_topic_min_1_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} >= {self.min_topic_score}"


class CampaignEvent(models.Model):
    """Every lifecycle transition, who made it and why: the campaign's audit trail."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=CampaignStatus.choices)
    to_status = models.CharField(max_length=16, choices=CampaignStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.campaign}: {self.from_status} -> {self.to_status}"


class FairnessSnapshot(models.Model):
    """The fairness report as it was when the campaign was submitted for review."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="fairness_snapshots"
    )
    created_at = models.DateTimeField(default=timezone.now)
    headline = models.TextField()
    flagged_groups = models.JSONField(default=list)
    report = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"fairness of {self.campaign} at {self.created_at:%Y-%m-%d %H:%M}"
