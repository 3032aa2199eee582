"""A user's brands: memberships, the campaigns of their brands, and the data export's
section."""

from __future__ import annotations

from django.db.models import QuerySet

from campaigns.models import Brand, BrandMembership, Campaign
from campaigns.selectors.eligibility import eligible_scores


def user_brand_memberships(*, user) -> QuerySet[BrandMembership]:
    if not user.is_authenticated:
        return BrandMembership.objects.none()
    return BrandMembership.objects.filter(user=user).select_related("brand").order_by("brand__name")


def campaign_for_staff(*, user, campaign_id: int) -> Campaign | None:
    """A campaign of one of the user's brands (any role), or None."""
    return (
        Campaign.objects.filter(pk=campaign_id, brand__memberships__user=user)
        .select_related("brand")
        .first()
    )


def brand_campaign_rows(*, brand: Brand) -> list[dict]:
    """The brand's campaigns, newest first, each with how many members are eligible now (the
    perks app adds their claims: campaigns never counts claims)."""
    return [
        {"campaign": campaign, "eligible": eligible_scores(campaign=campaign).count()}
        for campaign in brand.campaigns.order_by("-created_at")
    ]


def member_export_section(*, user) -> dict:
    if user is None:
        return {"brand_memberships": []}
    return {
        "brand_memberships": [
            {"brand": m.brand.name, "role": m.role, "since": m.created_at.isoformat()}
            for m in user_brand_memberships(user=user)
        ]
    }
