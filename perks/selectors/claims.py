"""Facts about claims that only the perks app knows: how many hold a unit of each campaign,
what a campaign may still owe for them, and how many units a draw gives out. The campaigns
app is handed these as figures; it never names a claim status."""

from __future__ import annotations

from django.db.models import Count, Q

from campaigns.models import Campaign
from perks.models import Allocation, Claim, ClaimStatus, Perk

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
