"""The Jetstream consumer against a local Jetstream: members' actions and posts stored in
micro-batches with their cursor; nothing lost or doubled across a dropped connection or a
kill; other people's content never stored."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

from scoring.connectors.jetstream import EventReader, subscribe_url
from scoring.models import Action, Content, NetworkAccount, StreamCursor
from scoring.services import stream
from scoring.services.members import member_opt_out
from tests.factories import NetworkAccountFactory
from tests.scoring.jetstream_fake import JetstreamFake

ANA, DEE = "did:plc:anaxxxxxxxxxxxxxxxxxxxxx", "did:plc:deexxxxxxxxxxxxxxxxxxxxx"
BOB, CY = "did:plc:bobxxxxxxxxxxxxxxxxxxxxx", "did:plc:cyxxxxxxxxxxxxxxxxxxxxxx"
ANA_POST = f"at://{ANA}/app.bsky.feed.post/3kanapost0001"
CY_POST = f"at://{CY}/app.bsky.feed.post/3kcypost00001"


@pytest.fixture
def jetstream():
    fake = JetstreamFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def members(db):
    ana = NetworkAccountFactory(network="bluesky", external_id=ANA, handle="ana.bsky.social")
    dee = NetworkAccountFactory(network="bluesky", external_id=DEE, handle="dee.bsky.social")
    return ana, dee


@pytest.fixture
def events(jetstream):
    jetstream.like(BOB, ANA_POST)
    jetstream.repost(CY, ANA_POST)
    jetstream.like(BOB, CY_POST)  # a non-member's post: dropped
    jetstream.post(ANA, "Hello from the stream 👋 #coffee")
    jetstream.other(BOB)
    jetstream.post(CY, "Where is this?", reply_to=ANA_POST)
    jetstream.post(BOB, "The best in town", quote=ANA_POST)
    jetstream.post(CY, "My own thing, nothing to do with members")  # dropped
    jetstream.like(DEE, ANA_POST)
    jetstream.repost(BOB, CY_POST)  # dropped
    return jetstream.events


def _run(jetstream, events, **kwargs) -> stream.JetstreamConsumer:
    last = events[-1]["time_us"]

    def done() -> bool:
        stored = StreamCursor.objects.filter(name=stream.JETSTREAM).first()
        return stored is not None and stored.position >= last

    consumer = stream.JetstreamConsumer(
        url=jetstream.url, stop=done, sleep=lambda seconds: None, **kwargs
    )
    consumer.run()
    return consumer


def _log(account) -> list[tuple[str, str]]:
    rows = Action.objects.filter(subject=account).select_related("content")
    return sorted((a.kind, a.content.external_id) for a in rows)


EXPECTED = sorted(
    [("like", ANA_POST), ("share", ANA_POST), ("reply", ANA_POST), ("share", ANA_POST)]
    + [("like", ANA_POST)]
)


def test_stream_stores_members_actions_and_posts_and_nothing_else(jetstream, members, events):
    ana, dee = members
    _run(jetstream, events)
    assert _log(ana) == EXPECTED
    assert _log(dee) == []
    new_post = Content.objects.get(account=ana, text__startswith="Hello")
    assert new_post.tags == ["coffee"] and new_post.text.endswith("👋 #coffee")
    assert not Content.objects.filter(external_id=CY_POST).exists()
    assert Action.objects.count() == 5
    cursor = StreamCursor.objects.get(name=stream.JETSTREAM)
    assert cursor.position == events[-1]["time_us"] and cursor.events == len(events)
    for model in apps.get_models():  # no DID of a non-member anywhere
        with connection.cursor() as db:
            db.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608 - model metadata
            text = repr(db.fetchall())
        assert BOB not in text and CY not in text, model._meta.db_table


def test_stream_asks_for_likes_reposts_and_posts_only(jetstream, members, events):
    _run(jetstream, events)
    wanted = jetstream.connections[0]["wantedCollections"]
    assert wanted == ["app.bsky.feed.like", "app.bsky.feed.repost", "app.bsky.feed.post"]
    assert "cursor" not in jetstream.connections[0]  # a first start reads from now


def test_stream_a_dropped_connection_resumes_without_gap_or_double(jetstream, members, events):
    ana, _ = members
    jetstream.drop_after = [3, 4]
    _run(jetstream, events)
    assert len(jetstream.connections) == 3
    assert _log(ana) == EXPECTED
    # each reconnection starts a little before what was stored
    stored_first = events[2]["time_us"]
    assert int(jetstream.connections[1]["cursor"][0]) == stored_first - stream.REWIND_US


class _Killed(BaseException):
    """The process dies: nothing after this point runs, not even a finally's storing."""


