"""Perks inside campaigns, their code pools, and members' claims.

The invariants live in the database: a perk's claimed count never exceeds its quantity (a
check constraint, moved only by conditional UPDATEs), a code belongs to at most one claim
(a unique one-to-one), a member holds at most one active claim of a perk (a partial unique
constraint), and an idempotency key names one claim per member.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from campaigns.models import Campaign
from scoring.models import Member


class PerkKind(models.TextChoices):
    CODE = "code", "Code (a discount or download code)"
    PHYSICAL = "physical", "Physical item (shipped)"
    EXPERIENCE = "experience", "Experience (an event, a visit)"
    EARLY_ACCESS = "early_access", "Early access"


class Allocation(models.TextChoices):
    FIRST_COME = "first_come", "First come, first served"
    LOTTERY = "lottery", "Lottery drawn when the claim window closes"


DEFAULT_DISCLOSURE = "I received this for free from {brand} through Klout Fair. #ad"


class Perk(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="perks")
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    picture = models.ImageField(upload_to="perks/%Y/%m/", blank=True)
    kind = models.CharField(max_length=16, choices=PerkKind.choices, default=PerkKind.CODE)
    quantity = models.PositiveIntegerField()
    claimed_count = models.PositiveIntegerField(
        default=0, help_text="Units taken by live claims; never above the quantity."
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    allocation = models.CharField(
        max_length=16, choices=Allocation.choices, default=Allocation.FIRST_COME
    )
    disclosure_text = models.TextField(
        help_text="What the member publishes: free products must be disclosed."
    )
    value_cents = models.PositiveBigIntegerField(
        default=0, help_text="What one fulfilled unit costs the campaign's budget (minor units)."
    )
    address_retention_days = models.PositiveSmallIntegerField(
        default=30, help_text="Shipping addresses are deleted this long after fulfilment."
    )
    # Lottery: the seed's hash is published when the perk is created; the seed after the draw.
    lottery_seed = models.CharField(max_length=64, blank=True)
    lottery_seed_hash = models.CharField(max_length=64, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    draw_record = models.JSONField(
        default=dict, blank=True, help_text="The entries and the order drawn, for anyone to check."
    )
    # The campaign's inclusion share of this perk: units drawn among every topic-engaged
    # member, whatever their score (see perks/services/lottery.py).
    reserved_for_inclusion = models.PositiveIntegerField(default=0)
    win_confirm_days = models.PositiveSmallIntegerField(
        default=3, help_text="A lottery win not confirmed within this many days passes on."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["opens_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed_count__lte=F("quantity")), name="perk_no_oversell"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="perk_quantity_positive"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="perk_window_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def remaining(self) -> int:
        return self.quantity - self.claimed_count

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", "Claimed"
    ENTERED = "entered", "Entered in the lottery"
    WON = "won", "Won"
    LOST = "lost", "Not drawn"
    FULFILLED = "fulfilled", "Fulfilled"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.ENTERED, ClaimStatus.WON, ClaimStatus.FULFILLED)
CANCELLABLE_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.ENTERED, ClaimStatus.WON)


class Claim(models.Model):
    # No single-column indexes on the two keys: (perk, status) and (member, idempotency key)
    # lead with them, and every index less is less work for each claim written.
    perk = models.ForeignKey(Perk, on_delete=models.PROTECT, related_name="claims", db_index=False)
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="claims", db_index=False
    )
    status = models.CharField(max_length=16, choices=ClaimStatus.choices)
    idempotency_key = models.CharField(max_length=64)
    decision = models.JSONField(help_text="The eligibility decision that admitted the claim.")
    shipping_name = models.CharField(max_length=120, blank=True)
    shipping_address = models.TextField(blank=True)
    address_deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    won_at = models.DateTimeField(null=True, blank=True)
    lost_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the member was sent the code or next steps."
    )
    expired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Lottery
    via_inclusion = models.BooleanField(
        default=False, help_text="Entered through the campaign's inclusion share."
    )
    lottery_rank = models.PositiveIntegerField(null=True, blank=True)
    win_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["perk", "member"],
                condition=Q(status__in=[s.value for s in ACTIVE_STATUSES]),
                name="one_active_claim_per_member",
            ),
            models.UniqueConstraint(
                fields=["member", "idempotency_key"], name="claim_idempotency_key_once"
            ),
        ]
        indexes = [
            models.Index(fields=["perk", "status"], name="claim_perk_status_idx"),
            # the fulfilment outbox: claims whose member has not been written to yet
            models.Index(
                fields=["id"],
                condition=Q(status__in=["claimed", "fulfilled"], notified_at__isnull=True),
                name="claim_to_notify_idx",
            ),
        ]

    def __str__(self) -> str:
        # No member name: this is shown to brand staff, who see a name only while the
        # member's visibility allows it (the brand admin's member column decides).
        return f"claim {self.pk} of {self.perk} ({self.get_status_display()})"

    @property
    def cancellable(self) -> bool:
        """The member may still give it back: before fulfilment, and while no code has been
        shown (it might be used). Reads the code relation (select it with the claim)."""
        return self.status in CANCELLABLE_STATUSES and not hasattr(self, "code")


class PerkCode(models.Model):
    """One code of a perk's pool; given to exactly one claim."""

    # indexed by (perk, code), which leads with it
    perk = models.ForeignKey(Perk, on_delete=models.CASCADE, related_name="codes", db_index=False)
    code = models.CharField(max_length=255)
    claim = models.OneToOneField(
        Claim, null=True, blank=True, on_delete=models.SET_NULL, related_name="code"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["perk", "code"], name="perk_code_unique"),
        ]
        indexes = [
            models.Index(
                fields=["perk", "id"], name="perk_code_free_idx", condition=Q(claim__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.perk}: code {self.pk}"
