"""X end to end against the local fake (tests/scoring/x_fake.py): connect through allauth's
OAuth 2 flow (PKCE), the token sealed and renewed, the sync's walk through the connector,
plan refusals as plain statuses, rate limits, disconnect with the token revoked. No test
reaches X."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.providers.twitter_oauth2.views import TwitterOAuth2Adapter
from django.urls import reverse

from core.sealing import seal, unseal
from scoring.models import (
    Action,
    AlgorithmVersion,
    Content,
    NetworkAccount,
    NetworkSession,
    SyncState,
    SyncStatus,
)
from scoring.services import sync
from scoring.services.members import network_account_disconnect
from tests.db_dump import database_dump
from tests.scoring.x_fake import XFake

pytestmark = pytest.mark.django_db


@pytest.fixture
def x(settings, monkeypatch):
    fake = XFake().start()
    settings.X_API_URL = fake.url
    settings.SOCIALACCOUNT_PROVIDERS = {
        "twitter_oauth2": {
            "APPS": [{"client_id": fake.client_id, "secret": fake.client_secret}],
            "SCOPE": ["tweet.read", "users.read", "like.read", "offline.access"],
        }
    }
    # allauth's adapter names X's own addresses; the test sends the browser to the fake.
    monkeypatch.setattr(TwitterOAuth2Adapter, "authorize_url", f"{fake.url}/i/oauth2/authorize")
    monkeypatch.setattr(TwitterOAuth2Adapter, "access_token_url", f"{fake.url}/2/oauth2/token")
    monkeypatch.setattr(TwitterOAuth2Adapter, "profile_url", f"{fake.url}/2/users/me")
    yield fake
    fake.stop()


@pytest.fixture
def people(x):
    now = datetime.now(UTC)
    ana, bob, cy = x.user("ana"), x.user("bob"), x.user("cy")
    first = x.tweet(ana, "Flat white ☕ #coffee", now - timedelta(days=3))
    x.like(first, bob)
    x.like(first, cy)
    x.retweet(first, bob, now - timedelta(days=2))
    x.reply(first, cy, "@ana where is this?", now - timedelta(days=2, hours=1))
    second = x.tweet(ana, "Nothing happened here", now - timedelta(days=10))
    x.tweet(ana, "Too old to count", now - timedelta(days=200))
    x.signed_in = ana
    return {"ana": ana, "bob": bob, "cy": cy, "first": first, "second": second}


def _connect(client, x, capture):
    """The member's journey through allauth: our login view, X's approval, back to us."""
    response = client.post(f"{reverse('twitter_oauth2_login')}?process=connect")
    assert response.status_code == 302, response.content
    approval = response["Location"]
    assert approval.startswith(f"{x.url}/i/oauth2/authorize?")
    back = requests.get(approval, allow_redirects=False, timeout=5).headers["Location"]
    parts = urlsplit(back)
    with capture(execute=True):
        return client.get(f"{parts.path}?{parts.query}")


@pytest.fixture
def connected(client, x, people, opted_in_member, django_capture_on_commit_callbacks):
    client.force_login(opted_in_member.user)
    _connect(client, x, django_capture_on_commit_callbacks)
    return NetworkAccount.objects.get(member=opted_in_member, network="twitter")


def _access(account) -> dict:
    return json.loads(unseal(NetworkSession.objects.get(account=account).sealed))


def _kinds(account) -> list[str]:
    return sorted(Action.objects.filter(subject=account).values_list("kind", flat=True))


def test_connecting_x_proves_the_account_and_backfills_the_window(connected, x, people):
    assert (connected.external_id, connected.source) == (people["ana"].id, "oauth")
    state = SyncState.objects.get(account=connected)
    assert state.status == SyncStatus.OK and state.last_synced_at is not None
    assert _kinds(connected) == ["like", "like", "reply", "share"]
    assert Content.objects.filter(account=connected).count() == 2  # the old post is outside
    first = Content.objects.get(account=connected, external_id=people["first"].id)
    assert first.text == "Flat white ☕ #coffee" and "coffee" in first.tags


def test_the_tokens_are_sealed_and_not_in_a_database_dump(connected, x):
    access = _access(connected)
    assert access["token"] in x.access and access["refresh"] in x.refreshers
    dump = database_dump()
    assert access["token"] not in dump and access["refresh"] not in dump


def test_an_expired_token_is_renewed_before_the_sync_and_the_new_pair_kept(connected, x):
    access = _access(connected)
    expired = {**access, "expires_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}
    NetworkSession.objects.filter(account=connected).update(sealed=seal(json.dumps(expired)))
    state = sync.network_account_sync(account_id=connected.pk)
    assert state.status == SyncStatus.OK
    renewed = _access(connected)
    assert renewed["token"] != access["token"] and renewed["refresh"] != access["refresh"]
    assert access["refresh"] not in x.refreshers  # X rotates: the old one is spent


@pytest.mark.django_db(transaction=True)
def test_a_token_expiring_mid_sync_is_renewed_and_the_walk_goes_on(
    client, x, people, opted_in_member, django_capture_on_commit_callbacks
):
    # An earlier flush (transaction=True tests) may have removed the version migrations made.
    AlgorithmVersion.objects.get_or_create(
        is_active=True, defaults={"name": "v-x", "description": "", "parameters": {}}
    )
    client.force_login(opted_in_member.user)
    x.fault("liking_users", 401)  # the first post's likers: the token has just expired
    _connect(client, x, django_capture_on_commit_callbacks)
    account = NetworkAccount.objects.get(member=opted_in_member, network="twitter")
    assert SyncState.objects.get(account=account).status == SyncStatus.OK
    assert _kinds(account) == ["like", "like", "reply", "share"]
    assert x.calls("token") == 2  # the code exchanged, then one renewal


def test_a_refused_renewal_asks_to_connect_again(connected, x):
    access = _access(connected)
    x.refreshers.clear()
    expired = {**access, "expires_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}
    NetworkSession.objects.filter(account=connected).update(sealed=seal(json.dumps(expired)))
    state = sync.network_account_sync(account_id=connected.pk)
    assert state.status == SyncStatus.SESSION_EXPIRED


def test_a_plan_refusal_is_a_plain_status_and_the_rest_still_runs(
    client, x, people, opted_in_member, django_capture_on_commit_callbacks
):
    client.force_login(opted_in_member.user)
    x.forbid("liking_users")
    _connect(client, x, django_capture_on_commit_callbacks)
    account = NetworkAccount.objects.get(member=opted_in_member, network="twitter")
    state = SyncState.objects.get(account=account)
    assert state.status == SyncStatus.OK
    assert "X did not allow reading who liked your posts on this plan" in state.notes
    assert _kinds(account) == ["reply", "share"]  # reposts and replies still read
    assert x.calls("liking_users") == 1  # asked once, not once per post
    page = client.get(reverse("network_sync", args=[account.pk]))
    assert page.status_code == 200
    assert "X did not allow reading who liked your posts on this plan" in page.content.decode()


def test_rate_limited_stops_then_resumes_from_its_cursor(connected, x, people):
    now = datetime.now(UTC)
    fans = [x.user(f"fan{n}") for n in range(3)]
    for fan in fans:
        x.like(people["second"], fan)
    x.fault("liking_users", 429, reset_in=600)
    state = sync.network_account_sync(account_id=connected.pk)
    assert state.status == SyncStatus.RATE_LIMITED
    assert state.retry_at > datetime.now(UTC) + timedelta(minutes=9)
    SyncState.objects.filter(account=connected).update(retry_at=now - timedelta(seconds=1))
    state = sync.network_account_sync(account_id=connected.pk)
    assert state.status == SyncStatus.OK
    assert _kinds(connected).count("like") == 5


def test_a_second_sync_stores_nothing_more(connected):
    before = Action.objects.count()
    state = sync.network_account_sync(account_id=connected.pk)
    assert state.status == SyncStatus.OK and Action.objects.count() == before


def test_disconnect_deletes_everything_and_revokes_the_token(
    connected, x, django_capture_on_commit_callbacks
):
    access = _access(connected)
    with django_capture_on_commit_callbacks(execute=True):
        network_account_disconnect(account=connected)
    assert not Action.objects.filter(network="twitter").exists()
    assert not Content.objects.filter(account__network="twitter").exists()
    assert x.calls("revoke") == 1 and access["refresh"] not in x.refreshers


def test_the_statement_and_activity_name_x(connected):
    from scoring.models import ActionKind
    from scoring.selectors.members import member_activity_summary

    labels = dict(ActionKind.choices)
    summary = member_activity_summary(member=connected.member)
    assert summary.by_network_kind == {
        "X/Twitter": {labels["like"]: 2, labels["reply"]: 1, labels["share"]: 1}
    }
