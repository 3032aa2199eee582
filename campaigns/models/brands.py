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


ROLE_RANK = {BrandRole.VIEWER: 1, BrandRole.MANAGER: 2, BrandRole.OWNER: 3}


class BrandInvitation(models.Model):
    """An owner invited someone by e-mail to the brand's staff, with a role. Accepted by
    the invited person signed in with that (verified) e-mail address."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=BrandRole.choices, default=BrandRole.VIEWER)
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.brand} as {self.role}"
