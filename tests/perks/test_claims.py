"""Claims: eligibility at claim time, idempotency, no oversell, cancel, fulfilment."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection

from campaigns.models import Campaign, CampaignStatus
from perks.errors import (
    AlreadyClaimed,
    ClaimNotCancellable,
    NotEligible,
    PerkClosed,
    PerkInvalid,
    PerkSoldOut,
)
from perks.models import Claim, ClaimStatus, Perk, PerkCode, PerkKind
from perks.services.claims import claim_cancel, perk_claim
from perks.services.fulfilment import claim_mark_fulfilled
from scoring.models import Visibility
from tests.conftest import requires_postgres
from tests.perks.conftest import make_perk

pytestmark = pytest.mark.django_db


def claim(perk, member, key=None, **kwargs):
    return perk_claim(perk=perk, member=member, idempotency_key=key or uuid.uuid4().hex, **kwargs)


def test_claim_stores_the_decision_gives_a_code_and_mails_it(
    perk, eligible, mailoutbox, django_capture_on_commit_callbacks
):
    member = eligible(60)
    with django_capture_on_commit_callbacks(execute=True):
        made, new = claim(perk, member)
    assert new
    made.refresh_from_db()
    assert made.status == ClaimStatus.FULFILLED and made.fulfilled_at
    assert made.decision["eligible"] is True and made.decision["facts"]["score"] == 60
    code = PerkCode.objects.get(claim=made).code
    assert code in mailoutbox[-1].body and "#ad" in mailoutbox[-1].body
    perk.refresh_from_db()
    assert perk.claimed_count == 1
    assert Campaign.objects.get(pk=perk.campaign_id).spent_cents == 500


def test_same_idempotency_key_returns_the_same_claim(perk, eligible):
    member = eligible()
    first, new = claim(perk, member, key="k-1")
    again, again_new = claim(perk, member, key="k-1")
    assert (first.pk, new, again_new) == (again.pk, True, False)
    assert Claim.objects.count() == 1
    with pytest.raises(AlreadyClaimed):
        claim(perk, member, key="k-2")  # a new request for the same perk
    other = make_perk(perk.campaign, title="Mug")
    with pytest.raises(PerkInvalid, match="another perk"):
        claim(other, member, key="k-1")


def test_ineligible_members_are_refused_with_reasons(perk, eligible):
    low = eligible(10)
    with pytest.raises(NotEligible, match="needs an overall score of 20-100, yours is 10") as error:
        claim(perk, low)
    assert error.value.decision.eligible is False
    private = eligible(90, visibility=Visibility.PRIVATE)
    with pytest.raises(NotEligible, match="private"):
        claim(perk, private)
    assert not Claim.objects.exists()


def test_sold_out_when_units_or_codes_run_out(live_campaign, eligible):
    perk = make_perk(live_campaign, quantity=2, codes=1)
    claim(perk, eligible())
    with pytest.raises(PerkSoldOut, match="no code left"):
        claim(perk, eligible())
    perk.refresh_from_db()
    assert perk.claimed_count == 1  # the failed claim took nothing
    roomy = make_perk(live_campaign, quantity=1, codes=5, title="Mug")
    claim(roomy, eligible())
    with pytest.raises(PerkSoldOut, match="sold out"):
        claim(roomy, eligible())


def test_closed_window_and_campaign_state(perk, eligible):
    Campaign.objects.filter(pk=perk.campaign_id).update(status=CampaignStatus.PAUSED)
    with pytest.raises(PerkClosed, match="not live"):
        claim(perk, eligible())
    Campaign.objects.filter(pk=perk.campaign_id).update(status=CampaignStatus.LIVE)
    Perk.objects.filter(pk=perk.pk).update(
        opens_at=perk.closes_at, closes_at=perk.closes_at.replace(year=2100)
    )
    with pytest.raises(PerkClosed, match="Claims are open from"):
        claim(perk, eligible())


def test_physical_perks_need_an_address_and_brands_fulfil(live_campaign, eligible):
    perk = make_perk(live_campaign, kind=PerkKind.PHYSICAL, codes=0, title="Grinder")
    member = eligible()
    with pytest.raises(PerkInvalid, match="shipping address"):
        claim(perk, member)
    made, _ = claim(perk, member, shipping_name="Ada L.", shipping_address="1 Main St, Springfield")
    made.refresh_from_db()
    assert made.status == ClaimStatus.CLAIMED  # next steps sent; the brand ships
    done = claim_mark_fulfilled(claim=made, user=live_campaign.manager)
    assert done.status == ClaimStatus.FULFILLED


def test_cancel_returns_the_unit_and_the_code(live_campaign, eligible):
    perk = make_perk(live_campaign, kind=PerkKind.EXPERIENCE, codes=0, title="Roastery visit")
    member = eligible()
    made, _ = claim(perk, member)
    with pytest.raises(ClaimNotCancellable, match="not your claim"):
        claim_cancel(claim=made, member=eligible())
    cancelled = claim_cancel(claim=made, member=member)
    assert cancelled.status == ClaimStatus.CANCELLED and cancelled.cancelled_at
    perk.refresh_from_db()
    assert perk.claimed_count == 0
    again, new = claim(perk, member)  # a cancelled claim does not block a new one
    assert new and again.pk != made.pk
    with pytest.raises(ClaimNotCancellable):
        claim_cancel(claim=cancelled, member=member)


def test_fulfilled_code_claims_cannot_be_cancelled(
    perk, eligible, django_capture_on_commit_callbacks
):
    member = eligible()
    with django_capture_on_commit_callbacks(execute=True):
        made, _ = claim(perk, member)
    made.refresh_from_db()
    assert made.status == ClaimStatus.FULFILLED
    with pytest.raises(ClaimNotCancellable, match="fulfilled"):
        claim_cancel(claim=made, member=member)


def _race(perk, members_and_keys):
    barrier = threading.Barrier(len(members_and_keys))
    outcomes = []

    def attempt(member, key):
        try:
            barrier.wait()
            made, new = perk_claim(perk=perk, member=member, idempotency_key=key)
            outcomes.append(("ok", made.pk, new))
        except (PerkSoldOut, AlreadyClaimed) as error:
            outcomes.append((error.code, None, False))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=mk) for mk in members_and_keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_64_threads_claim_10_units_exactly_10_claims_10_distinct_codes(live_campaign, eligible):
    perk = make_perk(live_campaign, quantity=10, codes=10)
    members = [eligible() for _ in range(64)]
    outcomes = _race(perk, [(m, uuid.uuid4().hex) for m in members])
    assert sum(1 for o in outcomes if o[0] == "ok") == 10
    assert sum(1 for o in outcomes if o[0] == "perk_sold_out") == 54
    claims = Claim.objects.filter(perk=perk)
    assert claims.count() == 10
    assert claims.values("member").distinct().count() == 10
    codes = PerkCode.objects.filter(perk=perk, claim__isnull=False)
    assert codes.count() == 10 and codes.values("code").distinct().count() == 10
    perk.refresh_from_db()
    assert perk.claimed_count == 10


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_every_member_retries_at_once_still_one_claim_each(live_campaign, eligible):
    """32 members each send their claim twice at the same moment (same key) and once more
    with a fresh key: 10 units, 10 claims, nobody twice."""
    perk = make_perk(live_campaign, quantity=10, codes=10)
    members = [eligible() for _ in range(32)]
    attempts = []
    for m in members:
        key = uuid.uuid4().hex
        attempts += [(m, key), (m, key), (m, uuid.uuid4().hex)]
    outcomes = _race(perk, attempts)
    claims = Claim.objects.filter(perk=perk)
    assert claims.count() == 10
    assert claims.values("member").distinct().count() == 10
    assert (
        PerkCode.objects.filter(perk=perk, claim__isnull=False).values("code").distinct().count()
        == 10
    )
    assert len({o[1] for o in outcomes if o[0] == "ok"}) == 10  # retries got the same claim


def test_shipping_addresses_are_forgotten_after_their_retention(live_campaign, eligible):
    from datetime import timedelta

    from django.utils import timezone

    from perks.services.fulfilment import addresses_forget_due

    perk = make_perk(live_campaign, kind=PerkKind.PHYSICAL, codes=0, title="Grinder")
    made, _ = claim(perk, eligible(), shipping_name="Ada L.", shipping_address="1 Main St")
    claim_mark_fulfilled(claim=made, user=live_campaign.manager)
    assert addresses_forget_due() == 0  # fulfilled just now: kept for the brand
    Claim.objects.filter(pk=made.pk).update(
        fulfilled_at=timezone.now() - timedelta(days=perk.address_retention_days, minutes=1)
    )
    assert addresses_forget_due() == 1
    made.refresh_from_db()
    assert (made.shipping_name, made.shipping_address) == ("", "")
    assert made.address_deleted_at is not None


def test_a_shown_code_cannot_be_given_back(perk, eligible):
    """Even before the e-mail is sent, the answer showed the code: cancelling would let it
    be given to somebody else while the first member uses it."""
    member = eligible()
    made, _ = claim(perk, member)
    assert made.assigned_code
    with pytest.raises(ClaimNotCancellable, match="code has been shown"):
        claim_cancel(claim=made, member=member)
    made.refresh_from_db()
    assert made.status == ClaimStatus.CLAIMED
    assert PerkCode.objects.get(claim=made).code == made.assigned_code


def test_cancelling_deletes_the_shipping_address_at_once(live_campaign, eligible):
    perk = make_perk(live_campaign, kind=PerkKind.PHYSICAL, codes=0, title="Grinder")
    member = eligible()
    made, _ = claim(perk, member, shipping_name="Ada L.", shipping_address="1 Main St")
    cancelled = claim_cancel(claim=made, member=member)
    cancelled.refresh_from_db()
    assert (cancelled.shipping_name, cancelled.shipping_address) == ("", "")
    assert cancelled.address_deleted_at is not None


def test_code_perks_and_unconfirmed_wins_are_not_marked_fulfilled_by_hand(
    live_campaign, perk, eligible
):
    made, _ = claim(perk, eligible())
    with pytest.raises(ClaimNotCancellable, match="e-mail with its code"):
        claim_mark_fulfilled(claim=made, user=live_campaign.manager)
    physical = make_perk(live_campaign, kind=PerkKind.PHYSICAL, codes=0, title="Grinder")
    won, _ = claim(physical, eligible(), shipping_name="A", shipping_address="B")
    Claim.objects.filter(pk=won.pk).update(status=ClaimStatus.WON)
    won.refresh_from_db()
    with pytest.raises(ClaimNotCancellable, match="won cannot be fulfilled"):
        claim_mark_fulfilled(claim=won, user=live_campaign.manager)
    live_campaign.refresh_from_db()
    assert live_campaign.spent_cents == 0
