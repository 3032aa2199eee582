"""The claim's PostgreSQL path (two prepared statements) decides exactly as the ORM path,
the fulfilment outbox sends each claim once, and the claim's answer renders as DRF would."""

from __future__ import annotations

import random
import uuid
from unittest import mock

import pytest
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient

from campaigns.models import CampaignTopic, TopicMode
from campaigns.selectors.eligibility import eligibility_decide
from perks.api import ClaimOutput
from perks.errors import PerkInvalid
from perks.models import Claim, ClaimStatus, PerkKind
from perks.services.claims import perk_claim
from perks.services.fulfilment import claims_fulfil_pending, fulfilment_kick
from scoring.models import Topic, TopicHide, Visibility
from tests.campaigns.test_eligibility import scored
from tests.conftest import requires_postgres
from tests.factories import UserFactory
from tests.perks.conftest import make_perk

pytestmark = pytest.mark.django_db


def comparable(decision) -> dict:
    answer = decision.as_dict()
    answer.pop("decided_at")
    return answer


@requires_postgres
def test_the_single_query_decides_as_the_orm_on_random_members_and_targeting(live_campaign, run):
    """Random members (scores, topic scores, hidden topics, networks, visibility) against
    random targeting: the decision read in one query equals eligibility_decide's."""
    from perks.services import claims_pg

    rng = random.Random(20261201)
    topics = [Topic.objects.create(slug=f"t{i}", name=f"Topic {i}") for i in range(3)]
    members = []
    for _ in range(25):
        chosen = rng.sample(topics, rng.randint(0, 3))
        member = scored(
            run,
            rng.randint(1, 100),
            topics=[(t, rng.randint(1, 100)) for t in chosen],
            visibility=rng.choice(list(Visibility.values)),
            networks=rng.sample(["twitter", "instagram", "blog"], rng.randint(0, 2)),
        )
        for t in chosen:
            if rng.random() < 0.3:
                TopicHide.objects.create(member=member, topic=t)
        members.append(member)
    perk = make_perk(live_campaign)
    for _ in range(12):
        live_campaign.min_score = rng.randint(1, 60)
        live_campaign.max_score = rng.randint(live_campaign.min_score, 100)
        live_campaign.topic_mode = rng.choice([TopicMode.ANY, TopicMode.ALL])
        live_campaign.networks = rng.sample(["twitter", "instagram"], rng.randint(0, 1))
        live_campaign.inclusion_share_percent = rng.choice([0, 20])
        live_campaign.save()
        CampaignTopic.objects.filter(campaign=live_campaign).delete()
        for t in rng.sample(topics, rng.randint(0, 2)):
            CampaignTopic.objects.create(
                campaign=live_campaign, topic=t, min_topic_score=rng.randint(1, 90)
            )
        for member in members:
            fast = claims_pg.read(perk_id=perk.pk, key="none", member_id=member.pk)
            slow = eligibility_decide(campaign=live_campaign, member=member)
            assert comparable(fast.decision) == comparable(slow), member.pk


@requires_postgres
def test_the_single_query_finds_the_claim_of_an_idempotency_key_and_a_missing_perk(perk, eligible):
    from perks.services import claims_pg

    member = eligible()
    made, _ = perk_claim(perk=perk, member=member, idempotency_key="again")
    read = claims_pg.read(perk_id=perk.pk, key="again", user=member.user)
    assert (read.member_id, read.existing_id, read.existing_perk_id) == (
        member.pk,
        made.pk,
        perk.pk,
    )
    assert claims_pg.read(perk_id=10**9, key="x", member_id=member.pk).perk is None
    assert claims_pg.read(perk_id=perk.pk, key="x", user=UserFactory()).member_id is None


def test_a_user_without_a_member_profile_gets_one_and_a_clear_refusal(perk):
    from perks.errors import NotEligible

    user = UserFactory()
    with pytest.raises(NotEligible, match="no score yet"):
        perk_claim(perk=perk, user=user, idempotency_key="k")
    assert user.member is not None and not Claim.objects.exists()


@requires_postgres
def test_the_fast_path_returns_the_claim_as_stored_with_nothing_left_to_load(
    perk, eligible, django_assert_num_queries
):
    made, _ = perk_claim(perk=perk, member=eligible(), idempotency_key="f")
    stored = Claim.objects.get(pk=made.pk)
    with django_assert_num_queries(0):
        mine = {f.attname: getattr(made, f.attname) for f in Claim._meta.concrete_fields}
        assert made.perk == perk
    assert mine == {f.attname: getattr(stored, f.attname) for f in Claim._meta.concrete_fields}
    assert not made.get_deferred_fields() and not made._state.adding


