"""The member's perks page: a perk they hold a claim of (a unit, or a lottery entry) is no
longer "Open to you"; it is under "My claims". The API's offers keep it, with its claim."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from perks.models import ACTIVE_STATUSES, Allocation, Claim, ClaimStatus
from perks.services.claims import perk_claim
from perks.services.perks import perk_create
from tests.perks.conftest import make_perk

pytestmark = pytest.mark.django_db


def _section(page: str, section_id: str) -> str:
    match = re.search(rf'id="{section_id}".*?</section>', page, re.S)
    assert match, section_id
    return match.group(0)


def _perks_page(client, member) -> tuple[str, str]:
    client.force_login(member.user)
    page = client.get(reverse("perk_list")).content.decode()
    return _section(page, "open-to-you"), _section(page, "my-claims")


def test_perk_list_first_come_claim_leaves_open_to_you(client, live_campaign, eligible):
    member = eligible(60)
    taken = make_perk(live_campaign, title="Free bag of beans")
    make_perk(live_campaign, title="Tasting mug")
    perk_claim(perk=taken, member=member, idempotency_key="k1")

    open_to_you, my_claims = _perks_page(client, member)

    assert "Free bag of beans" not in open_to_you and "Tasting mug" in open_to_you
    assert "Free bag of beans" in my_claims and "Claimed" in my_claims


def test_perk_list_lottery_entry_leaves_open_to_you(client, live_campaign, eligible):
    member = eligible(60)
    now = timezone.now()
    lottery = perk_create(
        campaign=live_campaign,
        user=live_campaign.manager,
        title="Roastery day",
        kind="experience",
        quantity=2,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=1),
        allocation=Allocation.LOTTERY,
    )
    claim, _ = perk_claim(perk=lottery, member=member, idempotency_key="k2")
    assert claim.status == ClaimStatus.ENTERED

    open_to_you, my_claims = _perks_page(client, member)

    assert "Roastery day" not in open_to_you
    assert "Roastery day" in my_claims and "Entered in the lottery" in my_claims
    assert "under <a" in open_to_you  # the empty list points to where the claim went


@pytest.mark.parametrize("status", list(ClaimStatus))
def test_perk_list_shows_a_perk_as_open_only_without_an_active_claim(
    client, live_campaign, eligible, status
):
    member = eligible(60)
    perk = make_perk(live_campaign, title="Free bag of beans")
    Claim.objects.create(
        perk=perk, member=member, status=status, idempotency_key=uuid.uuid4().hex, decision={}
    )

    open_to_you, my_claims = _perks_page(client, member)

    assert ("Free bag of beans" in open_to_you) == (status not in ACTIVE_STATUSES)
    assert "Free bag of beans" in my_claims


def test_perk_list_cancelled_claim_puts_the_perk_back_as_open(client, live_campaign, eligible):
    member = eligible(60)
    perk = make_perk(live_campaign, kind="physical", codes=0, title="Grinder")
    claim, _ = perk_claim(
        perk=perk,
        member=member,
        idempotency_key="k3",
        shipping_name="Ada",
        shipping_address="1 Main St",
    )
    client.force_login(member.user)
    client.post(reverse("claim_cancel", args=[claim.pk]))

    open_to_you, my_claims = _perks_page(client, member)

    assert "Grinder" in open_to_you and "Cancelled" in my_claims


def test_perk_list_held_claim_stays_in_the_api_offers_with_its_claim(live_campaign, eligible):
    from rest_framework.test import APIClient

    member = eligible(60)
    perk = make_perk(live_campaign)
    claim, _ = perk_claim(perk=perk, member=member, idempotency_key="k4")
    api = APIClient()
    api.force_authenticate(member.user)

    offers = api.get(reverse("api_perks")).json()

    assert [o["claim"]["id"] for o in offers["eligible"]] == [claim.pk]
