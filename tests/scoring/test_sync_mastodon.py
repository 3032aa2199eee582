"""Mastodon end to end against a local fake instance (tests/scoring/mastodon_fake.py): OAuth
on the member's instance, the sync's notifications and walk, pagination, faults, resume,
disconnect. No test reaches a real instance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.connectors import mastodon as connector
from scoring.connectors.mastodon_oauth import instance_url
from scoring.ingest.records import actor_key
from scoring.models import (
    Action,
    AnonymousActor,
    Content,
    MastodonApp,
    NetworkAccount,
    SyncState,
    SyncStatus,
)
from scoring.services import sync
from scoring.services.members import network_account_disconnect
from tests.db_dump import database_dump
from tests.factories import OptedInMemberFactory
from tests.scoring.mastodon_fake import MastodonFake

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance(settings):
    fake = MastodonFake().start()
    settings.MASTODON_ALLOW_HTTP = True
    yield fake
    fake.stop()


@pytest.fixture
def people(instance):
    """Ana (who connects) with three statuses in the window and one older. Bob is on another
    instance, Cy on Ana's; Dee (another instance) is a member too."""
    now = datetime.now(UTC)
    ana = instance.account("ana")
    bob = instance.account("bob", domain="other.example")
    cy = instance.account("cy")
    dee = instance.account("dee", domain="dee.example")
    first = instance.status(ana, "Flat white ☕ #coffee", now - timedelta(days=3), tags=["coffee"])
    instance.favourite(first, bob, now - timedelta(days=2))
    instance.favourite(first, cy, now - timedelta(days=1))
    instance.favourite(first, dee, now - timedelta(hours=9))
    instance.reblog(first, bob, now - timedelta(days=2, hours=3))
    instance.reply(first, cy, "Where is this?", now - timedelta(days=2, hours=1))
    second = instance.status(ana, "Nothing happened here", now - timedelta(days=10))
    third = instance.status(ana, "Espresso notes", now - timedelta(days=30))
    instance.favourite(third, cy, now - timedelta(days=29))
    old = instance.status(ana, "Too old to count", now - timedelta(days=200))
    instance.favourite(old, bob, now - timedelta(days=199))
    instance.signed_in = ana
    return {"ana": ana, "bob": bob, "cy": cy, "dee": dee, "statuses": [first, second, third]}


def _connect(client, instance, capture, *, follow_approval=True):
    """The member's journey: the form, the instance's approval page, back to us."""
    response = client.post(reverse("mastodon_connect"), {"instance": instance.url})
    assert response.status_code == 302, response.content
    approval = response["Location"]
    assert approval.startswith(f"{instance.url}/oauth/authorize?")
    if not follow_approval:
        return approval
    back = requests.get(approval, allow_redirects=False, timeout=5).headers["Location"]
    parts = urlsplit(back)
    with capture(execute=True):
        return client.get(f"{parts.path}?{parts.query}")


@pytest.fixture
def connected(client, instance, people, opted_in_member, django_capture_on_commit_callbacks):
    client.force_login(opted_in_member.user)
    response = _connect(client, instance, django_capture_on_commit_callbacks)
    account = NetworkAccount.objects.get(member=opted_in_member, network="mastodon")
    assert response["Location"] == reverse("network_sync", args=[account.pk])
    return account


def _address(instance, name: str) -> str:
    return f"{name}@{connector.domain_of(instance.url)}"


def _stored(account) -> list[tuple[str, str]]:
    rows = Action.objects.filter(subject=account).order_by("kind", "occurred_at")
    return [(a.kind, a.content.external_id) for a in rows.select_related("content")]


def _by(name: str):
    """The anonymous actor of a non-member, by their full address."""
    key = actor_key(settings.ACTOR_HASH_KEY, "mastodon", name)
    return AnonymousActor.objects.get(key_hash=key)


def test_connect_by_oauth_proves_the_account_and_backfills_the_window(connected, instance):
    assert (connected.external_id, connected.source) == (_address(instance, "ana"), "oauth")
    state = SyncState.objects.get(account=connected)
    assert state.status == SyncStatus.OK and state.last_synced_at is not None
    kinds = sorted(kind for kind, _ in _stored(connected))
    assert kinds == ["like"] * 4 + ["reply", "share"]
    contents = Content.objects.filter(account=connected)
    assert contents.count() == 3  # the old status is outside the window
    first = contents.get(text__startswith="Flat white")
    assert first.text == "Flat white ☕ #coffee" and "coffee" in first.tags
    assert instance.calls("apps") == 1


