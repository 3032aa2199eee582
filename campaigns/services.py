"""Writes of the campaigns app."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from campaigns.models import Brand, BrandMembership, BrandRole


@transaction.atomic
def brand_create(*, name: str, owner, website: str = "") -> Brand:
    """Create a brand with ``owner`` as its first owner."""
    base = slugify(name)[:100] or "brand"
    slug, n = base, 1
    while Brand.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    brand = Brand.objects.create(name=name, slug=slug, website=website)
    BrandMembership.objects.create(brand=brand, user=owner, role=BrandRole.OWNER)
    return brand
