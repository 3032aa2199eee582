"""Mastodon notifications followed live (streaming, or polling where the instance does not
stream) against the local fake instance: exact acts and times, the mark moved only with what
it covers, nothing lost or doubled across a stop and restart, consent and disconnect."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from core.sealing import seal
from scoring.connectors import mastodon as connector
from scoring.models import Action, NetworkAccount, NetworkSession, StreamCursor, SyncState
from scoring.services import mastodon_stream
from scoring.services.mastodon_stream import AccountFollower, MastodonStreams, mastodon_mark
from scoring.services.members import network_account_disconnect
from tests.factories import OptedInMemberFactory
from tests.scoring.mastodon_streaming_fake import StreamingMastodonFake

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance(settings):
    fake = StreamingMastodonFake().start()
    settings.MASTODON_ALLOW_HTTP = True
    yield fake
    fake.stop()


@pytest.fixture
def world(instance):
    ana = instance.account("ana")
    bob = instance.account("bob", domain="other.example")
    cy = instance.account("cy")
    first = instance.status(ana, "Morning #coffee", datetime.now(UTC) - timedelta(days=1))
    instance.favourite(first, bob, datetime.now(UTC) - timedelta(hours=5))
    return {"ana": ana, "bob": bob, "cy": cy, "first": first}


@pytest.fixture
def account(instance, world):
    """Ana's account as a finished first sync leaves it: its mark on the newest
    notification, which was stored."""
    member = OptedInMemberFactory()
    address = f"ana@{connector.domain_of(instance.url)}"
    account = NetworkAccount.objects.create(
        member=member, network="mastodon", external_id=address, handle=f"@{address}", source="oauth"
    )
    token = instance.token_for(world["ana"])
    access = json.dumps({"instance": instance.url, "token": token})
    NetworkSession.objects.create(account=account, sealed=seal(access))
    newest = max(instance.notifications_of(world["ana"]), key=lambda n: int(n.id))
    SyncState.objects.create(account=account, status="ok", cursor={"done": True, "seen": newest.id})
    return account


def _later(seconds: float, act) -> threading.Timer:
    timer = threading.Timer(seconds, act)
    timer.start()
    return timer


def _follow(account, *, until, poll_seconds=0.05, limit=10.0) -> AccountFollower:
    """Run the follower in this thread (its database work stays in the test's transaction)
    until ``until(follower)`` or ``limit`` seconds."""
    started = time.monotonic()
    follower = AccountFollower(account.pk, stop=lambda: None, poll_seconds=poll_seconds)
    follower.stop = lambda: until(follower) or time.monotonic() - started > limit
    follower.run()
    return follower


def _kinds(account) -> list[tuple[str, str]]:
    rows = Action.objects.filter(subject=account).order_by("occurred_at")
    return [(a.kind, a.content.external_id if a.content else "") for a in rows]


def test_the_stream_stores_each_new_act_with_its_own_time(account, instance, world):
    at = datetime.now(UTC).replace(microsecond=0)
    _later(0.3, lambda: instance.favourite(world["first"], world["cy"], at))
    follower = _follow(account, until=lambda f: f.stored >= 1)
    assert follower.streaming is True and instance.streams_opened == 1
    stored = Action.objects.get(subject=account)
    assert (stored.kind, stored.occurred_at) == ("like", at)
    mark = StreamCursor.objects.get(name=f"mastodon:{account.pk}").position
    assert str(mark) == mastodon_mark(account.pk)
    assert SyncState.objects.get(account=account).cursor == {"done": True, "seen": str(mark)}


def test_replies_and_mentions_arrive_as_such(account, instance, world):
    now = datetime.now(UTC)
    _later(0.2, lambda: instance.reply(world["first"], world["bob"], "Nice!", now))
    _later(0.3, lambda: instance.mention(world["cy"], world["ana"], "@ana hi", now))
    _follow(account, until=lambda f: f.stored >= 2)
    assert sorted(kind for kind, _ in _kinds(account)) == ["mention", "reply"]
    reply = Action.objects.get(subject=account, kind="reply")
    assert reply.content.external_id == world["first"].id


def test_acts_made_while_stopped_are_read_on_restart_and_none_twice(account, instance, world):
    now = datetime.now(UTC)
    _later(0.2, lambda: instance.favourite(world["first"], world["cy"], now))
    _follow(account, until=lambda f: f.stored >= 1)
    instance.reblog(world["first"], world["cy"], now + timedelta(seconds=1))  # while stopped
    instance.reblog(world["first"], world["bob"], now + timedelta(seconds=2))
    again = _follow(account, until=lambda f: f.stored >= 2)
    assert again.stored == 2
    assert sorted(kind for kind, _ in _kinds(account)) == ["like", "share", "share"]
    third = _follow(account, until=lambda f: instance.streams_opened >= 3)
    assert third.stored == 0 and Action.objects.filter(subject=account).count() == 3


def test_a_dropped_stream_is_reconnected_and_loses_nothing(account, instance, world):
    now = datetime.now(UTC)
    _later(0.3, instance.drop_streams)
    _later(0.5, lambda: instance.favourite(world["first"], world["cy"], now))
    follower = _follow(account, until=lambda f: f.stored >= 1)
    assert follower.stored == 1 and instance.streams_opened >= 2


def test_an_instance_that_does_not_stream_is_polled(account, instance, world):
    instance.streaming = False
    now = datetime.now(UTC)
    _later(0.3, lambda: instance.favourite(world["first"], world["cy"], now))
    follower = _follow(account, until=lambda f: f.stored >= 1)
    assert follower.streaming is False and follower.stored == 1
    assert instance.calls("notifications") >= 2  # the catch-up, then at least one poll


def test_a_member_who_opts_out_gets_nothing_stored(account, instance, world):
    account.member.opted_in_at = None
    account.member.save(update_fields=["opted_in_at"])
    instance.favourite(world["first"], world["cy"], datetime.now(UTC))
    follower = _follow(account, until=lambda f: False, limit=2.0)
    assert follower.stored == 0 and not Action.objects.filter(subject=account).exists()


def test_a_disconnected_account_ends_its_follower(account, instance, world):
    now = datetime.now(UTC)
    _later(0.2, lambda: instance.favourite(world["first"], world["cy"], now))
    _follow(account, until=lambda f: f.stored >= 1)
    network_account_disconnect(account=account)
    instance.favourite(world["first"], world["bob"], now + timedelta(seconds=1))
    started = time.monotonic()
    AccountFollower(account.pk, stop=lambda: time.monotonic() - started > 5).run()
    assert time.monotonic() - started < 5  # it ended by itself
    assert not Action.objects.filter(network="mastodon").exists()


def test_a_revoked_token_ends_the_follower(account, instance, world):
    instance.revoked.update(instance.tokens)
    started = time.monotonic()
    AccountFollower(account.pk, stop=lambda: time.monotonic() - started > 5).run()
    assert time.monotonic() - started < 5


@pytest.mark.django_db(transaction=True)
def test_the_command_follows_every_connected_account(account, instance, world, monkeypatch):
    monkeypatch.setattr(mastodon_stream, "WATCH_REFRESH", 0.2)
    now = datetime.now(UTC)
    _later(1.0, lambda: instance.favourite(world["first"], world["cy"], now))
    stored = threading.Event()  # set by the follower's thread: the main thread reads no table
    real = mastodon_stream.mastodon_notification_store

    def store_and_tell(**kwargs):
        summary = real(**kwargs)
        if summary is not None and summary.stored:
            stored.set()
        return summary

    monkeypatch.setattr(mastodon_stream, "mastodon_notification_store", store_and_tell)
    deadline = time.monotonic() + 10
    streams = MastodonStreams(stop=lambda: stored.is_set() or time.monotonic() > deadline)
    streams.run()
    assert Action.objects.filter(subject_id=account.pk, kind="like").count() == 1
    assert account.pk in streams.threads


def test_the_management_command_stops_on_sigterm_like_stop(monkeypatch):
    seen = {}

    class Once(MastodonStreams):
        def run(self):
            seen["stop"] = self.stop()
            self.threads = {}

    monkeypatch.setattr("scoring.management.commands.stream_mastodon.MastodonStreams", Once)
    call_command("stream_mastodon", "--poll-seconds", "5")
    assert seen == {"stop": False}