def test_people_are_full_addresses_and_non_members_only_keyed_hashes(connected, instance, people):
    assert AnonymousActor.objects.count() == 3  # bob, cy and dee (not a member yet)
    dump = database_dump()
    for name in ("bob", "other.example", "Where is this"):
        assert name not in dump


def test_the_access_token_and_app_secret_are_stored_sealed(connected, instance, people):
    token = next(iter(instance.tokens)) if hasattr(instance, "tokens") else None
    dump = database_dump()
    app = MastodonApp.objects.get()
    assert app.client_id in dump
    for secret in [a.client_secret for a in instance.apps.values()] + ([token] if token else []):
        assert secret not in dump


def test_a_second_sync_stores_nothing_more(connected):
    before = _stored(connected)
    state = sync.network_account_sync(account_id=connected.pk)
    assert state.status == SyncStatus.OK and state.actions_stored == 0
    assert _stored(connected) == before


def test_new_notifications_come_first_with_their_own_time(connected, instance, people):
    """A favourite after the first sync is read from the notifications, with the time it
    happened, before the walk finds it with the status's time."""
    eve = instance.account("eve", domain="eve.example")
    at = datetime.now(UTC) - timedelta(minutes=5)
    instance.favourite(people["statuses"][1], eve, at)
    instance.reply(people["statuses"][2], eve, "Great notes", at + timedelta(seconds=30))

    state = sync.network_account_sync(account_id=connected.pk)

    assert state.actions_stored == 2
    like = Action.objects.get(
        subject=connected, kind="like", actor_anonymous=_by("eve@eve.example")
    )
    assert abs((like.occurred_at - at).total_seconds()) < 1
    assert like.content.text == "Nothing happened here"
    reply = Action.objects.get(
        subject=connected, kind="reply", content__text="Espresso notes", occurred_at__gt=at
    )
    assert abs((reply.occurred_at - at).total_seconds() - 30) < 1


def test_long_lists_are_read_page_by_page(
    client, instance, people, opted_in_member, django_capture_on_commit_callbacks
):
    now = datetime.now(UTC)
    many = instance.status(people["ana"], "Popular", now - timedelta(hours=1))
    fans = [instance.account(f"fan{n}", domain="fans.example") for n in range(170)]
    for n, fan in enumerate(fans):
        instance.favourite(many, fan, now - timedelta(minutes=50 - n % 40))
    for n in range(45):
        instance.status(people["ana"], f"note {n}", now - timedelta(days=5, minutes=n))
    client.force_login(opted_in_member.user)
    _connect(client, instance, django_capture_on_commit_callbacks)
    account = NetworkAccount.objects.get(member=opted_in_member)
    assert Action.objects.filter(subject=account, content__text="Popular").count() == 170
    assert Content.objects.filter(account=account).count() == 49
    assert instance.calls("favourited_by") == 3 + 2  # 170 in pages of 80, and two statuses
    assert instance.calls("account_statuses") == 2  # 49 in pages of 40


def test_rate_limited_mid_run_stops_then_resumes_from_its_cursor(
    client, instance, people, opted_in_member, django_capture_on_commit_callbacks, settings
):
    settings.SYNC_CONCURRENCY = 1
    instance.faults.append(("reblogged_by", 429, {}))
    client.force_login(opted_in_member.user)
    _connect(client, instance, django_capture_on_commit_callbacks)
    account = NetworkAccount.objects.get(member=opted_in_member)
    state = SyncState.objects.get(account=account)
    assert state.status == SyncStatus.RATE_LIMITED and "Rate limited until" in state.detail
    assert state.retry_at > datetime.now(UTC)
    assert state.cursor["phase"] == "statuses" and state.cursor["part"] == 1
    assert Action.objects.filter(subject=account).count() == 3  # the first status's favourites
    SyncState.objects.filter(pk=state.pk).update(retry_at=None)
    favourites_calls = instance.calls("favourited_by")
    state = sync.network_account_sync(account_id=account.pk)
    # Dee's favourite was the newest notification: the walk does not hand it over again.
    assert state.status == SyncStatus.OK and state.duplicates == 0
    assert instance.calls("favourited_by") == favourites_calls + 1  # only the third status
    assert sorted(k for k, _ in _stored(account)) == ["like"] * 4 + ["reply", "share"]


