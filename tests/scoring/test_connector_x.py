"""The X connector alone (scoring/connectors/x.py) against a local fake of X's API v2
(tests/scoring/x_fake.py): the walk and its records, pagination, resuming, faults, token
refresh, the paid plans' refusals. No database, and no test reaches X."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scoring.connectors import x
from scoring.connectors.base import (
    AccountNotFound,
    RateLimited,
    Refused,
    SessionExpired,
    Unavailable,
)
from scoring.ingest.records import ActionRecord, PostRecord
from tests.scoring.x_fake import USAGE_CAPPED, XFake

NOW = datetime.now(UTC).replace(microsecond=0)
SINCE = NOW - timedelta(days=90)


@pytest.fixture
def fake():
    fake = XFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def world(fake):
    """Ana (the member) with three posts in the window and one older. Bob, Cy and Dee act."""
    ana = fake.user("ana", created_at=NOW - timedelta(days=3000))
    bob = fake.user("bob", created_at=NOW - timedelta(days=40, seconds=7))
    cy, dee = fake.user("cy"), fake.user("dee", created_at=NOW - timedelta(days=2))
    first = fake.tweet(ana, "Flat white ☕ & <3 #Coffee #café", NOW - timedelta(days=3))
    fake.like(first, bob)
    fake.like(first, cy)
    fake.like(first, ana)  # her own like is no action
    fake.retweet(first, dee)
    quote = fake.quote(first, bob, "The best in town 🔥", NOW - timedelta(days=2))
    reply = fake.reply(first, cy, "Where is this? 🤔", NOW - timedelta(days=2, hours=1))
    deep = fake.reply(reply, dee, "Corner of 5th", NOW - timedelta(days=1, hours=20))
    mention = fake.mention(dee, ana, "see you at the café", NOW - timedelta(hours=9))
    second = fake.tweet(ana, "Nothing happened here", NOW - timedelta(days=10))
    third = fake.tweet(ana, "Espresso notes #Coffee", NOW - timedelta(days=30))
    fake.like(third, cy)
    old = fake.tweet(ana, "Too old to count", NOW - timedelta(days=200))
    fake.like(old, bob)
    posts = [first, second, third]
    people = dict(ana=ana, bob=bob, cy=cy, dee=dee)
    return dict(people, posts=posts, quote=quote, reply=reply, deep=deep, mention=mention)


def connector(fake, user, **kwargs) -> x.XConnector:
    return x.XConnector(access_token=fake.token_for(user), api_url=fake.url, **kwargs)


def walk(conn, user, cursor=None, since=SINCE) -> list:
    return list(conn.pages(account_id=user.id, since=since, cursor=cursor))


def records(pages) -> list:
    return [r for page in pages for r in page.records]


def actions(pages) -> list[ActionRecord]:
    return [r for r in records(pages) if isinstance(r, ActionRecord)]


def walk_lazily(conn, user, into: list, cursor=None):
    """The walk's pages, each kept in ``into`` as it comes (what a sync stored)."""
    for page in conn.pages(account_id=user.id, since=SINCE, cursor=cursor):
        into.append(page)
        yield page


def whole_walk(fake, user) -> list:
    return records(walk(connector(fake, user), user))


def act(world, who, kind, at, content, action) -> ActionRecord:
    person = world[who]
    return ActionRecord(
        network="twitter",
        actor_id=person.id,
        subject_id=world["ana"].id,
        kind=kind,
        occurred_at=at,
        content_id=content,
        action_id=action,
        actor_created_at=person.created_at,
    )


def test_profile_is_the_token_owner(fake, world):
    profile = connector(fake, world["ana"]).profile()
    assert profile.account_id == world["ana"].id
    assert profile.handle == "@ana"
    assert profile.created_at == world["ana"].created_at
    assert profile.posts == 4


