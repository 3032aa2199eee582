"""Funding campaigns: Stripe Checkout, its webhooks, staff invoices, and refunds.

Money is exact: integer minor units with an ISO currency, as Stripe counts. A Stripe event is
verified (signature and age) before anything is stored; stored once per event id (a unique
constraint); applied by a Celery task under a row lock, once, whatever the order or how often
it arrives. No Stripe call is made while a row lock is held.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from campaigns.errors import FundingUnavailable, InvalidTransition, RoleRequired, StripeEventInvalid
from campaigns.models import BrandRole, Campaign, CampaignStatus, Payment, Refund, StripeEvent
from campaigns.services.campaigns import brand_role_require, campaign_mark_funded

logger = logging.getLogger(__name__)
WEBHOOK_TOLERANCE_SECONDS = 300
# Stripe keeps a Checkout Session open for 24 hours; an open one is offered again until then.
CHECKOUT_REUSE_WINDOW = timedelta(hours=23)


def _stripe():
    """The official library, pointed at the configured API (a local fake in tests)."""
    import stripe

    if not settings.STRIPE_ENABLED:
        raise FundingUnavailable(
            "Card payment is not configured here; site staff can mark the campaign funded "
            "by invoice."
        )
    stripe.api_key = settings.STRIPE_SECRET_KEY
    stripe.api_base = settings.STRIPE_API_BASE or "https://api.stripe.com"
    return stripe


def campaign_checkout_start(
    *, campaign: Campaign, user, success_url: str, cancel_url: str
) -> Payment:
    """A Stripe Checkout Session for the campaign's budget (brand owners only). The payment
    row exists before Stripe is called, so the webhook always finds it. While a checkout
    for the same amount is open, asking again gives that one back rather than a second
    session that could be paid twice."""
    brand_role_require(user=user, brand=campaign.brand, role=BrandRole.OWNER)
    stripe = _stripe()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != CampaignStatus.DRAFT:
            raise InvalidTransition("Only a draft campaign is funded.")
        open_payment = (
            campaign.payments.filter(
                provider=Payment.Provider.STRIPE, status=Payment.Status.PENDING
            )
            .filter(created_at__gte=timezone.now() - CHECKOUT_REUSE_WINDOW)
            .exclude(checkout_url="")
            .first()
        )
        if open_payment is not None and (open_payment.amount_cents, open_payment.currency) == (
            campaign.budget_cents,
            campaign.currency,
        ):
            return open_payment
        payment = Payment.objects.create(
            campaign=campaign,
            provider=Payment.Provider.STRIPE,
            amount_cents=campaign.budget_cents,
            currency=campaign.currency,
            created_by=user,
        )
    try:
        session = stripe.checkout.Session.create(
            mode="payment",
            line_items=[
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": campaign.currency.lower(),
                        "unit_amount": campaign.budget_cents,
                        "product_data": {"name": f"Campaign budget: {campaign.name}"},
                    },
                }
            ],
            client_reference_id=str(payment.pk),
            metadata={"campaign_id": str(campaign.pk), "payment_id": str(payment.pk)},
            success_url=success_url,
            cancel_url=cancel_url,
            idempotency_key=f"checkout-payment-{payment.pk}",
        )
    except stripe.StripeError as error:
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.FAILED)
        logger.warning("checkout session for payment %s failed: %s", payment.pk, error)
        raise FundingUnavailable("Stripe could not start the payment; try again.") from None
    Payment.objects.filter(pk=payment.pk).update(
        stripe_checkout_session_id=session.id, checkout_url=session.url or ""
    )
    payment.refresh_from_db()
    return payment


@transaction.atomic
def campaign_fund_by_invoice(*, campaign: Campaign, staff_user, reference: str = "") -> Payment:
    """Site staff record that the brand paid by invoice: draft -> funded."""
    if not getattr(staff_user, "is_staff", False):
        raise RoleRequired("Only site staff record invoice payments.")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        raise InvalidTransition("Only a draft campaign is funded.")
    payment = Payment.objects.create(
        campaign=campaign,
        provider=Payment.Provider.INVOICE,
        status=Payment.Status.PAID,
        amount_cents=campaign.budget_cents,
        currency=campaign.currency,
        invoice_reference=reference,
        created_by=staff_user,
        paid_at=timezone.now(),
    )
    campaign_mark_funded(campaign=campaign, actor=staff_user, note=f"invoice {reference}".strip())
    return payment


def _parse_event(payload: bytes, signature: str) -> dict:
    import stripe

    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            text, signature, settings.STRIPE_WEBHOOK_SECRET, WEBHOOK_TOLERANCE_SECONDS
        )
    except UnicodeDecodeError:
        raise StripeEventInvalid("The body is not UTF-8 text.", field="body") from None
    except stripe.SignatureVerificationError as error:
        raise StripeEventInvalid(
            f"Stripe-Signature: {error.user_message or error}", field="Stripe-Signature"
        ) from None
    try:
        event = json.loads(text)
    except json.JSONDecodeError as error:
        raise StripeEventInvalid(
            f"body, line {error.lineno} column {error.colno}: not JSON ({error.msg}).",
            field="body",
        ) from None
    if not isinstance(event, dict):
        raise StripeEventInvalid("body: a Stripe event is a JSON object.", field="body")
    for name, kind in (("id", str), ("type", str), ("data", dict)):
        if not isinstance(event.get(name), kind):
            raise StripeEventInvalid(f"body.{name}: missing or of the wrong type.", field=name)
    if not isinstance(event["data"].get("object"), dict):
        raise StripeEventInvalid("body.data.object: missing.", field="data.object")
    return event


def stripe_event_receive(*, payload: bytes, signature: str) -> tuple[StripeEvent, bool]:
    """Verify and store a webhook event; the second value says whether it is new (a new
    event is applied by a task after commit). A forged, stale or malformed event raises
    and stores nothing."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise FundingUnavailable("Stripe webhooks are not configured here.")
    event = _parse_event(payload, signature or "")
    created_ts = event.get("created")
    stripe_created = (
        datetime.fromtimestamp(created_ts, tz=UTC) if isinstance(created_ts, int) else None
    )
    with transaction.atomic():
        stored, created = StripeEvent.objects.get_or_create(
            event_id=event["id"],
            defaults={
                "type": event["type"],
                "livemode": bool(event.get("livemode")),
                "stripe_created_at": stripe_created,
                "payload": event,
            },
        )
        if created:
            from campaigns.tasks import stripe_event_process_task

            transaction.on_commit(lambda: stripe_event_process_task.delay(stored.pk))
    return stored, created


