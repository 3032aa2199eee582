"""The brand workspace's campaign page: scoped to the brand, money in the currency's units,
claims with their fulfilment, the CSV, and claims per day."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import BrandRole
from perks.models import Claim, ClaimStatus, PerkKind
from perks.selectors.brand_campaign import campaign_claims_daily
from scoring.models import Visibility
from tests.campaigns.conftest import staff_of
from tests.factories import BrandFactory, OptedInMemberFactory
from tests.perks.conftest import make_perk

pytestmark = pytest.mark.django_db


def _claim(perk, *, visibility=Visibility.PRIVATE, name="", days_ago=0, **fields):
    member = OptedInMemberFactory(visibility=visibility, display_name=name)
    return Claim.objects.create(
        perk=perk,
        member=member,
        status=fields.pop("status", ClaimStatus.CLAIMED),
        idempotency_key=f"k-{member.pk}",
        decision={},
        created_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


@pytest.fixture
def shipped_perk(live_campaign):
    return make_perk(live_campaign, kind=PerkKind.PHYSICAL, codes=0, title="Tasting kit")


@pytest.fixture
def claims(shipped_perk):
    return [
        _claim(
            shipped_perk,
            visibility=Visibility.BRANDS,
            name="Ada",
            shipping_name="Ada L.",
            shipping_address="1 Bean St\nPortland",
        ),
        _claim(shipped_perk, name="Hidden", shipping_name="H.", shipping_address="2 Secret Rd"),
        _claim(shipped_perk, days_ago=1, status=ClaimStatus.FULFILLED),
    ]


def test_the_page_shows_money_in_units_timeline_and_claims(client, live_campaign, claims):
    client.force_login(live_campaign.manager)
    body = client.get(reverse("brand_campaign", args=[live_campaign.pk])).content.decode()
    assert "$1,000.00" in body and "(cents)" not in body
    assert "Ada" in body and "1 Bean St" in body
    assert "Hidden" not in body and "A member (private)" in body  # private: no name
    assert "Mark shipped" in body and "Claims per day" in body
    assert "Created" in body and "Ends" in body


def test_a_viewer_reads_everything_and_changes_nothing(client, live_campaign, claims):
    viewer = staff_of(live_campaign.brand, BrandRole.VIEWER)
    client.force_login(viewer)
    body = client.get(reverse("brand_campaign", args=[live_campaign.pk])).content.decode()
    assert "Ada" in body and "Mark shipped" not in body
    client.post(reverse("brand_claim_shipped", args=[claims[0].pk]))
    claims[0].refresh_from_db()
    assert claims[0].status == ClaimStatus.CLAIMED


def test_a_manager_marks_a_claim_shipped_and_its_address_leaves_the_page(
    client, live_campaign, claims
):
    client.force_login(live_campaign.manager)
    response = client.post(reverse("brand_claim_shipped", args=[claims[0].pk]), follow=True)
    claims[0].refresh_from_db()
    assert claims[0].status == ClaimStatus.FULFILLED
    assert "marked as sent" in response.content.decode()
    assert "1 Bean St" not in response.content.decode()


@pytest.mark.parametrize("name", ["brand_campaign", "brand_campaign_claims_csv"])
def test_another_brands_staff_get_404(client, live_campaign, claims, name):
    stranger = staff_of(BrandFactory(name="Rival"), BrandRole.OWNER)
    client.force_login(stranger)
    assert client.get(reverse(name, args=[live_campaign.pk])).status_code == 404


def test_another_brands_staff_cannot_ship(client, live_campaign, claims):
    client.force_login(staff_of(BrandFactory(name="Rival"), BrandRole.OWNER))
    assert client.post(reverse("brand_claim_shipped", args=[claims[0].pk])).status_code == 404
    claims[0].refresh_from_db()
    assert claims[0].status == ClaimStatus.CLAIMED


def test_the_csv_lists_every_claim_with_addresses_only_to_ship(client, live_campaign, claims):
    client.force_login(live_campaign.manager)
    response = client.get(reverse("brand_campaign_claims_csv", args=[live_campaign.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["claim", "perk", "status"] and len(rows) == 4
    by_claim = {row[0]: row for row in rows[1:]}
    assert by_claim[str(claims[0].pk)][5:] == ["Ada", "Ada L.", "1 Bean St\nPortland"]
    assert by_claim[str(claims[1].pk)][5] == "A member (private)"
    assert len(by_claim[str(claims[2].pk)]) == 6  # sent: no address


def test_claims_per_day_count_every_day_of_the_campaign(live_campaign, claims):
    days = campaign_claims_daily(campaign=live_campaign)
    assert [d["claims"] for d in days] == [1, 2]  # the campaign began yesterday
    assert days[-1]["day"] == timezone.localdate()


def test_the_brand_list_shows_budgets_in_units_and_links_the_page(client, live_campaign):
    client.force_login(live_campaign.manager)
    body = client.get(reverse("brand_dashboard")).content.decode()
    assert "$1,000.00" in body and reverse("brand_campaign", args=[live_campaign.pk]) in body