def test_the_walk_maps_every_kind_with_its_ids_times_and_tags(fake, world):
    ana, (first, second, third) = world["ana"], world["posts"]
    pages = walk(connector(fake, ana), ana)
    got = records(pages)
    posts = [r for r in got if isinstance(r, PostRecord)]
    assert [p.content_id for p in posts] == [first.id, second.id, third.id]  # newest first
    assert posts[0].text == "Flat white ☕ & <3 #Coffee #café"  # X's &amp; and &lt; undone
    assert posts[0].tags == ("coffee", "café")
    assert posts[0].posted_at == first.created_at and posts[0].account_id == ana.id
    assert posts[1].tags == () and posts[2].tags == ("coffee",)
    quote, reply, deep, mention = (world[k] for k in ("quote", "reply", "deep", "mention"))
    bob, cy, dee = (world[k].id for k in ("bob", "cy", "dee"))
    posted = first.created_at
    assert [r for r in got if isinstance(r, ActionRecord)] == [
        # the mentions, oldest first: a reply to her post, a reply in her thread to
        # someone else (a mention), a plain mention
        act(world, "cy", "reply", reply.created_at, first.id, f"tweet {reply.id}"),
        act(world, "dee", "mention", deep.created_at, None, f"tweet {deep.id}"),
        act(world, "dee", "mention", mention.created_at, None, f"tweet {mention.id}"),
        # her posts' parts: likes and reposts carry the post's time, quotes their own
        act(world, "cy", "like", posted, first.id, f"like {cy} {first.id}"),
        act(world, "bob", "like", posted, first.id, f"like {bob} {first.id}"),
        act(world, "dee", "share", posted, first.id, f"retweet {dee} {first.id}"),
        act(world, "bob", "share", quote.created_at, first.id, f"tweet {quote.id}"),
        act(world, "cy", "like", third.created_at, third.id, f"like {cy} {third.id}"),
    ]
    assert pages[-1].cursor == {"done": True, "seen": mention.id}
    assert all(not page.notes for page in pages)
    assert sum(page.requests for page in pages) == len(fake.requests)


def test_parts_nobody_did_are_not_asked_for(fake, world):
    first, second, third = world["posts"]
    walk(connector(fake, world["ana"]), world["ana"])
    assert [path for path, _ in fake.asked("liking_users")] == [
        f"/2/tweets/{first.id}/liking_users",
        f"/2/tweets/{third.id}/liking_users",
    ]
    assert [path for path, _ in fake.asked("retweeted_by")] == [
        f"/2/tweets/{first.id}/retweeted_by"
    ]
    assert fake.calls("quote_tweets") == 1


def test_an_account_with_no_posts_and_no_mentions(fake):
    nobody = fake.user("nobody")
    pages = walk(connector(fake, nobody), nobody)
    assert records(pages) == []
    assert pages[-1].cursor == {"done": True, "seen": None}
    assert fake.calls("mentions") == 1 and fake.calls("tweets") == 1
    assert fake.calls("liking_users") == 0


def test_pages_of_posts_and_of_people(fake, world):
    ana, bob = world["ana"], world["bob"]
    fans = [fake.user(f"fan{n}") for n in range(7)]
    extra = [fake.tweet(ana, f"Post {n} 🎉", NOW - timedelta(days=40 + n)) for n in range(4)]
    for fan in fans:
        fake.like(extra[0], fan)
    whole = records(walk(connector(fake, ana), ana))
    fake.requests.clear()
    fake.page_size = 2
    pages = walk(connector(fake, ana), ana)
    assert sorted(map(repr, records(pages))) == sorted(map(repr, whole))  # pages aside
    assert fake.calls("tweets") == 4  # 7 posts in the window, 2 a page
    assert [path for path, _ in fake.asked("liking_users")].count(
        f"/2/tweets/{extra[0].id}/liking_users"
    ) == 4  # 7 likes, 2 a page
    tokens = [q.get("pagination_token") for _, q in fake.asked("tweets")]
    assert tokens[0] is None and all(tokens[1:])
    assert sum(page.requests for page in pages) == len(fake.requests)
    assert {r.actor_id for r in actions(pages) if r.content_id == extra[0].id} == {
        fan.id for fan in fans
    }
    assert bob.id in {r.actor_id for r in actions(pages)}