def test_the_answer_renders_as_drf_renders_it(perk, eligible):
    made, _ = perk_claim(perk=perk, member=eligible(), idempotency_key="r")
    stored = Claim.objects.select_related("code").get(pk=made.pk)
    for claim in (made, stored):
        output = ClaimOutput(claim)
        generic = serializers.ModelSerializer.to_representation(output, claim)
        assert output.data == generic
    assert ClaimOutput(made).data["code"] == stored.code.code


def test_the_outbox_sends_each_claim_once(
    live_campaign, eligible, mailoutbox, django_capture_on_commit_callbacks
):
    physical = make_perk(live_campaign, kind=PerkKind.PHYSICAL, codes=0, title="Grinder")
    coded = make_perk(live_campaign, title="Beans")
    with mock.patch("perks.services.claims.fulfilment_kick"):  # nothing swept yet
        for perk in (physical, coded):
            perk_claim(
                perk=perk,
                member=eligible(),
                idempotency_key=uuid.uuid4().hex,
                shipping_name="Ada",
                shipping_address="1 Main St",
            )
    assert Claim.objects.filter(notified_at__isnull=True).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert claims_fulfil_pending() == 2
        assert claims_fulfil_pending() == 0  # sent once
    assert sorted(m.subject for m in mailoutbox) == ["Your perk: Beans", "Your perk: Grinder"]
    physical_claim = Claim.objects.get(perk=physical)
    assert physical_claim.status == ClaimStatus.CLAIMED and physical_claim.notified_at
    assert Claim.objects.get(perk=coded).status == ClaimStatus.FULFILLED


def test_a_burst_of_claims_schedules_one_sweep(settings, django_capture_on_commit_callbacks):
    """With a broker, the first claim of each second schedules the sweep; the rest ride on
    it (the cache's add is the gate)."""
    from django.core.cache import cache

    from perks.services.fulfilment import KICK_KEY

    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.delete(KICK_KEY)
    with mock.patch("perks.tasks.claims_fulfil_pending_task.apply_async") as scheduled:
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(5):
                fulfilment_kick()
        assert scheduled.call_count == 1
        assert scheduled.call_args.kwargs == {"countdown": 1}
        cache.delete(KICK_KEY)  # a second later
        with django_capture_on_commit_callbacks(execute=True):
            fulfilment_kick()
        assert scheduled.call_count == 2


@pytest.mark.parametrize("login", ["force_authenticate", "force_login"])  # session too
def test_api_claim_through_the_lean_path(perk, eligible, login):
    member = eligible()
    api = APIClient()
    getattr(api, login)(member.user)
    url = reverse("api_perk_claim", args=[perk.pk])
    first = api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="lean-1")
    again = api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="lean-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["code"]
    assert first.json()["code"] == again.json()["code"]
    assert Claim.objects.get().member == member


def test_a_claim_racing_the_campaigns_end_takes_nothing(perk, eligible):
    """The campaign ends between the claim's reading of the facts and its write: the write
    checks again, so no unit, code or claim is taken and the end's refund stays exact."""
    from campaigns.models import Campaign, CampaignStatus
    from perks.errors import PerkClosed
    from perks.services import claims as claims_module

    original = claims_module._check_open

    def check_then_end(p):
        original(p)
        Campaign.objects.filter(pk=p.campaign_id).update(status=CampaignStatus.ENDED)

    with (
        mock.patch.object(claims_module, "_check_open", check_then_end),
        pytest.raises(PerkClosed, match="closed a moment ago"),
    ):
        perk_claim(perk=perk, member=eligible(), idempotency_key="late")
    perk.refresh_from_db()
    assert perk.claimed_count == 0 and not Claim.objects.exists()
    assert not perk.codes.filter(claim__isnull=False).exists()


