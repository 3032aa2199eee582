"""Celery tasks of the campaigns app: ids in, one service call, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=300, max_retries=8
)
def stripe_event_process_task(event_pk: int) -> str:
    """Apply a stored Stripe event (once, whatever the order or how often it arrives)."""
    from campaigns.services.stripe import stripe_event_process

    return stripe_event_process(event_pk=event_pk).status


@shared_task(bind=True, max_retries=8)
def refund_issue_task(self, refund_pk: int) -> str:
    """Refund unused budget through Stripe; transient errors retry with backoff and the
    same idempotency key, so a refund is never made twice."""
    import stripe

    from campaigns.services.refunds import refund_issue

    try:
        return refund_issue(refund_pk=refund_pk).status
    except (stripe.APIConnectionError, stripe.RateLimitError, OperationalError) as error:
        raise self.retry(exc=error, countdown=min(600, 30 * 2**self.request.retries)) from error


@shared_task
def campaigns_end_due_task() -> int:
    """End the live and paused campaigns whose end date has passed (run by beat)."""
    from campaigns.services.campaigns import campaigns_end_due

    return campaigns_end_due()