@pytest.mark.parametrize("killed_at", [1, 2, 3])
def test_stream_killed_before_a_batch_commits_loses_nothing_on_restart(
    jetstream, members, events, monkeypatch, killed_at
):
    ana, _ = members
    monkeypatch.setattr(stream, "BATCH_EVENTS", 3)
    real, calls = stream.stream_batch_store, []

    def store(**kwargs):
        calls.append(1)
        if len(calls) == killed_at:
            raise _Killed
        return real(**kwargs)

    monkeypatch.setattr(stream, "stream_batch_store", store)
    with pytest.raises(_Killed):
        _run(jetstream, events)
    monkeypatch.setattr(stream, "stream_batch_store", real)
    _run(jetstream, events)  # the restart
    assert _log(ana) == EXPECTED


def test_stream_read_again_stores_nothing_twice(jetstream, members, events):
    ana, _ = members
    _run(jetstream, events)
    StreamCursor.objects.update(position=events[0]["time_us"])  # as if the cursor were old
    _run(jetstream, events)
    assert _log(ana) == EXPECTED
    assert Content.objects.filter(account=ana, text__startswith="Hello").count() == 1


def test_stream_an_account_disconnected_or_opted_out_gets_nothing_more(jetstream, members, events):
    ana, dee = members
    member_opt_out(member=ana.member)
    NetworkAccount.objects.filter(pk=dee.pk).delete()
    _run(jetstream, events)
    assert Action.objects.count() == 0
    assert Content.objects.count() == 0


def test_jetstream_reader_ignores_deletes_odd_messages_and_unwatched_accounts():
    reader = EventReader({ANA})
    assert reader.read(b"not json") == (None, [])
    assert reader.read("[1, 2]") == (None, [])
    assert reader.records(f'{{"did": "{ANA}", "kind": "commit"}}') == []  # no commit in it
    delete = {"did": BOB, "time_us": 5, "kind": "commit", "commit": {"operation": "delete"}}
    import json

    assert reader.read(json.dumps(delete)) == (5, [])
    like = {
        "did": BOB,
        "time_us": 7,
        "kind": "commit",
        "commit": {
            "operation": "create",
            "collection": "app.bsky.feed.like",
            "rkey": "x",
            "record": {"subject": {"uri": CY_POST}},
        },
    }
    assert reader.read(json.dumps(like)) == (7, [])
    like["commit"]["record"] = {"subject": "not an object"}
    assert reader.read(json.dumps(like)) == (7, [])  # about nobody watched: not even parsed
    like["did"] = ANA
    assert reader.read(json.dumps(like)) == (7, [])  # a watched author's: parsed, refused
    like["did"], like["commit"]["record"] = BOB, {"subject": {"uri": ANA_POST}}
    escaped = json.dumps(like).replace("/", "\\/")  # legal JSON: read the long way
    assert "at://" not in escaped
    assert [(r.kind, r.content_id) for r in reader.read(escaped)[1]] == [("like", ANA_POST)]


def test_jetstream_subscribe_url_names_collections_and_cursor():
    url = subscribe_url("wss://js.example/subscribe", cursor_us=123)
    assert url == (
        "wss://js.example/subscribe?wantedCollections=app.bsky.feed.like"
        "&wantedCollections=app.bsky.feed.repost&wantedCollections=app.bsky.feed.post"
        "&cursor=123"
    )


def test_stream_lag_is_shown_to_staff(admin_client, jetstream, members, events):
    _run(jetstream, events)
    page = admin_client.get("/admin/scoring/streamcursor/").content.decode()
    assert stream.JETSTREAM in page and " h</td>" in page  # the fake's events are old
    assert admin_client.get("/admin/scoring/syncstate/").status_code == 200
