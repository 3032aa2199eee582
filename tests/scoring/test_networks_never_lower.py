"""PRODUCT.md property 3 through the whole product, not only the engine: a member who
connects another network (OAuth on a fake Mastodon instance, a sync, a score run at the same
time and version) never sees anyone's score or component fall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from scoring.connectors.mastodon import domain_of
from scoring.models import MemberScore, NetworkAccount, SyncState
from scoring.services import sync
from scoring.services.runs.execute import score_run_execute, score_run_start
from tests.factories import OptedInMemberFactory
from tests.scoring.mastodon_fake import MastodonFake

pytestmark = pytest.mark.django_db(transaction=False)
COMPONENTS = ("score", "true_reach", "amplification", "network_impact", "raw")

# An act on one of Ana's Mastodon statuses: (who of five people, which of three statuses,
# favourite / reblog / reply, how many hours ago). Person 0 is a member.
acts = st.lists(
    st.tuples(
        st.integers(0, 4),
        st.integers(0, 2),
        st.sampled_from(["favourite", "reblog", "reply"]),
        st.integers(1, 24 * 60),
    ),
    max_size=12,
)


def _scores(as_of: datetime) -> dict[int, tuple]:
    run = score_run_execute(run_id=score_run_start(as_of=as_of).pk)
    assert run.status == "complete", run.error
    rows = MemberScore.objects.filter(run=run)
    return {row.member_id: tuple(getattr(row, name) for name in COMPONENTS) for row in rows}


def _mastodon_connect(member, instance: MastodonFake) -> NetworkAccount:
    client = Client()
    client.force_login(member.user)
    approval = client.post("/settings/networks/mastodon/connect/", {"instance": instance.url})
    back = requests.get(approval["Location"], allow_redirects=False, timeout=5)
    parts = urlsplit(back.headers["Location"])
    client.get(f"{parts.path}?{parts.query}")
    account = NetworkAccount.objects.get(member=member, network="mastodon")
    sync.network_account_sync(account_id=account.pk)  # queued on commit: run it here
    return account


@examples(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(acts=acts)
def test_connecting_mastodon_never_lowers_anyones_score(acts, connected, opted_in_member, settings):
    settings.SCORE_CALIBRATION_MIN_MEMBERS = 1
    settings.MASTODON_ALLOW_HTTP = True
    as_of = datetime.now(UTC)
    instance = MastodonFake().start()
    try:
        with transaction.atomic():
            before = _scores(as_of)
            ana = instance.account("ana")
            people = [instance.account(f"p{n}", domain="elsewhere.example") for n in range(5)]
            member = OptedInMemberFactory()  # person 0 is a member on Mastodon
            NetworkAccount.objects.create(
                member=member,
                network="mastodon",
                external_id="p0@elsewhere.example",
                source=NetworkAccount.Source.OAUTH,
            )
            statuses = [
                instance.status(ana, f"status {n}", as_of - timedelta(days=n + 2)) for n in range(3)
            ]
            for who, which, verb, hours in acts:
                at = as_of - timedelta(days=which + 2) + timedelta(hours=hours % 40)
                if verb == "reply":
                    instance.reply(statuses[which], people[who], "hello", at)
                else:
                    getattr(instance, verb)(statuses[which], people[who], at)
            instance.signed_in = ana
            account = _mastodon_connect(opted_in_member, instance)
            assert account.external_id == f"ana@{domain_of(instance.url)}"
            assert SyncState.objects.get(account=account).status == "ok"
            after = _scores(as_of)
            for member_id, old in before.items():
                new = after[member_id]
                for name, b, a in zip(COMPONENTS, old, new, strict=True):
                    assert a >= b - 1e-9 * (1 + abs(b)), (member_id, name, b, a)
            if acts:  # the new network did count: the member's raw score rose
                raw = COMPONENTS.index("raw")
                assert after[opted_in_member.pk][raw] > before[opted_in_member.pk][raw]
            transaction.set_rollback(True)
    finally:
        instance.stop()


# An act on one of Ana's X posts: (who of five people, which of three posts, like / retweet /
# reply, how many hours after the post).
x_acts = st.lists(
    st.tuples(
        st.integers(0, 4),
        st.integers(0, 2),
        st.sampled_from(["like", "retweet", "reply"]),
        st.integers(1, 40),
    ),
    max_size=12,
    unique_by=lambda act: (act[0], act[1], act[2]) if act[2] != "reply" else act,
)


@examples(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(acts=x_acts)
def test_connecting_x_never_lowers_anyones_score(acts, connected, opted_in_member, settings):
    from scoring.services.network_tokens import oauth_token_keep
    from tests.scoring.x_fake import XFake

    settings.SCORE_CALIBRATION_MIN_MEMBERS = 1
    as_of = datetime.now(UTC)
    fake = XFake().start()
    settings.X_API_URL = fake.url
    try:
        with transaction.atomic():
            before = _scores(as_of)
            ana = fake.user("ana")
            people = [fake.user(f"p{n}") for n in range(5)]
            NetworkAccount.objects.create(  # person 0 is a member on X
                member=OptedInMemberFactory(),
                network="twitter",
                external_id=people[0].id,
                source=NetworkAccount.Source.OAUTH,
            )
            posts = [fake.tweet(ana, f"post {n}", as_of - timedelta(days=n + 2)) for n in range(3)]
            for who, which, verb, hours in acts:
                at = as_of - timedelta(days=which + 2) + timedelta(hours=hours)
                if verb == "reply":
                    fake.reply(posts[which], people[who], "@ana hello", at)
                elif verb == "retweet":
                    fake.retweet(posts[which], people[who], at)
                else:
                    fake.like(posts[which], people[who])
            account = NetworkAccount.objects.create(
                member=opted_in_member,
                network="twitter",
                external_id=ana.id,
                source=NetworkAccount.Source.OAUTH,
            )
            token, refresh = fake.grant(ana)
            oauth_token_keep(
                account=account, token=token, refresh=refresh, expires_at=as_of + timedelta(hours=2)
            )
            assert sync.network_account_sync(account_id=account.pk).status == "ok"
            after = _scores(as_of)
            for member_id, old in before.items():
                new = after[member_id]
                for name, b, a in zip(COMPONENTS, old, new, strict=True):
                    assert a >= b - 1e-9 * (1 + abs(b)), (member_id, name, b, a)
            if acts:
                raw = COMPONENTS.index("raw")
                assert after[opted_in_member.pk][raw] > before[opted_in_member.pk][raw]
            transaction.set_rollback(True)
    finally:
        fake.stop()
