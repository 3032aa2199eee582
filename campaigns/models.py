"""Brands and their staff. Campaigns, targeting and funding build on these."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Brand(models.Model):
    """An organisation that funds perk campaigns."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    website = models.URLField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BrandRole(models.TextChoices):
    OWNER = "owner", "Owner: money, staff and campaigns"
    MANAGER = "manager", "Manager: campaigns and perks"
    VIEWER = "viewer", "Viewer: reads everything, changes nothing"


class BrandMembership(models.Model):
    """A user on a brand's staff, with a role."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="brand_memberships"
    )
    role = models.CharField(max_length=16, choices=BrandRole.choices, default=BrandRole.VIEWER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "user"], name="brand_membership_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.brand} ({self.role})"