def test_more_than_a_hundred_likers_take_the_fewest_pages(fake):
    ana = fake.user("ana")
    post = fake.tweet(ana, "Going viral 🚀", NOW - timedelta(days=1))
    fans = [fake.user(f"fan{n}") for n in range(250)]
    for fan in fans:
        fake.like(post, fan)
    pages = walk(connector(fake, ana), ana)
    likes = [r for r in actions(pages) if r.kind == "like"]
    assert len(likes) == 250 and len({r.action_id for r in likes}) == 250
    assert fake.calls("liking_users") == 3  # ceil(250 / 100)
    assert {q["max_results"][0] for _, q in fake.asked("liking_users")} == {"100"}
    assert sum(page.requests for page in pages) == len(fake.requests)


def test_a_long_post_is_read_whole(fake):
    ana = fake.user("ana")
    text = "Long thoughts 🧵 " * 30 + "#Threads"
    fake.tweet(ana, text, NOW - timedelta(days=1))
    (post,) = [r for r in whole_walk(fake, ana) if isinstance(r, PostRecord)]
    assert post.text == text and post.tags == ("threads",)


def test_a_rate_limit_mid_walk_says_until_when(fake, world):
    ana = world["ana"]
    fake.fault("liking_users", 429, nth=2, reset_in=600)
    got = []
    before = int(datetime.now(UTC).timestamp())
    with pytest.raises(RateLimited) as raised:
        for _ in walk_lazily(connector(fake, ana), ana, got):
            pass
    after = int(datetime.now(UTC).timestamp())
    assert before + 600 <= raised.value.until.timestamp() <= after + 600
    assert raised.value.until.tzinfo is not None
    assert "slow down" in raised.value.message
    # resumed from the last page stored: exactly the rest
    fake.requests.clear()
    rest = walk(connector(fake, ana), ana, cursor=got[-1].cursor)
    assert records(got) + records(rest) == whole_walk(fake, ana)


def test_resuming_after_any_page_loses_nothing_and_doubles_nothing(fake, world):
    ana = world["ana"]
    for n in range(3):
        post = fake.tweet(ana, f"More {n}", NOW - timedelta(days=50 + n))
        for fan in (world["bob"], world["cy"], world["dee"]):
            fake.like(post, fan)
        fake.retweet(post, world["bob"])
    for n in range(5):
        fake.mention(world["bob"], ana, f"ping {n}", NOW - timedelta(hours=20 + n))
    fake.page_size = 2
    fake.limits = dict.fromkeys(fake.limits, 100_000)  # X allows 75 a window: many walks
    pages = walk(connector(fake, ana), ana)
    whole = records(pages)
    assert len(pages) > 20
    for killed in range(len(pages) - 1):
        cursor = pages[killed].cursor
        rest = [] if cursor.get("done") else walk(connector(fake, ana), ana, cursor=cursor)
        assert records(pages[: killed + 1]) + records(rest) == whole, killed


def test_a_pagination_token_x_no_longer_takes_restarts_that_list(fake, world):
    ana, bob = world["ana"], world["bob"]
    post = fake.tweet(ana, "Crowded", NOW - timedelta(days=20))
    for n in range(5):
        fake.like(post, fake.user(f"fan{n}"))
    fake.like(post, bob)
    fake.page_size = 2
    pages = walk(connector(fake, ana), ana)
    index = next(n for n, page in enumerate(pages) if page.cursor.get("after"))
    stale = {**pages[index].cursor, "after": "expired0token"}
    rest = walk(connector(fake, ana), ana, cursor=stale)
    # the likes are read again from their first page: nothing lost, the doubles absorbed
    kept = records(pages[: index + 1]) + records(rest)
    assert set(map(repr, kept)) == set(map(repr, records(pages)))
    sent = [query.get("pagination_token") for _, query in fake.asked(x.ORDER[stale["part"]])]
    assert ["expired0token"] in sent
    assert rest[-1].cursor["done"] is True and not any(p.notes for p in rest)