def test_a_server_error_keeps_the_cursor_for_the_retry(connected, instance, people):
    eve = instance.account("eve", domain="eve.example")
    instance.favourite(people["statuses"][0], eve, datetime.now(UTC) - timedelta(minutes=1))
    instance.faults.append(("context", 503, {}))
    with pytest.raises(connector.Unavailable):
        sync.network_account_sync(account_id=connected.pk)
    state = SyncState.objects.get(account=connected)
    assert state.status == SyncStatus.RETRYING and state.cursor["phase"] == "statuses"
    state = sync.network_account_sync(account_id=connected.pk)
    assert state.status == SyncStatus.OK


def test_a_revoked_token_asks_to_connect_again(connected, instance):
    for token in list(getattr(instance, "tokens", {})):
        instance.revoke(token)
    state = sync.network_account_sync(account_id=connected.pk)
    assert state.status == SyncStatus.SESSION_EXPIRED
    assert "connect again" in state.detail.lower()


def test_a_status_deleted_mid_sync_is_skipped_and_noted(
    client, instance, people, opted_in_member, django_capture_on_commit_callbacks, settings
):
    settings.SYNC_CONCURRENCY = 1
    real = connector._Walk._favourites

    def deleting(walk, status, after):
        if str(status["id"]) == people["statuses"][2].id:
            instance.delete(people["statuses"][2])
        return real(walk, status, after)

    connector._Walk._favourites = deleting
    try:
        client.force_login(opted_in_member.user)
        _connect(client, instance, django_capture_on_commit_callbacks)
    finally:
        connector._Walk._favourites = real
    state = SyncState.objects.get(account__member=opted_in_member)
    assert state.status == SyncStatus.OK
    assert any("deleted" in note for note in state.notes)


def test_an_account_with_no_statuses(
    client, instance, opted_in_member, django_capture_on_commit_callbacks
):
    instance.signed_in = instance.account("quiet")
    client.force_login(opted_in_member.user)
    _connect(client, instance, django_capture_on_commit_callbacks)
    state = SyncState.objects.get(account__member=opted_in_member)
    assert state.status == SyncStatus.OK and state.actions_stored == 0


def test_a_refused_approval_connects_nothing(
    client, instance, people, opted_in_member, django_capture_on_commit_callbacks
):
    instance.deny = True
    client.force_login(opted_in_member.user)
    response = _connect(client, instance, django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("mastodon_connect")
    page = client.get(response["Location"]).content.decode()
    assert "not approved" in page
    assert not NetworkAccount.objects.exists()


def test_an_approval_started_by_another_member_is_refused(
    client, instance, people, opted_in_member, django_capture_on_commit_callbacks
):
    """The one-time state is bound to who started: a link made by an attacker, opened by
    their victim, links nothing to anyone."""
    attacker = OptedInMemberFactory()
    client.force_login(attacker.user)
    approval = _connect(client, instance, django_capture_on_commit_callbacks, follow_approval=False)
    back = requests.get(approval, allow_redirects=False, timeout=5).headers["Location"]
    client.force_login(opted_in_member.user)
    parts = urlsplit(back)
    response = client.get(f"{parts.path}?{parts.query}")
    assert response["Location"] == reverse("mastodon_connect")
    assert not NetworkAccount.objects.exists()
    assert instance.calls("token") == 0


def test_the_state_is_used_once(
    client, instance, people, opted_in_member, django_capture_on_commit_callbacks
):
    client.force_login(opted_in_member.user)
    approval = _connect(client, instance, django_capture_on_commit_callbacks, follow_approval=False)
    back = urlsplit(requests.get(approval, allow_redirects=False, timeout=5).headers["Location"])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"{back.path}?{back.query}")
    again = client.get(f"{back.path}?{back.query}")
    assert again["Location"] == reverse("mastodon_connect")
    assert NetworkAccount.objects.count() == 1


@pytest.mark.parametrize(
    "typed", ["not a domain", "ftp://mastodon.social", "", "mastodon", "https://-x-.example"]
)
def test_a_bad_instance_is_a_form_error_naming_the_field(client, opted_in_member, typed):
    client.force_login(opted_in_member.user)
    response = client.post(reverse("mastodon_connect"), {"instance": typed})
    assert response.status_code == 200
    assert 'id="id_instance"' in response.content.decode()
    assert "error" in response.content.decode()
    assert not MastodonApp.objects.exists()


