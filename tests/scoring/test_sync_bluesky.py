"""Bluesky accounts sync by themselves: connect by proof, backfill the window through the
official SDK against a local fake, resume after faults, store nothing twice or after a
disconnect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.db import connection

from core.sealing import unseal
from scoring.connectors import bluesky
from scoring.connectors.base import Unavailable
from scoring.errors import NetworkAccountTaken, NetworkConnectFailed, SyncTooSoon
from scoring.models import Action, AnonymousActor, Content, NetworkAccount, SyncState, SyncStatus
from scoring.services import sync
from scoring.services.members import member_opt_out, network_account_disconnect
from tests.factories import NetworkAccountFactory
from tests.scoring.conftest import PASSWORD


def _stored(account) -> list[tuple[str, str]]:
    rows = Action.objects.filter(subject=account).order_by("kind", "occurred_at")
    return [(a.kind, a.content.external_id) for a in rows.select_related("content")]


def test_bluesky_connect_proves_the_account_and_backfills_the_window(connected, world, fake):
    account = NetworkAccount.objects.get(pk=connected.pk)
    assert (account.network, account.handle, account.source) == (
        "bluesky",
        "ana.bsky.social",
        NetworkAccount.Source.SESSION,
    )
    assert account.external_id == world["ana"].did
    first, second, third = world["posts"]
    kinds = sorted(k for k, _ in _stored(account))
    assert kinds == ["like"] * 4 + ["reply"] + ["share"] * 3
    assert Content.objects.filter(account=account).count() == 3  # the old post is outside
    assert Content.objects.get(external_id=first.uri).text == "Flat white ☕ and a croissant 🥐"
    assert Content.objects.get(external_id=first.uri).tags == ["coffee"]
    assert Content.objects.get(external_id=second.uri).tags == ["quiet"]
    state = SyncState.objects.get(account=account)
    assert state.status == SyncStatus.OK and state.cursor is None and state.last_synced_at
    assert (state.actions_stored, state.posts_stored, state.duplicates) == (8, 3, 0)


def test_bluesky_sync_asks_only_for_parts_that_have_engagement(connected, fake):
    # Three posts: likes asked for two, reposts, quotes and replies for the first only.
    assert fake.calls("app.bsky.feed.getLikes") == 2
    assert fake.calls("app.bsky.feed.getRepostedBy") == 1
    assert fake.calls("app.bsky.feed.getQuotes") == 1
    assert fake.calls("app.bsky.feed.getPostThread") == 1


def test_bluesky_sync_non_members_are_keyed_hashes_only(connected, world):
    """No DID, handle or name of a non-member is stored anywhere."""
    secrets = [world["bob"].did, world["bob"].handle, "Name of bob", world["cy"].did]
    for model in apps.get_models():
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - model metadata
            text = repr(cursor.fetchall())
        assert not any(s in text for s in secrets), table
    assert AnonymousActor.objects.filter(network="bluesky").count() == 3  # bob, cy, dee


def test_bluesky_session_is_stored_sealed(connected):
    sealed = connected.network_session.sealed
    assert "eyJ" not in sealed and PASSWORD not in sealed  # no JWT, no password in clear
    assert connected.external_id in unseal(sealed)


def test_bluesky_sync_twice_stores_nothing_more(connected, django_capture_on_commit_callbacks):
    before = Action.objects.count()
    state = sync.network_account_sync(account_id=connected.pk)
    assert Action.objects.count() == before
    assert (state.status, state.actions_stored, state.duplicates) == (SyncStatus.OK, 0, 8)


def test_bluesky_sync_pages_through_long_lists(
    fake, opted_in_member, django_capture_on_commit_callbacks
):
    now = datetime.now(UTC)
    ana = fake.actor("ana.bsky.social", password=PASSWORD)
    fans = [fake.actor(f"fan{n:03d}.bsky.social") for n in range(250)]
    posts = [fake.post(ana, f"post {n}", now - timedelta(hours=n + 1)) for n in range(130)]
    posts[0].likes = [(f, now - timedelta(minutes=n)) for n, f in enumerate(fans)]
    posts[5].reposts = fans[:120]
    with django_capture_on_commit_callbacks(execute=True):
        account = sync.bluesky_connect(
            member=opted_in_member, handle="ana.bsky.social", app_password=PASSWORD
        )
    assert fake.calls("app.bsky.feed.getAuthorFeed") == 2
    assert fake.calls("app.bsky.feed.getLikes") == 3
    assert fake.calls("app.bsky.feed.getRepostedBy") == 2
    assert Action.objects.filter(subject=account, kind="like").count() == 250
    assert Action.objects.filter(subject=account, kind="share").count() == 120
    assert Content.objects.filter(account=account).count() == 130


def test_bluesky_sync_rate_limited_mid_run_waits_then_resumes_from_its_cursor(
    world, fake, opted_in_member, django_capture_on_commit_callbacks
):
    fake.fail_after["app.bsky.feed.getRepostedBy"] = 0  # the first call answers 429
    with django_capture_on_commit_callbacks(execute=False) as queued:
        account = sync.bluesky_connect(
            member=opted_in_member, handle="ana.bsky.social", app_password=PASSWORD
        )
    queued[0]()  # the first sync
    state = SyncState.objects.get(account=account)
    assert state.status == SyncStatus.RATE_LIMITED and state.retry_at > datetime.now(UTC)
    assert "Rate limited until" in state.detail
    assert state.cursor["part"] == 1  # the likes of the first post are stored
    stored_before = Action.objects.filter(subject=account).count()
    assert stored_before == 3
    SyncState.objects.filter(pk=state.pk).update(retry_at=None)  # the wait is over
    likes_calls = fake.calls("app.bsky.feed.getLikes")
    state = sync.network_account_sync(account_id=account.pk)
    assert state.status == SyncStatus.OK
    assert fake.calls("app.bsky.feed.getLikes") == likes_calls + 1  # not the first post again
    assert Action.objects.filter(subject=account).count() == 8
    assert state.duplicates == 0


def test_bluesky_sync_a_server_error_keeps_the_cursor_for_the_retry(
    world, fake, opted_in_member, django_capture_on_commit_callbacks
):
    fake.faults.append(("app.bsky.feed.getQuotes", 503, {}))
    with django_capture_on_commit_callbacks(execute=False):
        account = sync.bluesky_connect(
            member=opted_in_member, handle="ana.bsky.social", app_password=PASSWORD
        )
    with pytest.raises(Unavailable):
        sync.network_account_sync(account_id=account.pk)
    state = SyncState.objects.get(account=account)
    assert state.status == SyncStatus.RETRYING and state.cursor["part"] == 2
    state = sync.network_account_sync(account_id=account.pk)
    assert state.status == SyncStatus.OK
    assert Action.objects.filter(subject=account).count() == 8


def test_bluesky_sync_an_expired_session_stops_and_asks_to_connect_again(connected, fake):
    fake.expire_sessions()
    state = sync.network_account_sync(account_id=connected.pk)
    assert state.status == SyncStatus.SESSION_EXPIRED
    assert state.detail == "Session expired: connect again."


def test_bluesky_sync_a_deleted_post_is_skipped_and_noted(
    world, fake, opted_in_member, django_capture_on_commit_callbacks
):
    first = world["posts"][0]
    deleted = []
    original = fake._app_bsky_feed_getPostThread

    def thread(params, body, headers):  # deleted between the feed and its replies
        deleted.append(params["uri"])
        return 400, {"error": "NotFound", "message": "Post not found"}, {}

    fake._app_bsky_feed_getPostThread = thread
    with django_capture_on_commit_callbacks(execute=True):
        account = sync.bluesky_connect(
            member=opted_in_member, handle="ana.bsky.social", app_password=PASSWORD
        )
    fake._app_bsky_feed_getPostThread = original
    state = SyncState.objects.get(account=account)
    assert state.status == SyncStatus.OK
    assert deleted == [first.uri]
    assert state.notes == [f"a post was deleted before its replies were read: {first.uri}"]
    assert Action.objects.filter(subject=account, kind="reply").count() == 0


def test_bluesky_sync_an_account_with_no_posts(
    fake, opted_in_member, django_capture_on_commit_callbacks
):
    fake.actor("new.bsky.social", password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        account = sync.bluesky_connect(
            member=opted_in_member, handle="new.bsky.social", app_password=PASSWORD
        )
    state = SyncState.objects.get(account=account)
    assert (state.status, state.actions_stored, state.posts_stored) == (SyncStatus.OK, 0, 0)


def test_bluesky_connect_with_a_wrong_password_attaches_nothing(world, opted_in_member):
    with pytest.raises(NetworkConnectFailed, match="app password"):
        sync.bluesky_connect(member=opted_in_member, handle="ana.bsky.social", app_password="nope")
    assert not NetworkAccount.objects.filter(network="bluesky").exists()


def test_bluesky_connect_takes_over_an_unproven_claim_and_tells_its_holder(
    world, opted_in_member, mailoutbox, django_capture_on_commit_callbacks
):
    claim = NetworkAccountFactory(
        network="bluesky", external_id=world["ana"].did, source=NetworkAccount.Source.IMPORT
    )
    with django_capture_on_commit_callbacks(execute=True):
        account = sync.bluesky_connect(
            member=opted_in_member, handle="ana.bsky.social", app_password=PASSWORD
        )
    assert account.member == opted_in_member
    assert not NetworkAccount.objects.filter(pk=claim.pk).exists()
    told = [m for m in mailoutbox if claim.member.user.email in m.to]
    assert len(told) == 1 and "removed" in told[0].subject


def test_bluesky_connect_an_account_another_member_proved_is_refused(world, opted_in_member):
    NetworkAccountFactory(
        network="bluesky", external_id=world["ana"].did, source=NetworkAccount.Source.SESSION
    )
    with pytest.raises(NetworkAccountTaken):
        sync.bluesky_connect(
            member=opted_in_member, handle="ana.bsky.social", app_password=PASSWORD
        )


def _disconnect_after_first_page(monkeypatch, account_or_member, action):
    """``action`` runs between the first stored page and the second, as a member's click
    would land in the middle of a sync."""
    monkeypatch.setattr(sync, "BATCH_PAGES", 1)  # each page its own batch
    real, stored = sync._pages_store, []

    def store(account_id, pages):
        if len(stored) == 1:
            action()
        stored.append(pages)
        return real(account_id, pages)

    monkeypatch.setattr(sync, "_pages_store", store)


def test_bluesky_sync_a_disconnect_mid_sync_leaves_nothing(
    world, fake, opted_in_member, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        account = sync.bluesky_connect(
            member=opted_in_member, handle="ana.bsky.social", app_password=PASSWORD
        )
    _disconnect_after_first_page(
        monkeypatch,
        account,
        lambda: network_account_disconnect(account=NetworkAccount.objects.get(pk=account.pk)),
    )
    assert sync.network_account_sync(account_id=account.pk) is None
    assert not NetworkAccount.objects.filter(network="bluesky").exists()
    assert Action.objects.count() == 0 and Content.objects.count() == 0


def test_bluesky_sync_an_opt_out_mid_sync_stops_it(
    world, fake, opted_in_member, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        account = sync.bluesky_connect(
            member=opted_in_member, handle="ana.bsky.social", app_password=PASSWORD
        )
    _disconnect_after_first_page(
        monkeypatch, account, lambda: member_opt_out(member=opted_in_member)
    )
    assert sync.network_account_sync(account_id=account.pk) is None
    assert Action.objects.count() == 0  # the first page held posts only
    assert SyncState.objects.get(account=account).pages == 1  # nothing stored after it


def test_bluesky_sync_now_is_limited_to_once_per_interval(
    connected, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        state = sync.network_account_sync_request(account=connected)
        assert state.status == SyncStatus.QUEUED and state.detail == "Waiting to sync."
    state.refresh_from_db()
    assert state.status == SyncStatus.OK
    with pytest.raises(SyncTooSoon, match="You can sync again from"):
        sync.network_account_sync_request(account=connected)


def test_bluesky_sync_a_member_not_opted_in_is_not_synced(connected):
    member_opt_out(member=connected.member)
    assert sync.network_account_sync(account_id=connected.pk) is None


class _Killed(Exception):
    pass


@pytest.mark.parametrize("concurrency", [1, 3])
@pytest.mark.parametrize("kill_after", range(7))  # the walk has 7 pages
def test_bluesky_sync_killed_after_any_page_resumes_without_gap_or_double(
    world,
    fake,
    opted_in_member,
    monkeypatch,
    kill_after,
    concurrency,
    settings,
    django_capture_on_commit_callbacks,
):
    """A worker that dies after storing any number of pages, with one post read at a time
    or several at once: the next run goes on from the stored cursor, and the action log
    ends exactly as after one uninterrupted sync."""
    settings.SYNC_CONCURRENCY = concurrency
    with django_capture_on_commit_callbacks(execute=False):
        account = sync.bluesky_connect(
            member=opted_in_member, handle="ana.bsky.social", app_password=PASSWORD
        )
    monkeypatch.setattr(sync, "BATCH_PAGES", 1)  # a cursor stored after every page
    real = sync.connector_for

    def dying(account):
        inner = real(account)

        class Dying:
            def pages(self, **kwargs):
                for number, page in enumerate(inner.pages(**kwargs)):
                    if number == kill_after:
                        raise _Killed
                    yield page

        return Dying()

    monkeypatch.setattr(sync, "connector_for", dying)
    with pytest.raises(_Killed):
        sync.network_account_sync(account_id=account.pk)
    monkeypatch.setattr(sync, "connector_for", real)
    SyncState.objects.filter(account=account).update(status=SyncStatus.RETRYING)  # the dead run
    state = sync.network_account_sync(account_id=account.pk)
    assert state.status == SyncStatus.OK
    kinds = sorted(k for k, _ in _stored(account))
    assert kinds == ["like"] * 4 + ["reply"] + ["share"] * 3
    assert Content.objects.filter(account=account).count() == 3


def test_bluesky_when_reads_times_as_utc_and_refuses_nonsense():
    fallback = datetime(2026, 1, 1, tzinfo=UTC)
    assert bluesky.when("2026-05-01T10:00:00.000Z") == datetime(2026, 5, 1, 10, tzinfo=UTC)
    assert bluesky.when("2026-05-01T12:00:00+02:00") == datetime(2026, 5, 1, 10, tzinfo=UTC)
    assert bluesky.when("1970-01-01T00:00:00Z", fallback=fallback) == fallback
    assert bluesky.when("3026-01-01T00:00:00Z", fallback=fallback) == fallback
    assert bluesky.when("yesterday", fallback=fallback) == fallback
    assert bluesky.when(None) is None


def test_sync_network_command_a_handle_that_does_not_resolve_is_a_clear_error(fake, db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--account nobody.bsky.social: Bluesky does not know"):
        call_command("sync_network", network="bluesky", account="nobody.bsky.social")


def test_sync_network_command_reads_a_public_account_into_a_demo_member(world, fake, db):
    from io import StringIO

    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="No member holds ana.bsky.social"):
        call_command("sync_network", network="bluesky", account="ana.bsky.social")
    out = StringIO()
    call_command(
        "sync_network", network="bluesky", account="@ana.bsky.social", demo_member=True, stdout=out
    )
    account = NetworkAccount.objects.get(external_id=world["ana"].did)
    assert account.member.is_demo and account.source == NetworkAccount.Source.DEMO
    assert "Up to date: 7 pages (6 requests), 8 actions stored (0 already there), 3 posts" in (
        out.getvalue()
    )
    again = StringIO()
    call_command("sync_network", network="bluesky", account="ana.bsky.social", stdout=again)
    assert "0 actions stored (8 already there)" in again.getvalue()
    assert NetworkAccount.objects.filter(network="bluesky").count() == 1


def test_read_ahead_gives_the_pages_in_order_then_the_error_and_stops_when_left():
    from scoring.connectors.base import Page

    def pages():
        for number in range(5):
            yield Page([], {"n": number})
        raise Unavailable("down")

    seen = []
    with pytest.raises(Unavailable):
        for page in sync.read_ahead(pages(), depth=2):
            seen.append(page.cursor["n"])
    assert seen == [0, 1, 2, 3, 4]
    read = []

    def endless():
        number = 0
        while True:
            read.append(number)
            yield Page([], {"n": number})
            number += 1

    ahead = sync.read_ahead(endless(), depth=3)
    assert next(ahead).cursor == {"n": 0}
    ahead.close()  # the consumer leaves: the reader stops, a few pages ahead at most
    assert len(read) <= 6


def test_bluesky_first_backfill_scores_the_member_at_once(connected, opted_in_member):
    from scoring.models import MemberScore

    score = MemberScore.objects.filter(member=opted_in_member).first()
    assert score is not None and score.score >= 1  # the run after the backfill
    assert score.true_reach == 3  # bob, cy and dee acted on the posts


def test_bluesky_session_tokens_are_not_readable_in_a_database_dump(connected, fake):
    live_tokens = list(fake.refresh_tokens)  # the session's current refresh token
    assert live_tokens
    for model in apps.get_models():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608 - model metadata
            text = repr(cursor.fetchall())
        assert not any(token in text for token in live_tokens), model._meta.db_table
        assert "eyJ" not in text and PASSWORD not in text, model._meta.db_table
