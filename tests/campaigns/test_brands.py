"""Brands and their staff: creation, invitations by e-mail, roles, the dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.errors import InvitationInvalid, RoleRequired
from campaigns.models import BrandInvitation, BrandMembership, BrandRole
from campaigns.services import brand_create
from campaigns.services.brands import (
    brand_invitation_accept,
    brand_invite,
    brand_membership_remove,
    brand_membership_role_change,
)
from tests.campaigns.conftest import staff_of
from tests.factories import BrandMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_brand_create_makes_the_creator_owner_and_unique_slugs(user):
    first = brand_create(name="Café Noir", owner=user)
    second = brand_create(name="Café Noir", owner=user)
    assert (first.slug, second.slug) == ("cafe-noir", "cafe-noir-2")
    assert BrandMembership.objects.get(brand=first).role == BrandRole.OWNER


def test_invitation_by_owner_accepted_by_the_verified_address(
    client, brand, owner, manager, mailoutbox, django_capture_on_commit_callbacks
):
    with pytest.raises(RoleRequired):
        brand_invite(brand=brand, inviter=manager, email="new@brand.test", role="viewer")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = brand_invite(
            brand=brand, inviter=owner, email="New@Brand.test", role="manager"
        )
    assert invitation.email == "new@brand.test"
    link = reverse("brand_invitation", args=[invitation.token])
    assert link in mailoutbox[-1].body
    stranger = UserFactory()
    client.force_login(stranger)
    refused = client.post(link, follow=True).content.decode()
    assert "sign in with that verified address" in refused
    invited = UserFactory(email="new@brand.test")
    client.force_login(invited)
    assert client.post(link).status_code == 302
    assert BrandMembership.objects.get(brand=brand, user=invited).role == BrandRole.MANAGER
    with pytest.raises(InvitationInvalid, match="not valid"):
        brand_invitation_accept(token=invitation.token, user=invited)  # used once


def test_invitation_refusals(brand, owner):
    with pytest.raises(InvitationInvalid, match="role"):
        brand_invite(brand=brand, inviter=owner, email="a@b.test", role="boss")
    with pytest.raises(InvitationInvalid, match="e-mail"):
        brand_invite(brand=brand, inviter=owner, email="nope", role="viewer")
    with pytest.raises(InvitationInvalid, match="already"):
        brand_invite(brand=brand, inviter=owner, email=owner.email, role="viewer")
    expired = brand_invite(brand=brand, inviter=owner, email="late@b.test", role="viewer")
    BrandInvitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))
    with pytest.raises(InvitationInvalid, match="not valid"):
        brand_invitation_accept(token=expired.token, user=UserFactory(email="late@b.test"))


def test_roles_change_by_owners_and_a_brand_keeps_an_owner(brand, owner, manager):
    membership = BrandMembership.objects.get(user=manager)
    with pytest.raises(RoleRequired):
        brand_membership_role_change(membership=membership, by=manager, role="owner")
    brand_membership_role_change(membership=membership, by=owner, role="viewer")
    own = BrandMembership.objects.get(user=owner)
    with pytest.raises(InvitationInvalid, match="at least one owner"):
        brand_membership_role_change(membership=own, by=owner, role="manager")
    with pytest.raises(InvitationInvalid, match="at least one owner"):
        brand_membership_remove(membership=own, by=owner)
    brand_membership_remove(membership=membership, by=owner)
    assert not BrandMembership.objects.filter(user=manager).exists()


def test_brand_dashboard_lists_campaigns_with_state_budget_and_links(
    client, brand, campaign, viewer
):
    other = staff_of(brand, BrandRole.VIEWER)
    client.force_login(other)
    page = client.get(reverse("brand_dashboard")).content.decode()
    assert "Spring tasting" in page and "$1,250.00" in page and "Draft" in page
    assert reverse("brand_admin:campaigns_campaign_change", args=[campaign.pk]) in page
    assert reverse("campaign_checkout", args=[campaign.pk]) in page


def test_brand_dashboard_lists_only_own_brands(client):
    mine = BrandMembershipFactory()
    other = BrandMembershipFactory()
    client.force_login(mine.user)

    body = client.get(reverse("brand_dashboard")).content.decode()

    assert mine.brand.name in body
    assert other.brand.name not in body


def test_navigation_shows_brand_link_only_to_brand_staff(client, member):
    client.force_login(member.user)
    assert 'href="/brand/"' not in client.get(reverse("dashboard")).content.decode()

    BrandMembershipFactory(user=member.user)
    assert 'href="/brand/"' in client.get(reverse("dashboard")).content.decode()


def test_navigation_shows_site_admin_only_to_staff(client, member, admin_user):
    client.force_login(member.user)
    assert "Site admin" not in client.get(reverse("dashboard")).content.decode()
    client.force_login(admin_user)
    assert "Site admin" in client.get(reverse("dashboard")).content.decode()


def test_admin_index_for_staff_lists_members_and_brands(admin_client):
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert "Members" in body and "Brands" in body