def test_instance_addresses_are_read_as_members_type_them():
    assert instance_url("mastodon.social") == "https://mastodon.social"
    assert instance_url("@ana@Mastodon.Social") == "https://mastodon.social"
    assert instance_url("https://hachyderm.io/") == "https://hachyderm.io"
    with pytest.raises(ValueError):
        instance_url("http://mastodon.social")  # tokens never go over http
    assert instance_url("http://127.0.0.1:8765", allow_http=True).endswith(":8765")


def test_the_app_is_registered_once_per_instance(
    client, instance, people, django_capture_on_commit_callbacks
):
    for _ in range(2):
        member = OptedInMemberFactory()
        client.force_login(member.user)
        client.post(reverse("mastodon_connect"), {"instance": instance.url})
    assert instance.calls("apps") == 1 and MastodonApp.objects.count() == 1


def test_api_answers_the_url_to_approve(instance, people, opted_in_member):
    api = APIClient()
    api.force_authenticate(opted_in_member.user)
    response = api.post(reverse("api_mastodon"), {"instance": instance.url}, format="json")
    assert response.status_code == 200
    url = response.json()["authorize_url"]
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["read"] and query["state"][0]
    bad = api.post(reverse("api_mastodon"), {"instance": "no"}, format="json")
    assert bad.status_code == 400 and "instance" in bad.json()["error"]["fields"]


def test_disconnect_deletes_everything_it_brought(connected):
    assert Action.objects.filter(subject=connected).exists()
    network_account_disconnect(account=connected)
    assert not NetworkAccount.objects.filter(pk=connected.pk).exists()
    assert not Action.objects.filter(subject_id=connected.pk).exists()
    assert not Content.objects.filter(account_id=connected.pk).exists()
    assert not SyncState.objects.exists()


@pytest.mark.parametrize("concurrency", [1, 3])
@pytest.mark.parametrize("kill_after", range(7))  # the walk has 7 pages
def test_killed_after_any_page_resumes_without_gap_or_double(
    client,
    instance,
    people,
    opted_in_member,
    monkeypatch,
    kill_after,
    concurrency,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.SYNC_CONCURRENCY = concurrency
    monkeypatch.setattr(sync, "BATCH_PAGES", 1)  # a cursor stored after every page
    real = sync.connector_for

    def dying(account):
        inner = real(account)

        class Dying:
            def pages(self, **kwargs):
                for number, page in enumerate(inner.pages(**kwargs)):
                    if number == kill_after:
                        raise RuntimeError("killed")
                    yield page

        return Dying()

    monkeypatch.setattr(sync, "connector_for", dying)
    client.force_login(opted_in_member.user)
    with pytest.raises(RuntimeError, match="killed"):
        _connect(client, instance, django_capture_on_commit_callbacks)
    account = NetworkAccount.objects.get(member=opted_in_member)
    monkeypatch.setattr(sync, "connector_for", real)
    SyncState.objects.filter(account=account).update(status=SyncStatus.RETRYING)
    state = sync.network_account_sync(account_id=account.pk)
    assert state.status == SyncStatus.OK
    assert sorted(k for k, _ in _stored(account)) == ["like"] * 4 + ["reply", "share"]
    assert Content.objects.filter(account=account).count() == 3


def test_the_statement_names_mastodon(connected):
    from scoring.models import ActionKind
    from scoring.selectors.members import member_activity_summary

    labels = dict(ActionKind.choices)
    summary = member_activity_summary(member=connected.member)
    assert summary.by_network_kind == {
        "Mastodon": {labels["like"]: 4, labels["reply"]: 1, labels["share"]: 1}
    }


def test_many_new_notifications_are_read_page_after_page_oldest_first(connected, instance, people):
    now = datetime.now(UTC)
    fans = [instance.account(f"fan{n}", domain="fans.example") for n in range(130)]
    for n, fan in enumerate(fans):
        instance.favourite(people["statuses"][1], fan, now - timedelta(minutes=200 - n))
    calls = instance.calls("notifications")

    state = sync.network_account_sync(account_id=connected.pk)

    assert state.actions_stored == 130
    assert instance.calls("notifications") == calls + 3  # 80, 50, then none newer
    first = Action.objects.get(subject=connected, actor_anonymous=_by("fan0@fans.example"))
    assert abs((first.occurred_at - (now - timedelta(minutes=200))).total_seconds()) < 1
    assert SyncState.objects.get(account=connected).cursor["done"] is True