def _payment_for(session: dict) -> Payment | None:
    ref = session.get("client_reference_id") or (session.get("metadata") or {}).get("payment_id")
    if not str(ref or "").isdigit():
        return None
    return (
        Payment.objects.select_for_update()
        .filter(pk=int(ref), provider=Payment.Provider.STRIPE)
        .first()
    )


def _on_session_paid(session: dict) -> str:
    """Money arrived. It funds the campaign when the campaign is still a draft and the amount
    and currency are its budget as it is now; otherwise (funded meanwhile by another payment
    or an invoice, or the budget changed) the payment is recorded and returned in full, so
    no money is ever kept without funding."""
    payment = _payment_for(session)
    if payment is None:
        return "ignored: no payment of ours"
    if session.get("payment_status") != "paid":
        return "ignored: not paid yet"
    paid = (session.get("amount_total"), str(session.get("currency", "")).upper())
    if paid != (payment.amount_cents, payment.currency):
        raise ValueError(
            f"paid {paid[0]} {paid[1]}, expected {payment.amount_cents} {payment.currency}: "
            "not applied, check the payment"
        )
    campaign = Campaign.objects.select_for_update().get(pk=payment.campaign_id)
    if payment.status not in (Payment.Status.PENDING, Payment.Status.EXPIRED):
        return "ignored: payment already applied"
    funds = campaign.status == CampaignStatus.DRAFT and paid == (
        campaign.budget_cents,
        campaign.currency,
    )
    payment.status = Payment.Status.PAID if funds else Payment.Status.RETURNED
    payment.paid_at = timezone.now()
    payment.stripe_payment_intent_id = session.get("payment_intent") or ""
    payment.stripe_checkout_session_id = session.get("id")
    payment.save(
        update_fields=[
            "status",
            "paid_at",
            "stripe_payment_intent_id",
            "stripe_checkout_session_id",
        ]
    )
    if funds:
        campaign_mark_funded(campaign=campaign, note=f"Stripe Checkout {session.get('id')}")
        return "processed"
    _refund_create(payment, Refund.Reason.RETURNED, payment.amount_cents)
    return "processed"


def _on_session_expired(session: dict) -> str:
    payment = _payment_for(session)
    if payment is None:
        return "ignored: no payment of ours"
    moved = Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
        status=Payment.Status.EXPIRED
    )
    return "processed" if moved else "ignored: payment not pending"


HANDLERS = {
    "checkout.session.completed": _on_session_paid,
    "checkout.session.async_payment_succeeded": _on_session_paid,
    "checkout.session.expired": _on_session_expired,
}


def stripe_event_process(*, event_pk: int) -> StripeEvent:
    """Apply a stored event once. Safe to call again: an applied event is left alone."""
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().get(pk=event_pk)
        if event.status in (StripeEvent.Status.PROCESSED, StripeEvent.Status.IGNORED):
            return event
        handler = HANDLERS.get(event.type)
        try:
            with transaction.atomic():
                outcome = handler(event.payload["data"]["object"]) if handler else "ignored"
        except (ValueError, IntegrityError, InvalidTransition) as error:
            event.status, event.error = StripeEvent.Status.FAILED, str(error)
        else:
            event.error = "" if outcome == "processed" else outcome
            event.status = (
                StripeEvent.Status.PROCESSED
                if outcome == "processed"
                else StripeEvent.Status.IGNORED
            )
        event.processed_at = timezone.now()
        event.save(update_fields=["status", "error", "processed_at"])
    return event


def _refund_create(payment: Payment, reason: str, amount: int) -> Refund | None:
    """A refund of ``reason`` for the payment (once: the unique constraint), completed at
    once for invoices and by a task calling Stripe for card payments."""
    if amount <= 0:
        return None
    refund, created = Refund.objects.get_or_create(
        payment=payment, reason=reason, defaults={"amount_cents": amount}
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
            return _refund_create(payment, Refund.Reason.UNUSED, amount)
        if outstanding_cents == 0 and Refund.Reason.RELEASED not in done:
            return _refund_create(payment, Refund.Reason.RELEASED, amount)
    return None


def campaign_lock(*, campaign_id: int) -> Campaign:
    """The campaign, its row locked until the caller's transaction ends."""
    return Campaign.objects.select_for_update().get(pk=campaign_id)


MAX_REFUND_ATTEMPTS = 5


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
    stripe = _stripe()
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
