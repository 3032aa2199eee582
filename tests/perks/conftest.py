"""Fixtures of the perk tests: a live campaign, perks, eligible members."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import BrandRole, Campaign, CampaignStatus
from perks.models import Allocation, Perk, PerkCode, PerkKind
from scoring.models import AlgorithmVersion, ScoreRun, Visibility
from tests.campaigns.conftest import staff_of
from tests.campaigns.test_eligibility import scored
from tests.factories import BrandFactory


@pytest.fixture
def live_campaign(db):
    brand = BrandFactory(name="Roasters")
    now = timezone.now()
    campaign = Campaign.objects.create(
        brand=brand,
        name="Tasting",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
        budget_cents=100_000,
        status=CampaignStatus.LIVE,
        min_score=20,
    )
    campaign.manager = staff_of(brand, BrandRole.MANAGER)
    return campaign


@pytest.fixture
def run(db):
    version, _ = AlgorithmVersion.objects.get_or_create(
        is_active=True, defaults={"name": "v-perks", "description": "", "parameters": {}}
    )
    return ScoreRun.objects.create(version=version, status="complete", as_of=timezone.now())


def make_perk(campaign, *, quantity=10, codes=10, kind=PerkKind.CODE, **fields):
    now = timezone.now()
    perk = Perk.objects.create(
        campaign=campaign,
        title=fields.pop("title", "Free bag of beans"),
        kind=kind,
        quantity=quantity,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        disclosure_text="I got this free from Roasters. #ad",
        value_cents=500,
        **fields,
    )
    PerkCode.objects.bulk_create(PerkCode(perk=perk, code=f"BEANS-{i:04d}") for i in range(codes))
    return perk


@pytest.fixture
def perk(live_campaign):
    return make_perk(live_campaign)


@pytest.fixture
def eligible(run):
    def make(score=50, visibility=Visibility.BRANDS):
        return scored(run, score, visibility=visibility)

    return make


__all__ = ["Allocation", "make_perk"]
