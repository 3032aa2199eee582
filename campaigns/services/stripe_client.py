"""The Stripe library, configured for this site: the one way Checkout and refunds reach
Stripe's API (a local fake in tests)."""

from __future__ import annotations

from django.conf import settings

from campaigns.errors import FundingUnavailable


def stripe_client():
    """The official library, pointed at the configured API. Raises FundingUnavailable when
    card payment is not configured here."""
    import stripe

    if not settings.STRIPE_ENABLED:
        raise FundingUnavailable(
            "Card payment is not configured here; site staff can mark the campaign funded "
            "by invoice."
        )
    stripe.api_key = settings.STRIPE_SECRET_KEY
    stripe.api_base = settings.STRIPE_API_BASE or "https://api.stripe.com"
    return stripe