def test_a_claim_whose_mail_fails_stays_in_the_outbox_and_blocks_no_other(
    live_campaign, eligible, mailoutbox
):
    from core import tasks

    first, second = (make_perk(live_campaign, title=t) for t in ("Beans", "Mug"))
    with mock.patch("perks.services.claims.fulfilment_kick"):
        a, _ = perk_claim(perk=first, member=eligible(), idempotency_key="a")
        b, _ = perk_claim(perk=second, member=eligible(), idempotency_key="b")
    real = tasks.email_send_now

    def flaky(**kwargs):
        if "Beans" in kwargs["subject"]:
            raise OSError("mail server down")
        real(**kwargs)

    with mock.patch("core.tasks.email_send_now", flaky):
        assert claims_fulfil_pending() == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.notified_at) == (ClaimStatus.CLAIMED, None)  # tried again later
    assert b.status == ClaimStatus.FULFILLED and b.notified_at
    assert live_campaign.__class__.objects.get(pk=live_campaign.pk).spent_cents == 500
    assert claims_fulfil_pending() == 1  # the server is back
    assert [m.subject for m in mailoutbox] == ["Your perk: Mug", "Your perk: Beans"]


def test_a_claim_the_brand_fulfilled_before_the_sweep_still_gets_its_mail(
    live_campaign, eligible, mailoutbox
):
    from perks.services.fulfilment import claim_mark_fulfilled

    grinder = make_perk(live_campaign, kind=PerkKind.PHYSICAL, codes=0, title="Grinder")
    with mock.patch("perks.services.claims.fulfilment_kick"):
        made, _ = perk_claim(
            perk=grinder,
            member=eligible(),
            idempotency_key="g",
            shipping_name="Ada",
            shipping_address="1 Main St",
        )
    claim_mark_fulfilled(claim=made, user=live_campaign.manager)
    assert claims_fulfil_pending() == 1
    assert claims_fulfil_pending() == 0
    assert [m.subject for m in mailoutbox] == ["Your perk: Grinder"]
    spent = live_campaign.__class__.objects.get(pk=live_campaign.pk).spent_cents
    assert spent == 500  # charged once, by the brand's marking


def test_one_idempotency_key_for_two_perks_at_once_never_returns_the_other_perks_claim(
    perk, eligible
):
    """Two requests with one key for two perks: the second, refused by the key's unique
    constraint, is told the key belongs to another perk (not handed that claim)."""
    from perks.services import claims as claims_module

    member = eligible()
    other = make_perk(perk.campaign, title="Mug")
    original = claims_module._existing
    calls = {"n": 0}

    def racing(member_id, key):
        calls["n"] += 1
        if calls["n"] == 1:  # the first look finds nothing: the other request is in flight
            return None
        return original(member_id, key)

    perk_claim(perk=other, member=member, idempotency_key="same")
    if claims_module.connection.vendor == "postgresql":
        pytest.skip("the single-query read sees the key at once; covered on SQLite")
    with (
        mock.patch.object(claims_module, "_existing", racing),
        pytest.raises(PerkInvalid, match="another perk"),
    ):
        perk_claim(perk=perk, member=member, idempotency_key="same")


def token_of(user) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


def token_client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_of(user)}")
    return api


def test_a_claim_by_api_token_is_made_and_replayed(perk, eligible):
    """The claim's own token lookup: a claim by token is made and replayed by its key. On
    PostgreSQL the token is found by the claim's read: one read per claim, handed to the
    claim, and no token query of its own."""
    from django.db import connection

    from perks.services import claims_pg

    member = eligible()
    api = token_client(member.user)
    url = reverse("api_perk_claim", args=[perk.pk])
    orm_sql = []
    with (
        connection.execute_wrapper(lambda run, sql, *a: orm_sql.append(sql) or run(sql, *a)),
        mock.patch.object(claims_pg, "read", wraps=claims_pg.read) as read,
    ):
        first = api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="tok-1")
    again = api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY=" tok-1 ")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["code"]
    assert Claim.objects.get().member == member
    token_lookups = [sql for sql in orm_sql if "authtoken_token" in sql]
    if connection.vendor == "postgresql":
        assert not token_lookups
        assert [c.kwargs["token"] for c in read.call_args_list] == [
            api._credentials["HTTP_AUTHORIZATION"].split()[1]
        ]
    else:
        assert len(token_lookups) == 1 and not read.called


def test_calls_on_the_claim_url_that_make_no_claim_cost_no_claim_read(perk, eligible):
    """Another method, or a claim without a usable key, is authenticated as usual (no
    claim read) and answered as before."""
    from perks.services import claims_pg

    api = token_client(eligible().user)
    url = reverse("api_perk_claim", args=[perk.pk])
    with mock.patch.object(claims_pg, "read", wraps=claims_pg.read) as read:
        answers = [
            api.get(url).status_code,
            api.post(url, {}, format="json").status_code,
            api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY=" ").status_code,
            api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 65).status_code,
        ]
    assert answers == [405, 400, 400, 400]
    assert not read.called and not Claim.objects.exists()


