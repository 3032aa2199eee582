"""Lotteries: commit and reveal, the inclusion share first, losers told, wins that pass on."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from perks.models import Allocation, Claim, ClaimStatus, Perk
from perks.services.claims import perk_claim
from perks.services.lottery import (
    claim_confirm,
    lotteries_draw_due,
    lottery_order,
    perk_lottery_draw,
    wins_expire_due,
)
from perks.services.perks import perk_create
from scoring.models import Topic, Visibility
from tests.campaigns.test_eligibility import scored

pytestmark = pytest.mark.django_db


@given(st.text(min_size=1, max_size=20), st.lists(st.integers(1, 10**6), unique=True, max_size=30))
def test_lottery_order_is_a_deterministic_permutation(seed, ids):
    order = lottery_order(seed, ids)
    assert sorted(order) == sorted(ids) and order == lottery_order(seed, list(reversed(ids)))


@pytest.fixture
def coffee(db):
    return Topic.objects.create(slug="coffee", name="Coffee")


@pytest.fixture
def lottery_perk(live_campaign, coffee):
    from campaigns.models import CampaignTopic

    CampaignTopic.objects.create(campaign=live_campaign, topic=coffee, min_topic_score=30)
    live_campaign.inclusion_share_percent = 50
    live_campaign.save()
    now = timezone.now()
    return perk_create(
        campaign=live_campaign,
        user=live_campaign.manager,
        title="Roastery day",
        kind="experience",
        quantity=2,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=1),
        allocation=Allocation.LOTTERY,
    )


def enter(perk, member):
    return perk_claim(perk=perk, member=member, idempotency_key=uuid.uuid4().hex)[0]


def close(perk):
    Perk.objects.filter(pk=perk.pk).update(
        opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(seconds=1)
    )


def test_draw_commit_reveal_inclusion_first_losers_told(
    lottery_perk, coffee, run, mailoutbox, django_capture_on_commit_callbacks
):
    assert lottery_perk.reserved_for_inclusion == 1
    assert (
        lottery_perk.lottery_seed_hash
        == hashlib.sha256(lottery_perk.lottery_seed.encode()).hexdigest()
    )
    eligible = [scored(run, 60, topics=[(coffee, 50)]) for _ in range(3)]
    engaged_low = [scored(run, 10, topics=[(coffee, 5)]) for _ in range(3)]  # below range
    private = scored(run, 60, topics=[(coffee, 50)], visibility=Visibility.PRIVATE)
    entries = [enter(lottery_perk, m) for m in eligible + engaged_low]
    assert all(e.status == ClaimStatus.ENTERED for e in entries)
    assert [e.via_inclusion for e in entries] == [False] * 3 + [True] * 3
    with pytest.raises(Exception, match="private"):
        enter(lottery_perk, private)
    assert perk_lottery_draw(perk_id=lottery_perk.pk).drawn_at is None  # still open
    close(lottery_perk)
    with django_capture_on_commit_callbacks(execute=True):
        perk = perk_lottery_draw(perk_id=lottery_perk.pk)
    record = perk.draw_record
    assert hashlib.sha256(perk.lottery_seed.encode()).hexdigest() == record["seed_sha256"]
    assert record["order"] == lottery_order(perk.lottery_seed, record["entries"])
    winners = Claim.objects.filter(pk__in=record["winners"])
    assert winners.count() == 2 and all(c.status == ClaimStatus.WON for c in winners)
    first = Claim.objects.get(pk=record["winners"][0])
    assert first.decision["inclusion_eligible"] is True  # the inclusion unit is drawn first
    second = Claim.objects.get(pk=record["winners"][1])
    assert second.decision["eligible"] is True
    losers = Claim.objects.filter(perk=perk, status=ClaimStatus.LOST)
    assert losers.count() == 4 and all(c.lottery_rank for c in losers)
    subjects = [m.subject for m in mailoutbox]
    assert subjects.count("You won Roastery day") == 2
    assert subjects.count("Roastery day: not drawn this time") == 4
    perk.refresh_from_db()
    assert perk.claimed_count == 2
    assert perk_lottery_draw(perk_id=perk.pk).draw_record == record  # drawn once


def test_unconfirmed_wins_pass_to_the_next_in_line_and_confirmed_ones_are_claimed(
    lottery_perk, coffee, run, django_capture_on_commit_callbacks
):
    members = [scored(run, 60, topics=[(coffee, 50)]) for _ in range(4)]
    for m in members:
        enter(lottery_perk, m)
    close(lottery_perk)
    perk = perk_lottery_draw(perk_id=lottery_perk.pk)
    keep, lapse = (Claim.objects.get(pk=i) for i in perk.draw_record["winners"])
    confirmed = claim_confirm(claim=keep, member=keep.member)
    assert confirmed.status == ClaimStatus.CLAIMED
    Claim.objects.filter(pk=lapse.pk).update(win_expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(Exception, match="expired"):
        claim_confirm(claim=lapse, member=lapse.member)
    assert wins_expire_due() == 1
    lapse.refresh_from_db()
    assert lapse.status == ClaimStatus.EXPIRED
    order = perk.draw_record["order"]
    next_in_line = next(i for i in order if i not in perk.draw_record["winners"])
    assert Claim.objects.get(pk=next_in_line).status == ClaimStatus.WON
    perk.refresh_from_db()
    assert perk.claimed_count == 2


def test_first_come_perk_keeps_its_inclusion_units_for_the_draw(live_campaign, coffee, run):
    from campaigns.models import CampaignTopic
    from perks.errors import PerkSoldOut

    CampaignTopic.objects.create(campaign=live_campaign, topic=coffee, min_topic_score=30)
    live_campaign.inclusion_share_percent = 50
    live_campaign.save()
    now = timezone.now()
    perk = perk_create(
        campaign=live_campaign,
        user=live_campaign.manager,
        title="Mug",
        kind="experience",
        quantity=2,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=1),
    )
    assert perk.reserved_for_inclusion == 1 and perk.lottery_seed_hash
    first = enter(perk, scored(run, 60, topics=[(coffee, 50)]))
    assert first.status == ClaimStatus.CLAIMED
    with pytest.raises(PerkSoldOut):
        enter(perk, scored(run, 60, topics=[(coffee, 50)]))  # the other unit is reserved
    low = enter(perk, scored(run, 10, topics=[(coffee, 5)]))
    assert low.status == ClaimStatus.ENTERED and low.via_inclusion
    close(perk)
    assert lotteries_draw_due() == 1
    low.refresh_from_db()
    assert low.status == ClaimStatus.WON


def test_a_cancelled_win_passes_to_the_next_in_line(lottery_perk, coffee, run):
    members = [scored(run, 60, topics=[(coffee, 50)]) for _ in range(4)]
    for m in members:
        enter(lottery_perk, m)
    close(lottery_perk)
    perk = perk_lottery_draw(perk_id=lottery_perk.pk)
    winner = Claim.objects.get(pk=perk.draw_record["winners"][0])
    from perks.services.claims import claim_cancel

    claim_cancel(claim=winner, member=winner.member)
    next_in_line = next(
        i for i in perk.draw_record["order"] if i not in perk.draw_record["winners"]
    )
    assert Claim.objects.get(pk=next_in_line).status == ClaimStatus.WON
    perk.refresh_from_db()
    assert perk.claimed_count == 2  # the unit went on, it did not come back


def test_losers_addresses_are_kept_while_a_win_may_pass_on_then_forgotten(
    live_campaign, coffee, run
):
    from perks.services.fulfilment import addresses_forget_due

    now = timezone.now()
    perk = perk_create(
        campaign=live_campaign,
        user=live_campaign.manager,
        title="Grinder draw",
        kind="physical",
        quantity=1,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=1),
        allocation=Allocation.LOTTERY,
    )
    for _ in range(3):
        perk_claim(
            perk=perk,
            member=scored(run, 60),
            idempotency_key=uuid.uuid4().hex,
            shipping_name="Ada",
            shipping_address="1 Main St",
        )
    close(perk)
    perk = perk_lottery_draw(perk_id=perk.pk)
    assert addresses_forget_due() == 0  # the win may still pass to a loser, who must ship
    winner = Claim.objects.get(status=ClaimStatus.WON)
    claim_confirm(claim=winner, member=winner.member)
    assert addresses_forget_due() == 2  # nobody can be drawn any more: the losers' go
    kept = Claim.objects.get(pk=winner.pk)
    assert kept.shipping_address == "1 Main St"
    assert set(
        Claim.objects.filter(status=ClaimStatus.LOST).values_list("shipping_address", flat=True)
    ) == {""}
