"""Refunds: the budget an ended campaign will not use, and card payments that could not
fund their campaign, given back once each.

A refund is made once per payment and reason (a unique constraint); an invoice's is done at
once, a card payment's is asked of Stripe by a Celery task with an idempotency key, and a
refused one is asked again with a new key. Counted once, conditional on its being pending.
No Stripe call is made while a row lock is held.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus, Payment, Refund
from campaigns.services.stripe_client import stripe_client

MAX_REFUND_ATTEMPTS = 5


def refund_create(*, payment: Payment, reason: str, amount_cents: int) -> Refund | None:
    """A refund of ``reason`` for the payment (once: the unique constraint), completed at
    once for invoices and by a task calling Stripe (after commit) for card payments. None
    when there is nothing to give back."""
    if amount_cents <= 0:
        return None
    refund, created = Refund.objects.get_or_create(
        payment=payment, reason=reason, defaults={"amount_cents": amount_cents}
    )
    if created:
        if payment.provider == Payment.Provider.INVOICE:
            _refund_complete(refund, stripe_refund_id=None)
        else:
            from campaigns.tasks import refund_issue_task

            transaction.on_commit(lambda: refund_issue_task.delay(refund.pk))
    return refund


def campaign_refund_unused(*, campaign: Campaign, outstanding_cents: int) -> Refund | None:
    """Give back the budget an ended campaign will not use. When it ends, everything but
    ``outstanding_cents`` (what its claims and undrawn lotteries may still spend, as the
    perks app counts it) is refunded; the part held back is released once nothing is
    outstanding any more. Call it inside a transaction that holds the campaign's row lock
    (``campaign_lock``) and counted ``outstanding_cents`` under it: fulfilment's spending
    takes the same lock, so a unit is never both spent and refunded."""
    with transaction.atomic():
        campaign = campaign_lock(campaign_id=campaign.pk)
        payment = campaign.payments.filter(status=Payment.Status.PAID).first()
        if payment is None or campaign.status != CampaignStatus.ENDED:
            return None
        budget_refunds = payment.refunds.filter(
            reason__in=[Refund.Reason.UNUSED, Refund.Reason.RELEASED]
        )
        done = {r.reason: r for r in budget_refunds}
        # Pending and failed ones included: a failed refund is retried, never made anew.
        given = sum(r.amount_cents for r in done.values())
        amount = campaign.budget_cents - campaign.spent_cents - given - outstanding_cents
        if Refund.Reason.UNUSED not in done:
            return refund_create(payment=payment, reason=Refund.Reason.UNUSED, amount_cents=amount)
        if outstanding_cents == 0 and Refund.Reason.RELEASED not in done:
            return refund_create(
                payment=payment, reason=Refund.Reason.RELEASED, amount_cents=amount
            )
    return None


def campaign_lock(*, campaign_id: int) -> Campaign:
    """The campaign, its row locked until the caller's transaction ends."""
    return Campaign.objects.select_for_update().get(pk=campaign_id)


def refund_retry(*, refund: Refund) -> Refund:
    """Ask again for a refund that failed (a new Stripe idempotency key per attempt: the
    old one would answer with the old failure). Staff can do it from the admin; the hourly
    settlement does it up to MAX_REFUND_ATTEMPTS times."""
    with transaction.atomic():
        moved = Refund.objects.filter(pk=refund.pk, status=Refund.Status.FAILED).update(
            status=Refund.Status.PENDING, attempts=F("attempts") + 1, error=""
        )
        if moved:
            from campaigns.tasks import refund_issue_task

            transaction.on_commit(lambda: refund_issue_task.delay(refund.pk))
    refund.refresh_from_db()
    return refund


def refunds_retry_failed() -> int:
    """Ask again for the refunds that failed, up to MAX_REFUND_ATTEMPTS times each (hourly,
    with the settlement); returns how many were asked again."""
    retried = 0
    for refund in Refund.objects.filter(
        status=Refund.Status.FAILED, attempts__lt=MAX_REFUND_ATTEMPTS
    ):
        retried += refund_retry(refund=refund).status == Refund.Status.PENDING
    return retried


def campaigns_holding_back() -> list[int]:
    """The ended, paid campaigns still holding back budget for what was outstanding at their
    end (nothing released yet): the ones a settlement looks at again."""
    due = (
        Campaign.objects.filter(status=CampaignStatus.ENDED, payments__status=Payment.Status.PAID)
        .filter(budget_cents__gt=F("spent_cents") + F("refunded_cents"))
        .exclude(payments__refunds__reason=Refund.Reason.RELEASED)
        .values_list("pk", flat=True)
    )
    return list(due)


def _refund_complete(refund: Refund, *, stripe_refund_id: str | None) -> bool:
    """Mark the refund done and count it, once (conditional on its being pending)."""
    done = Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
        status=Refund.Status.SUCCEEDED,
        completed_at=timezone.now(),
        stripe_refund_id=stripe_refund_id,
    )
    if done:
        Payment.objects.filter(pk=refund.payment_id).update(
            refunded_cents=F("refunded_cents") + refund.amount_cents
        )
        if refund.reason != Refund.Reason.RETURNED:  # a returned payment never was budget
            Campaign.objects.filter(pk=refund.payment.campaign_id).update(
                refunded_cents=F("refunded_cents") + refund.amount_cents
            )
    return bool(done)


def refund_issue(*, refund_pk: int) -> Refund:
    """Ask Stripe for the refund (idempotent: same key on every retry), then count it."""
    refund = Refund.objects.select_related("payment").get(pk=refund_pk)
    if refund.status != Refund.Status.PENDING:
        return refund
    stripe = stripe_client()
    try:
        result = stripe.Refund.create(
            payment_intent=refund.payment.stripe_payment_intent_id,
            amount=refund.amount_cents,
            metadata={
                "refund_id": str(refund.pk),
                "campaign_id": str(refund.payment.campaign_id),
            },
            idempotency_key=f"refund-{refund.pk}-{refund.attempts}",
        )
    except (stripe.APIConnectionError, stripe.RateLimitError):
        raise  # transient: the task retries with the same key
    except stripe.StripeError as error:  # refused: failed, retried later with a new key
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            status=Refund.Status.FAILED, error=f"Stripe: {error.user_message or error}"
        )
        refund.refresh_from_db()
        return refund
    with transaction.atomic():
        if result.status in ("succeeded", "pending"):
            _refund_complete(refund, stripe_refund_id=result.id)
        else:
            Refund.objects.filter(pk=refund.pk).update(
                status=Refund.Status.FAILED, error=f"Stripe refund {result.id}: {result.status}"
            )
    refund.refresh_from_db()
    return refund