def test_a_server_error_is_unavailable(fake, world):
    fake.fault("tweets", 503)
    with pytest.raises(Unavailable):
        walk(connector(fake, world["ana"]), world["ana"])


def test_a_connection_refused_is_unavailable(fake, world):
    conn = x.XConnector(access_token="t", api_url="http://127.0.0.1:9")
    with pytest.raises(Unavailable):
        conn.profile()


def test_an_expired_token_is_refreshed_once_and_the_walk_goes_on(fake, world):
    ana, renewed = world["ana"], []

    def refresh() -> str:
        renewed.append(fake.token_for(ana))
        return renewed[-1]

    whole = whole_walk(fake, ana)
    fake.requests.clear()
    fake.fault("retweeted_by", 401)  # the token expires there
    pages = walk(connector(fake, ana, refresh=refresh), ana)
    assert records(pages) == whole
    assert len(renewed) == 1
    assert sum(page.requests for page in pages) == len(fake.requests)
    assert fake.calls("retweeted_by") == 2  # refused once, then sent again


def test_refreshing_through_refresh_tokens_rotates_them(fake, world):
    ana = world["ana"]
    access, stored = fake.grant(ana)
    kept = {"refresh": stored}

    def refresh() -> str:
        tokens = x.refresh_tokens(
            api_url=fake.url,
            client_id=fake.client_id,
            client_secret=fake.client_secret,
            refresh_token=kept["refresh"],
        )
        kept["refresh"] = tokens["refresh_token"]
        return tokens["access_token"]

    fake.expire(access)
    conn = x.XConnector(access_token=access, api_url=fake.url, refresh=refresh)
    assert conn.profile().account_id == ana.id
    assert kept["refresh"] != stored and fake.calls("token") == 1


def test_a_refused_refresh_is_session_expired(fake, world):
    ana = world["ana"]

    def refresh() -> str:
        return x.refresh_tokens(
            api_url=fake.url,
            client_id=fake.client_id,
            client_secret=fake.client_secret,
            refresh_token="spent",
        )["access_token"]

    fake.fault("mentions", 401)
    with pytest.raises(SessionExpired) as raised:
        walk(connector(fake, ana, refresh=refresh), ana)
    assert raised.value.message == "X no longer accepts our access: connect again."


def test_a_token_refused_again_after_refresh_is_session_expired(fake, world):
    ana, asked = world["ana"], []
    fake.fault("tweets", 401)
    with pytest.raises(SessionExpired):
        walk(connector(fake, ana, refresh=lambda: asked.append(1) or "still-bad"), ana)
    assert asked == [1]


def test_without_refresh_a_401_is_session_expired(fake, world):
    fake.fault("me", 401)
    with pytest.raises(SessionExpired):
        connector(fake, world["ana"]).profile()


@pytest.mark.parametrize("concurrency", [1, 3])
def test_a_plan_refusing_likes_is_noted_once_and_the_rest_is_read(fake, world, concurrency):
    ana = world["ana"]
    for n in range(4):  # more liked posts: the refusal is still asked once
        fake.like(fake.tweet(ana, f"Liked {n}", NOW - timedelta(days=60 + n)), world["bob"])
    fake.forbid("liking_users")
    pages = walk(connector(fake, ana, concurrency=concurrency), ana)
    notes = [note for page in pages for note in page.notes]
    assert notes == ["X did not allow reading who liked your posts on this plan"]
    assert fake.calls("liking_users") == 1
    kinds = [r.kind for r in actions(pages)]
    assert "like" not in kinds
    assert kinds.count("share") == 2 and "reply" in kinds and "mention" in kinds
    assert pages[-1].cursor["done"] is True


def test_a_spent_usage_cap_is_a_refusal_of_the_plan(fake, world):
    fake.fault("quote_tweets", 429, body=USAGE_CAPPED)
    pages = walk(connector(fake, world["ana"]), world["ana"])
    notes = [note for page in pages for note in page.notes]
    assert notes == ["X did not allow reading who quoted your posts on this plan"]
    assert "like" in {r.kind for r in actions(pages)}


