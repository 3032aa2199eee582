"""Fixtures of the campaign tests: brands with staff, campaigns, the Stripe fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from campaigns.models import BrandRole, Campaign
from tests.campaigns.stripe_fake import WEBHOOK_SECRET, StripeFake
from tests.factories import BrandFactory, BrandMembershipFactory, UserFactory

START = datetime(2026, 7, 1, tzinfo=UTC)


@pytest.fixture
def brand(db):
    return BrandFactory()


def staff_of(brand, role):
    return BrandMembershipFactory(brand=brand, role=role).user


@pytest.fixture
def owner(brand):
    return staff_of(brand, BrandRole.OWNER)


@pytest.fixture
def manager(brand):
    return staff_of(brand, BrandRole.MANAGER)


@pytest.fixture
def viewer(brand):
    return staff_of(brand, BrandRole.VIEWER)


@pytest.fixture
def site_staff(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def campaign(brand, manager):
    return Campaign.objects.create(
        brand=brand,
        name="Spring tasting",
        starts_at=START,
        ends_at=START + timedelta(days=30),
        budget_cents=125_000,
        currency="USD",
        created_by=manager,
    )


@pytest.fixture
def stripe_fake(settings):
    fake = StripeFake().start()
    settings.STRIPE_SECRET_KEY = "sk_test_fake_key"
    settings.STRIPE_ENABLED = True
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake.url
    yield fake
    fake.stop()
