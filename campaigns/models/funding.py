"""Money: payments that fund campaigns (Stripe Checkout or a staff-recorded invoice), and
every Stripe event received, stored for audit and applied once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from campaigns.models.campaigns import Campaign


class Payment(models.Model):
    class Provider(models.TextChoices):
        STRIPE = "stripe", "Stripe Checkout"
        INVOICE = "invoice", "Invoice (recorded by staff)"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        EXPIRED = "expired", "Expired"
        FAILED = "failed", "Failed"
        RETURNED = "returned", "Paid, then returned in full (not needed)"

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    amount_cents = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    refunded_cents = models.PositiveBigIntegerField(default=0)
    stripe_checkout_session_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True
    )
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    invoice_reference = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_cents__lte=F("amount_cents")), name="payment_refund_le_amount"
            ),
            models.UniqueConstraint(
                fields=["campaign"],
                condition=Q(status="paid"),
                name="one_paid_payment_per_campaign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.amount_cents} {self.currency} ({self.status})"


class Refund(models.Model):
    """Money given back: the budget a campaign did not use, in at most two parts (what is
    certainly unused when it ends; what was held back for outstanding claims, once they are
    settled), or a whole payment that was not needed (a second payment, or one made for an
    amount that is no longer the budget)."""

    class Reason(models.TextChoices):
        UNUSED = "unused", "Unused budget at the campaign's end"
        RELEASED = "released", "Budget held back for outstanding claims, released"
        RETURNED = "returned", "Payment not needed, returned in full"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    reason = models.CharField(max_length=16, choices=Reason.choices, default=Reason.UNUSED)
    amount_cents = models.PositiveBigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(
        default=1, help_text="Asked of Stripe this many times (a failed refund is retried)."
    )
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # each kind of refund happens once per payment, however often it is asked for
            models.UniqueConstraint(fields=["payment", "reason"], name="one_refund_per_reason"),
        ]

    def __str__(self) -> str:
        return f"refund ({self.reason}) {self.amount_cents} of {self.payment}"


class StripeEvent(models.Model):
    """A verified Stripe webhook event. ``event_id`` is unique: an event is applied once,
    however often it arrives."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored (nothing to do)"
        FAILED = "failed", "Failed"

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=120)
    livemode = models.BooleanField(default=False)
    stripe_created_at = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id} ({self.status})"
