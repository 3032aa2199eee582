"""What a member can claim: open perks of live campaigns with the decision on each, and the
member's own claims."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus
from campaigns.selectors.eligibility import Decision, eligibility_decide
from perks.models import ACTIVE_STATUSES, Claim, Perk
from scoring.models import Member


def member_claims(*, member: Member) -> QuerySet[Claim]:
    return Claim.objects.filter(member=member).select_related("perk__campaign__brand", "code")


def claims_of(*, member: Member, campaign: Campaign) -> QuerySet[Claim]:
    """The member's claims in the campaign, each with the decision that admitted it."""
    return Claim.objects.filter(member=member, perk__campaign=campaign).select_related("perk")


@dataclass
class PerkOffer:
    perk: Perk
    decision: Decision
    claim: Claim | None


def member_perk_offers(*, member: Member, include_held: bool = True) -> dict[str, list[PerkOffer]]:
    """Open perks of live campaigns: those the member is eligible for, and those they
    narrowly miss (with why). One decision per campaign, shared by its perks.

    A perk the member holds an active claim of (a unit taken, won or fulfilled, or a lottery
    entry) comes with that claim; ``include_held=False`` leaves it out, for a page that
    lists the member's claims on their own."""
    now = timezone.now()
    perks = (
        Perk.objects.filter(
            campaign__status=CampaignStatus.LIVE, opens_at__lte=now, closes_at__gt=now
        )
        .select_related("campaign__brand")
        .order_by("closes_at", "pk")
    )
    held = {
        c.perk_id: c
        for c in Claim.objects.filter(
            member=member, status__in=[s.value for s in ACTIVE_STATUSES]
        ).select_related("code")  # each offer shows its claim's code
    }
    decisions: dict[int, Decision] = {}
    eligible, near = [], []
    for perk in perks:
        if not include_held and perk.pk in held:
            continue
        if perk.campaign_id not in decisions:
            decisions[perk.campaign_id] = eligibility_decide(campaign=perk.campaign, member=member)
        decision = decisions[perk.campaign_id]
        offer = PerkOffer(perk, decision, held.get(perk.pk))
        if decision.eligible:
            eligible.append(offer)
        elif decision.is_near_miss:
            near.append(offer)
    return {"eligible": eligible, "near": near}
