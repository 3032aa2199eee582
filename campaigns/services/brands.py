"""Writes of the campaigns app."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from campaigns.models import Brand, BrandMembership, BrandRole
from scoring.services.members import admin_log_forget


def _brand_insert(*, name: str, website: str) -> Brand:
    base = slugify(name)[:100] or "brand"
    for n in range(1, 1000):
        slug = base if n == 1 else f"{base}-{n}"
        if Brand.objects.filter(slug=slug).exists():
            continue
        try:
            with transaction.atomic():  # another request may take the slug meanwhile
                return Brand.objects.create(name=name, slug=slug, website=website)
        except IntegrityError:
            continue
    raise IntegrityError(f"no free slug for brand {name!r}")


@transaction.atomic
def brand_create(*, name: str, owner, website: str = "") -> Brand:
    """Create a brand with ``owner`` as its first owner."""
    brand = _brand_insert(name=name, website=website)
    BrandMembership.objects.create(brand=brand, user=owner, role=BrandRole.OWNER)
    return brand


def user_brand_staff_forget(*, user) -> None:
    """A leaving user's brand memberships go with their login; forget the admin log lines
    that name them."""
    admin_log_forget(model=BrandMembership, rows=BrandMembership.objects.filter(user=user))