def test_a_plan_refusing_mentions_still_reads_the_posts(fake, world):
    fake.forbid("mentions")
    pages = walk(connector(fake, world["ana"]), world["ana"])
    assert pages[0].notes == ["X did not allow reading your replies and mentions on this plan"]
    kinds = {r.kind for r in actions(pages)}
    assert {"like", "share"} <= kinds and not {"reply", "mention"} & kinds


def test_a_plan_refusing_the_timeline_or_the_account_is_refused(fake, world):
    fake.forbid("tweets")
    with pytest.raises(Refused) as raised:
        walk(connector(fake, world["ana"]), world["ana"])
    assert raised.value.message == "X did not allow reading your posts on this plan"
    fake.forbid("me")
    with pytest.raises(Refused):
        connector(fake, world["ana"]).profile()


@pytest.mark.parametrize("answer", ["errors", "404"])
def test_a_post_deleted_mid_walk_is_noted_and_skipped(fake, world, answer):
    ana, (first, _, third) = world["ana"], world["posts"]
    pages = []
    for page in walk_lazily(connector(fake, ana), ana, pages):
        if any(isinstance(r, PostRecord) for r in page.records):
            fake.delete(first, answer=answer)  # listed, then gone before its likes are read
    notes = [note for page in pages for note in page.notes]
    assert notes == [f"a post was deleted before it was read: {first.id}"]
    assert fake.calls("retweeted_by") == 0 and fake.calls("quote_tweets") == 0
    assert [r.content_id for r in actions(pages) if r.kind == "like"] == [third.id]


def test_a_reply_to_a_deleted_post_is_still_a_reply(fake, world):
    ana, bob = world["ana"], world["bob"]
    gone = fake.tweet(ana, "Soon gone", NOW - timedelta(days=5))
    answer = fake.reply(gone, bob, "Nice", NOW - timedelta(days=4))
    fake.delete(gone)
    found = actions(walk(connector(fake, ana), ana))
    got = [r for r in found if r.action_id == f"tweet {answer.id}"]
    assert [(r.kind, r.content_id) for r in got] == [("reply", gone.id)]


def test_a_mention_quoting_her_post_is_the_same_share_as_the_quote(fake, world):
    ana, cy, first = world["ana"], world["cy"], world["posts"][0]
    at = NOW - timedelta(hours=3)
    quote = fake.tweet(cy, "@ana look at this", at, quote_of=first, mentions=[ana])
    found = actions(walk(connector(fake, ana), ana))
    got = [r for r in found if r.action_id == f"tweet {quote.id}"]
    assert len(got) == 2 and got[0] == got[1] and got[0].kind == "share"


def test_the_next_sync_reads_only_newer_mentions(fake, world):
    ana, bob = world["ana"], world["bob"]
    done = walk(connector(fake, ana), ana)[-1].cursor
    fresh = fake.mention(bob, ana, "new one", NOW - timedelta(minutes=5))
    fake.requests.clear()
    pages = walk(connector(fake, ana), ana, cursor=done)
    mentions = [r for r in actions(pages) if r.kind in ("mention", "reply")]
    assert [r.action_id for r in mentions] == [f"tweet {fresh.id}"]
    ((_, query),) = fake.asked("mentions")
    assert query["since_id"] == [world["mention"].id]
    assert pages[-1].cursor == {"done": True, "seen": fresh.id}


def test_several_posts_at_once_give_the_same_pages_in_the_same_order(fake, world):
    ana = world["ana"]
    for n in range(6):
        post = fake.tweet(ana, f"Busy {n}", NOW - timedelta(days=40 + n))
        for fan in (world["bob"], world["cy"], world["dee"]):
            fake.like(post, fan)
        fake.retweet(post, world["cy"])
        fake.quote(post, world["dee"], f"quoting {n}", NOW - timedelta(days=39 + n))
    fake.page_size = 2
    fake.latency = 0.002
    one = walk(connector(fake, ana, concurrency=1), ana)
    three = walk(connector(fake, ana, concurrency=3), ana)
    assert records(three) == records(one)
    assert [p.cursor for p in three] == [p.cursor for p in one]
    assert [p.requests for p in three] == [p.requests for p in one]


