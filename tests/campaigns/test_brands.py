from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns.models import BrandMembership
from campaigns.services import brand_create
from tests.factories import BrandMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_brand_create_makes_creator_owner_and_unique_slug(user):
    first = brand_create(name="Acme Coffee", owner=user)
    second = brand_create(name="Acme Coffee", owner=UserFactory())

    assert BrandMembership.objects.get(brand=first).role == "owner"
    assert (first.slug, second.slug) == ("acme-coffee", "acme-coffee-2")


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
