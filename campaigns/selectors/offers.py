"""A member's campaigns: the live ones they are eligible for, and those they narrowly miss."""

from __future__ import annotations

from dataclasses import dataclass

from campaigns.models import Campaign, CampaignStatus
from campaigns.selectors.eligibility import Decision, eligibility_decide


@dataclass
class Offer:
    campaign: Campaign
    decision: Decision


def member_campaign_offers(*, member) -> dict[str, list[Offer]]:
    """Live campaigns the member is eligible for, and the ones they narrowly miss (with
    why); the others are not listed."""
    eligible, near = [], []
    live = Campaign.objects.filter(status=CampaignStatus.LIVE).select_related("brand")
    for campaign in live.order_by("ends_at"):
        decision = eligibility_decide(campaign=campaign, member=member)
        if decision.eligible:
            eligible.append(Offer(campaign, decision))
        elif decision.is_near_miss:
            near.append(Offer(campaign, decision))
    return {"eligible": eligible, "near": near}