def test_concurrent_posts_refresh_an_expired_token_once(fake, world):
    ana, renewed = world["ana"], []
    for n in range(4):
        fake.like(fake.tweet(ana, f"Liked {n}", NOW - timedelta(days=60 + n)), world["bob"])
    whole = whole_walk(fake, ana)
    access = fake.token_for(ana)
    conn = x.XConnector(
        access_token=access,
        api_url=fake.url,
        refresh=lambda: renewed.append(fake.token_for(ana)) or renewed[-1],
        concurrency=3,
    )
    got = []
    fake.latency = 0.05  # so that several posts' requests are in flight with the old token
    for _ in walk_lazily(conn, ana, got):
        if len(got) == 3:  # the first likes read: the other posts' are being read at once
            fake.expire(access)
    assert len(renewed) == 1
    assert records(got) == whole
    liked_posts = 6  # the first and third posts, and the four above
    assert fake.calls("liking_users") > liked_posts  # some were sent again, renewed


def test_an_unknown_account_is_not_found(fake, world):
    ghost = fake.user("ghost")
    conn = connector(fake, world["ana"])
    del fake.users[ghost.id]
    with pytest.raises(AccountNotFound):
        walk(conn, ghost)


def test_refresh_tokens_rotates_and_spends_the_old_one(fake, world):
    ana = world["ana"]
    _, first = fake.grant(ana)
    keys = dict(api_url=fake.url, client_id=fake.client_id, client_secret=fake.client_secret)
    tokens = x.refresh_tokens(**keys, refresh_token=first)
    assert set(tokens) == {"access_token", "refresh_token", "expires_at"}
    assert tokens["refresh_token"] != first
    left = tokens["expires_at"] - datetime.now(UTC)
    assert timedelta(minutes=119) < left <= timedelta(hours=2)
    fresh = x.XConnector(access_token=tokens["access_token"], api_url=fake.url)
    assert fresh.profile().handle == "@ana"
    with pytest.raises(SessionExpired):
        x.refresh_tokens(**keys, refresh_token=first)  # spent
    assert x.refresh_tokens(**keys, refresh_token=tokens["refresh_token"])["access_token"]
    (_, sent), *_ = [(p, q) for p, q in fake.asked("token")]
    assert sent == {}  # the refresh token went in the form body, never in the URL


def test_refresh_tokens_with_wrong_app_credentials_is_refused(fake, world):
    _, stored = fake.grant(world["ana"])
    with pytest.raises(Refused):
        x.refresh_tokens(
            api_url=fake.url, client_id=fake.client_id, client_secret="nope", refresh_token=stored
        )


def test_refresh_tokens_when_x_fails_is_unavailable(fake, world):
    _, stored = fake.grant(world["ana"])
    fake.fault("token", 503)
    with pytest.raises(Unavailable):
        x.refresh_tokens(
            api_url=fake.url,
            client_id=fake.client_id,
            client_secret=fake.client_secret,
            refresh_token=stored,
        )


def test_revoke_withdraws_access_and_refresh_tokens(fake, world):
    ana = world["ana"]
    access, stored = fake.grant(ana)
    keys = dict(api_url=fake.url, client_id=fake.client_id, client_secret=fake.client_secret)
    x.revoke(**keys, token=access)
    with pytest.raises(SessionExpired):
        x.XConnector(access_token=access, api_url=fake.url).profile()
    x.revoke(**keys, token=stored)
    with pytest.raises(SessionExpired):
        x.refresh_tokens(**keys, refresh_token=stored)
    with pytest.raises(Refused):
        x.revoke(**{**keys, "client_secret": "nope"}, token=access)
