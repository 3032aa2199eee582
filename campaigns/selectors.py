"""Reads of the campaigns app."""

from __future__ import annotations

from django.db.models import QuerySet

from campaigns.models import BrandMembership


def user_brand_memberships(*, user) -> QuerySet[BrandMembership]:
    if not user.is_authenticated:
        return BrandMembership.objects.none()
    return BrandMembership.objects.filter(user=user).select_related("brand").order_by("brand__name")


def member_export_section(*, user) -> dict:
    if user is None:
        return {"brand_memberships": []}
    return {
        "brand_memberships": [
            {"brand": m.brand.name, "role": m.role, "since": m.created_at.isoformat()}
            for m in user_brand_memberships(user=user)
        ]
    }