def test_a_claim_by_token_of_a_perk_that_does_not_exist_is_not_found(eligible):
    api = token_client(eligible().user)
    url = reverse("api_perk_claim", args=[10**9])
    answer = api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert answer.status_code == 404 and not Claim.objects.exists()


@pytest.mark.parametrize("case", ["unknown", "inactive"])
def test_a_claim_with_a_bad_token_is_refused_as_everywhere_else_and_takes_nothing(
    perk, eligible, case
):
    member = eligible()
    if case == "unknown":
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
        expected = "Invalid token."
    else:
        api = token_client(member.user)
        member.user.is_active = False
        member.user.save()
        expected = "User inactive or deleted."
    url = reverse("api_perk_claim", args=[perk.pk])
    answer = api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    ping = api.get(reverse("api_ping"))
    assert (answer.status_code, ping.status_code) == (401, 401)
    assert answer.json() == ping.json() and answer.json()["error"]["message"] == expected
    assert answer["WWW-Authenticate"] == ping["WWW-Authenticate"] == "Token"
    perk.refresh_from_db()
    assert perk.claimed_count == 0 and not Claim.objects.exists()


def test_a_token_user_without_a_member_profile_is_refused_as_by_session(perk):
    url = reverse("api_perk_claim", args=[perk.pk])
    by_token = token_client(UserFactory()).post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    session = APIClient()
    user = UserFactory()
    session.force_login(user)
    by_session = session.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert by_token.status_code == by_session.status_code == 403
    assert by_token.json() == by_session.json()
    assert "no score yet" in by_token.json()["error"]["message"]
    assert user.member is not None and not Claim.objects.exists()


@requires_postgres
def test_the_read_by_token_loads_the_user_and_decides_as_the_read_by_member(perk, eligible):
    from django.contrib.auth import get_user_model

    from perks.services import claims_pg

    member = eligible()
    key = token_of(member.user)
    by_token = claims_pg.read(perk_id=perk.pk, key="k", token=key)
    by_member = claims_pg.read(perk_id=perk.pk, key="k", member_id=member.pk)
    stored = get_user_model().objects.get(pk=member.user_id)
    fields = get_user_model()._meta.concrete_fields
    assert {f.attname: getattr(by_token.token.user, f.attname) for f in fields} == {
        f.attname: getattr(stored, f.attname) for f in fields
    }
    assert not by_token.token.user.get_deferred_fields()
    assert (by_token.token.key, by_token.token.user_id) == (key, member.user_id)
    assert by_token.token.created == stored.auth_token.created
    assert by_token.member_id == by_member.member_id == member.pk
    assert comparable(by_token.decision) == comparable(by_member.decision)
    assert claims_pg.token_read_supported()
    nobody = claims_pg.read(perk_id=perk.pk, key="k", token="f" * 40)
    assert (nobody.token, nobody.member_id) == (None, None)


@requires_postgres
@pytest.mark.parametrize("differs", ["perk", "key", "user"])
def test_a_read_made_ahead_is_used_only_for_its_own_perk_key_and_user(perk, eligible, differs):
    """A read made by the token lookup is used by the claim only for the same perk, key and
    user; otherwise the claim reads again."""
    from perks.services import claims_pg

    member, other = eligible(), eligible()
    second = make_perk(perk.campaign, title="Mug")
    ahead = claims_pg.read(perk_id=perk.pk, key="k", token=token_of(member.user))
    claim = {"perk": perk.pk, "user": member.user, "idempotency_key": "k"}
    claim.update(
        {"perk": {"perk": second.pk}, "key": {"idempotency_key": "k2"}, "user": {}}[differs]
    )
    if differs == "user":
        claim["user"] = other.user
    with mock.patch.object(claims_pg, "read", wraps=claims_pg.read) as read:
        made, _ = perk_claim(prefetched=ahead, **claim)
    assert read.call_count == 1  # read again
    assert (made.perk_id, made.member.user) == (claim["perk"], claim["user"])
    with mock.patch.object(claims_pg, "read", wraps=claims_pg.read) as read:
        third = make_perk(perk.campaign, title="Cup")
        own = claims_pg.read(perk_id=third.pk, key="m", token=token_of(member.user))
        made, _ = perk_claim(perk=third.pk, user=member.user, idempotency_key="m", prefetched=own)
    assert read.call_count == 1  # its own read (made above), used as it is
    assert (made.perk_id, made.member_id) == (third.pk, member.pk)
