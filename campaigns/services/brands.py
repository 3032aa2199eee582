"""Brands and their staff: creation, invitations by e-mail, roles."""

from __future__ import annotations

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from campaigns.errors import InvitationInvalid
from campaigns.models import Brand, BrandInvitation, BrandMembership, BrandRole
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


INVITATION_DAYS = 14


def _owner_require(*, user, brand: Brand) -> None:
    from campaigns.services.campaigns import brand_role_require

    brand_role_require(user=user, brand=brand, role=BrandRole.OWNER)


@transaction.atomic
def brand_invite(*, brand: Brand, inviter, email: str, role: str) -> BrandInvitation:
    """Invite someone to the brand's staff by e-mail (owners only). The link is valid for
    INVITATION_DAYS days and only for a login with that verified address."""
    _owner_require(user=inviter, brand=brand)
    if role not in BrandRole.values:
        raise InvitationInvalid(f"Unknown role {role!r}.", field="role")
    email = (email or "").strip().lower()
    if "@" not in email:
        raise InvitationInvalid("An e-mail address is needed.", field="email")
    if BrandMembership.objects.filter(brand=brand, user__email__iexact=email).exists():
        raise InvitationInvalid(f"{email} is on the staff already.", field="email")
    invitation = BrandInvitation.objects.create(
        brand=brand,
        email=email,
        role=role,
        token=secrets.token_urlsafe(32),
        invited_by=inviter,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    from core.tasks import email_send

    link = settings.SITE_URL.rstrip("/") + reverse("brand_invitation", args=[invitation.token])
    body = (
        f"You are invited to the staff of {brand.name} as {BrandRole(role).label}.\n\n"
        f"Accept here (sign in with {email}): {link}\n\nThe link expires in "
        f"{INVITATION_DAYS} days."
    )
    transaction.on_commit(
        lambda: email_send.delay(to=[email], subject=f"Join {brand.name}", body=body)
    )
    return invitation


@transaction.atomic
def brand_invitation_accept(*, token: str, user) -> BrandMembership:
    invitation = BrandInvitation.objects.select_for_update().filter(token=token).first()
    if invitation is None or invitation.accepted_at or invitation.expires_at < timezone.now():
        raise InvitationInvalid("This invitation is not valid any more; ask for a new one.")
    verified = EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()
    if not verified:
        raise InvitationInvalid(
            f"This invitation is for {invitation.email}: sign in with that verified address."
        )
    membership, _ = BrandMembership.objects.update_or_create(
        brand=invitation.brand, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def brand_membership_role_change(*, membership: BrandMembership, by, role: str) -> BrandMembership:
    """Owners change roles; a brand always keeps at least one owner."""
    _owner_require(user=by, brand=membership.brand)
    if role not in BrandRole.values:
        raise InvitationInvalid(f"Unknown role {role!r}.", field="role")
    owners = BrandMembership.objects.select_for_update().filter(
        brand=membership.brand, role=BrandRole.OWNER
    )
    if membership.role == BrandRole.OWNER and role != BrandRole.OWNER and owners.count() <= 1:
        raise InvitationInvalid("A brand keeps at least one owner.", field="role")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def brand_membership_remove(*, membership: BrandMembership, by) -> None:
    _owner_require(user=by, brand=membership.brand)
    owners = BrandMembership.objects.select_for_update().filter(
        brand=membership.brand, role=BrandRole.OWNER
    )
    if membership.role == BrandRole.OWNER and owners.count() <= 1:
        raise InvitationInvalid("A brand keeps at least one owner.")
    membership.delete()
