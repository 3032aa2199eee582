"""Settling ended campaigns: the perks app counts what their claims still owe and the
campaigns app refunds the rest of the budget. Campaigns never counts claims itself."""

from __future__ import annotations

from django.db import transaction

from campaigns.models import Campaign, Refund
from campaigns.services.refunds import (
    campaign_lock,
    campaign_refund_unused,
    campaigns_holding_back,
    refunds_retry_failed,
)
from perks.selectors.claims import campaign_outstanding_cents


def campaign_settle(*, campaign: Campaign) -> Refund | None:
    """Refund what an ended campaign will not spend: at its end everything but what its
    outstanding claims and undrawn lotteries may still cost, and that too once they are all
    settled. Counted and refunded under the campaign's row lock, which fulfilment's
    spending also takes, so a unit is never both spent and refunded."""
    with transaction.atomic():
        campaign = campaign_lock(campaign_id=campaign.pk)
        owed = campaign_outstanding_cents(campaign=campaign)
        return campaign_refund_unused(campaign=campaign, outstanding_cents=owed)


def campaigns_settle_due() -> int:
    """Retry failed refunds, and release the budget held back at the end of campaigns whose
    outstanding claims are all settled (fulfilled, cancelled, expired or lost); returns how
    many refunds were made or asked again."""
    made = refunds_retry_failed()
    for pk in campaigns_holding_back():
        if campaign_settle(campaign=Campaign(pk=pk)):
            made += 1
    return made
