"""Reads of the perks app."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus
from campaigns.selectors.eligibility import Decision, eligibility_decide
from perks.models import ACTIVE_STATUSES, Allocation, Claim, ClaimStatus, Perk
from scoring.models import Member

# Claims that hold a unit: taken, won, or fulfilled (an entry holds none until it is drawn).
UNIT_HOLDING_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.WON, ClaimStatus.FULFILLED)
# Claims the campaign may still have to pay for: taken or won, not yet fulfilled.
OUTSTANDING_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.WON)


def campaign_claim_counts(*, campaign_ids: list[int]) -> dict[int, int]:
    """How many claims hold a unit of each campaign's perks (0 for a campaign with none)."""
    rows = (
        Claim.objects.filter(perk__campaign_id__in=campaign_ids, status__in=UNIT_HOLDING_STATUSES)
        .values("perk__campaign_id")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(campaign_ids, 0)
    counts.update({row["perk__campaign_id"]: row["n"] for row in rows})
    return counts


def units_to_draw(
    *, allocation: str, quantity: int, claimed_count: int, reserved_for_inclusion: int
) -> int:
    """How many units a perk's draw gives out: every unit left of a lottery, only the
    reserved inclusion units of a first-come perk. The draw (perks.services.lottery) and
    what a campaign still owes at its end both count with this."""
    left = max(quantity - claimed_count, 0)
    return left if allocation == Allocation.LOTTERY else min(reserved_for_inclusion, left)


def campaign_outstanding_cents(*, campaign: Campaign) -> int:
    """What the campaign may still spend after it ends: claims taken or won but not yet
    fulfilled, and the units of lotteries not yet drawn (their winners may still take
    them). Count it under the campaign's row lock, which fulfilment's spending also takes."""
    perks = (
        Perk.objects.filter(campaign=campaign)
        .annotate(open_claims=Count("claims", filter=Q(claims__status__in=OUTSTANDING_STATUSES)))
        .values(
            "value_cents",
            "open_claims",
            "quantity",
            "claimed_count",
            "allocation",
            "reserved_for_inclusion",
            "drawn_at",
            "lottery_seed",
        )
    )
    total = 0
    for p in perks:
        undrawn = 0
        if p["drawn_at"] is None and p["lottery_seed"]:
            undrawn = units_to_draw(
                allocation=p["allocation"],
                quantity=p["quantity"],
                claimed_count=p["claimed_count"],
                reserved_for_inclusion=p["reserved_for_inclusion"],
            )
        total += p["value_cents"] * (p["open_claims"] + undrawn)
    return total


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


def member_perk_offers(*, member: Member) -> dict[str, list[PerkOffer]]:
    """Open perks of live campaigns: those the member is eligible for, and those they
    narrowly miss (with why). One decision per campaign, shared by its perks."""
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
        if perk.campaign_id not in decisions:
            decisions[perk.campaign_id] = eligibility_decide(campaign=perk.campaign, member=member)
        decision = decisions[perk.campaign_id]
        offer = PerkOffer(perk, decision, held.get(perk.pk))
        if decision.eligible:
            eligible.append(offer)
        elif decision.is_near_miss:
            near.append(offer)
    return {"eligible": eligible, "near": near}


def member_export_section(*, member: Member) -> dict:
    return {
        "claims": [
            {
                "perk": c.perk.title,
                "brand": c.perk.campaign.brand.name,
                "status": c.status,
                "created_at": c.created_at.isoformat(),
                "code": c.code.code if hasattr(c, "code") and c.code else None,
                "shipping_name": c.shipping_name,
                "shipping_address": c.shipping_address,
                "decision": c.decision,
            }
            for c in member_claims(member=member)
        ]
    }
