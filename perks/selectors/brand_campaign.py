"""What a brand's staff see of one campaign: its timeline, its money, its claims (with what
fulfilment needs) and claims per day. Members are named only where their visibility lets
brands see them."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns.models import Campaign
from perks.models import Claim, ClaimStatus, PerkKind
from scoring.models import VISIBLE_TO_BRANDS

SHIPPABLE = (PerkKind.PHYSICAL, PerkKind.EXPERIENCE)
CHART_DAYS = 60  # the daily chart shows at most this many days, the newest


def campaign_timeline(*, campaign: Campaign) -> list[dict]:
    """The campaign's steps that happened, oldest first, and the next one expected."""
    steps = [
        ("Created", campaign.created_at),
        ("Submitted for review", campaign.submitted_at),
        ("Funded", campaign.funded_at),
        ("Reviewed", campaign.reviewed_at),
        ("Starts", campaign.starts_at),
        ("Ended" if campaign.ended_at else "Ends", campaign.ended_at or campaign.ends_at),
    ]
    now = timezone.now()
    return [
        {"label": label, "at": at, "future": at > now}
        for label, at in sorted((s for s in steps if s[1]), key=lambda s: s[1])
    ]


def campaign_claims(*, campaign: Campaign) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(perk__campaign=campaign)
        .select_related("perk", "member")
        .order_by("-created_at", "-pk")
    )


def claim_rows(claims) -> list[dict]:
    """Claims as the brand sees them: the member's name only where they let brands see it,
    a shipping address only while the item is still to be sent."""
    rows = []
    for claim in claims:
        visible = claim.member.visibility in VISIBLE_TO_BRANDS and claim.member.display_name
        to_ship = claim.perk.kind in SHIPPABLE and claim.status in (
            ClaimStatus.CLAIMED,
            ClaimStatus.WON,
        )
        rows.append(
            {
                "claim": claim,
                "member": claim.member.display_name if visible else "A member (private)",
                "to_ship": to_ship,
                "address": claim.shipping_address if to_ship else "",
                "name": claim.shipping_name if to_ship else "",
            }
        )
    return rows


def campaign_claims_daily(*, campaign: Campaign, today: date | None = None) -> list[dict]:
    """Claims made each day, from the campaign's start (or CHART_DAYS ago) to today or its
    end, days without claims included: the chart's bars."""
    today = today or timezone.localdate()
    last = min(today, timezone.localdate(campaign.ended_at or campaign.ends_at))
    first = max(timezone.localdate(campaign.starts_at), last - timedelta(days=CHART_DAYS - 1))
    counted = dict(
        Claim.objects.filter(perk__campaign=campaign, created_at__date__gte=first)
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    days = (
        [first + timedelta(days=n) for n in range((last - first).days + 1)] if last >= first else []
    )
    return [{"day": day, "claims": counted.get(day, 0)} for day in days]
