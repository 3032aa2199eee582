"""Funding campaigns by card: Stripe Checkout and its webhooks.

Money is exact: integer minor units with an ISO currency, as Stripe counts. A Stripe event is
verified (signature and age) before anything is stored; stored once per event id (a unique
constraint); applied by a Celery task under a row lock, once, whatever the order or how often
it arrives. No Stripe call is made while a row lock is held. A payment that cannot fund its
campaign is returned in full (``campaigns.services.refunds``).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.errors import FundingUnavailable, InvalidTransition, StripeEventInvalid
from campaigns.models import BrandRole, Campaign, CampaignStatus, Payment, Refund, StripeEvent
from campaigns.services.campaigns import brand_role_require, campaign_mark_funded
from campaigns.services.refunds import refund_create
from campaigns.services.stripe_client import stripe_client

logger = logging.getLogger(__name__)
WEBHOOK_TOLERANCE_SECONDS = 300
# Stripe keeps a Checkout Session open for 24 hours; an open one is offered again until then.
CHECKOUT_REUSE_WINDOW = timedelta(hours=23)


def campaign_checkout_start(
    *, campaign: Campaign, user, success_url: str, cancel_url: str
) -> Payment:
    """A Stripe Checkout Session for the campaign's budget (brand owners only). The payment
    row exists before Stripe is called, so the webhook always finds it. While a checkout
    for the same amount is open, asking again gives that one back rather than a second
    session that could be paid twice."""
    brand_role_require(user=user, brand=campaign.brand, role=BrandRole.OWNER)
    stripe = stripe_client()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != CampaignStatus.DRAFT:
            raise InvalidTransition("Only a draft campaign is funded.")
        open_payment = _open_checkout(campaign)
        if open_payment is not None:
            return open_payment
        payment = Payment.objects.create(
            campaign=campaign,
            provider=Payment.Provider.STRIPE,
            amount_cents=campaign.budget_cents,
            currency=campaign.currency,
            created_by=user,
        )
    session = _checkout_session_create(
        stripe, campaign, payment, success_url=success_url, cancel_url=cancel_url
    )
    Payment.objects.filter(pk=payment.pk).update(
        stripe_checkout_session_id=session.id, checkout_url=session.url or ""
    )
    payment.refresh_from_db()
    return payment


def _open_checkout(campaign: Campaign) -> Payment | None:
    """The campaign's checkout still open (within CHECKOUT_REUSE_WINDOW) for its budget as
    it is now (same amount and currency), or None."""
    open_payment = (
        campaign.payments.filter(provider=Payment.Provider.STRIPE, status=Payment.Status.PENDING)
        .filter(created_at__gte=timezone.now() - CHECKOUT_REUSE_WINDOW)
        .exclude(checkout_url="")
        .first()
    )
    if open_payment is not None and (open_payment.amount_cents, open_payment.currency) == (
        campaign.budget_cents,
        campaign.currency,
    ):
        return open_payment
    return None


def _checkout_session_create(
    stripe, campaign: Campaign, payment: Payment, *, success_url: str, cancel_url: str
):
    """Stripe's Checkout Session for the pending payment (idempotent per payment). When
    Stripe refuses, the payment is marked failed and FundingUnavailable raised. Call it with
    no row lock held."""
    try:
        return stripe.checkout.Session.create(
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
    paid = _amount_paid(session, payment)
    campaign = Campaign.objects.select_for_update().get(pk=payment.campaign_id)
    if payment.status not in (Payment.Status.PENDING, Payment.Status.EXPIRED):
        return "ignored: payment already applied"
    funds = campaign.status == CampaignStatus.DRAFT and paid == (
        campaign.budget_cents,
        campaign.currency,
    )
    _payment_record_paid(payment, session, funds=funds)
    if funds:
        campaign_mark_funded(campaign=campaign, note=f"Stripe Checkout {session.get('id')}")
        return "processed"
    refund_create(payment=payment, reason=Refund.Reason.RETURNED, amount_cents=payment.amount_cents)
    return "processed"


def _amount_paid(session: dict, payment: Payment) -> tuple[int, str]:
    """The amount and currency the session paid; ValueError (the event fails, nothing is
    applied) when they are not the payment's."""
    paid = (session.get("amount_total"), str(session.get("currency", "")).upper())
    if paid != (payment.amount_cents, payment.currency):
        raise ValueError(
            f"paid {paid[0]} {paid[1]}, expected {payment.amount_cents} {payment.currency}: "
            "not applied, check the payment"
        )
    return paid


def _payment_record_paid(payment: Payment, session: dict, *, funds: bool) -> None:
    """The payment paid by the session: paid when it funds its campaign, returned if not.
    Call it holding the payment's row lock."""
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
