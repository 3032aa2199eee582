"""The Facebook Page connector (scoring/connectors/facebook.py) against a local fake of the
Graph API (tests/scoring/facebook_fake.py): the walk and its mapping, pagination, resuming,
faults and their words, managed pages. No test reaches Facebook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from scoring.connectors import facebook as fb
from scoring.connectors.base import (
    AccountNotFound,
    RateLimited,
    Refused,
    SessionExpired,
    Unavailable,
)
from scoring.ingest.records import ActionRecord, PostRecord
from tests.scoring.facebook_fake import FacebookFake

NOW = datetime.now(UTC).replace(microsecond=0)
SINCE = NOW - timedelta(days=90)


@pytest.fixture
def fake():
    fake = FacebookFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def world(fake):
    """Ana's café page: four posts in the window, one older. Bob, Cy, Dee and Eve engage."""
    ana = fake.user("Ana")
    bob, cy, dee, eve = (fake.user(n) for n in ("Bob", "Cy", "Dee", "Eve"))
    page = fake.page(ana, "Ana's Café")
    busy = fake.post(page, "Flat white ☕ #Coffee #latteart", NOW - timedelta(days=2))
    for person, kind in [(bob, "LIKE"), (cy, "LOVE"), (dee, "WOW"), (eve, "CARE")]:
        fake.react(busy, person, kind)
    fake.react(busy, page, "LIKE")  # the page on its own post
    first = fake.comment(busy, bob, "Where is this?", NOW - timedelta(days=1, hours=20))
    fake.comment(busy, page, "Rue des Martyrs!", NOW - timedelta(days=1, hours=19), reply_to=first)
    fake.comment(busy, cy, "Best in town", NOW - timedelta(days=1, hours=5))
    fake.comment(busy, dee, "I am private", NOW - timedelta(days=1), hidden_author=True)
    fake.comment(busy, eve, "Going tomorrow", NOW - timedelta(hours=8))
    fake.share(busy, bob, NOW - timedelta(days=1, hours=2))
    fake.share(busy, eve, NOW - timedelta(hours=3))
    quiet = fake.post(page, "Closed on Monday", NOW - timedelta(days=5))
    liked = fake.post(page, "", NOW - timedelta(days=9))  # a photo without text
    for person in (bob, cy, dee):
        fake.react(liked, person, "HAHA")
    talked = fake.post(page, "New beans: Ethiopia #coffee", NOW - timedelta(days=20))
    fake.comment(talked, eve, "Yes please", NOW - timedelta(days=19))
    old = fake.post(page, "Too old to count", NOW - timedelta(days=200))
    fake.react(old, bob)
    posts = [busy, quiet, liked, talked]
    return dict(ana=ana, page=page, posts=posts, old=old, people=[bob, cy, dee, eve])


def connector(fake, page, **options) -> fb.FacebookPageConnector:
    return fb.FacebookPageConnector(graph_url=f"{fake.url}/v21.0", page_token=page.token, **options)


def walk(fake, page, cursor=None, **options) -> list:
    pages = connector(fake, page, **options).pages(account_id=page.id, since=SINCE, cursor=cursor)
    return list(pages)


def records(pages) -> list:
    return [record for page in pages for record in page.records]


def notes(pages) -> list[str]:
    return [note for page in pages for note in page.notes]


def expected_actions(fake, posts) -> set[str]:
    """Every action id the walk must find, from the fake's world (not from the connector)."""
    found = set()
    for post in posts:
        found |= {f"reaction {r.who.id} {post.id}" for r in post.reactions}
        found |= {f"comment {c.id}" for c in post.comments}
        found |= {f"share {s.id}" for s in post.shares}
    return found


# --- the walk --------------------------------------------------------------------------------
def test_the_walk_reads_every_post_and_every_part_over_several_pages(fake, world):
    fake.page_size = 2
    pages = walk(fake, world["page"])
    got = records(pages)
    posts = [r for r in got if isinstance(r, PostRecord)]
    actions = [r for r in got if isinstance(r, ActionRecord)]
    assert [p.content_id for p in posts] == [p.id for p in world["posts"]]  # newest first
    assert {a.action_id for a in actions} == expected_actions(fake, world["posts"])
    assert len(actions) == len({a.action_id for a in actions}) == 5 + 5 + 2 + 3 + 1
    assert fake.calls("posts") == 2
    busy = world["posts"][0]
    assert fake.calls("reactions", busy.id) == 3  # five people, two a page
    assert fake.calls("comments", busy.id) == 3
    assert fake.calls("sharedposts", busy.id) == 1
    assert fake.calls("reactions", world["old"].id) == 0  # outside the window
    assert pages[-1] == fb.Page([], {"done": True}, 0)
    assert sum(p.requests for p in pages) == fake.calls()
    assert notes(pages) == []


def test_each_kind_is_mapped_exactly(fake):
    ana, bob, cy = fake.user("Ana"), fake.user("Bob"), fake.user("Cy")
    page = fake.page(ana, "Ana's Café")
    at = NOW - timedelta(days=3)
    post = fake.post(page, "Flat white ☕ #Coffee and #café au #東京 🥐 #coffee", at, tags=[bob])
    fake.react(post, bob, "ANGRY")
    commented = fake.comment(post, cy, "Où est-ce ? 😍", at + timedelta(hours=2))
    shared = fake.share(post, bob, at + timedelta(hours=5))
    got = records(walk(fake, page))
    common = dict(network="facebook_page", subject_id=page.id, content_id=post.id)
    assert got == [
        PostRecord(
            network="facebook_page",
            account_id=page.id,
            content_id=post.id,
            text="Flat white ☕ #Coffee and #café au #東京 🥐 #coffee",
            tags=("coffee", "café", "東京"),
            posted_at=at,
        ),
        ActionRecord(
            actor_id=bob.id, kind="like", occurred_at=at,
            action_id=f"reaction {bob.id} {post.id}", **common,
        ),
        ActionRecord(
            actor_id=cy.id, kind="comment", occurred_at=at + timedelta(hours=2),
            action_id=f"comment {commented.id}", **common,
        ),
        ActionRecord(
            actor_id=bob.id, kind="share", occurred_at=at + timedelta(hours=5),
            action_id=f"share {shared.id}", **common,
        ),
    ]  # fmt: skip


def test_a_page_without_posts_finishes_at_once(fake):
    page = fake.page(fake.user("Ana"), "Empty")
    pages = walk(fake, page)
    assert records(pages) == []
    assert pages[-1].cursor == {"done": True}
    assert fake.calls() == fake.calls("posts") == 1


def test_a_part_counted_zero_is_not_asked_for(fake, world):
    walk(fake, world["page"])
    busy, quiet, liked, talked = world["posts"]
    assert [fake.calls(e, quiet.id) for e in ("reactions", "comments", "sharedposts")] == [0, 0, 0]
    assert [fake.calls(e, liked.id) for e in ("reactions", "comments", "sharedposts")] == [1, 0, 0]
    assert [fake.calls(e, talked.id) for e in ("reactions", "comments", "sharedposts")] == [0, 1, 0]
    assert [fake.calls(e, busy.id) for e in ("reactions", "comments", "sharedposts")] == [1, 1, 1]


def test_a_comment_whose_author_is_hidden_counts_as_an_unknown_person(fake, world):
    busy = world["posts"][0]
    hidden = next(c for c in busy.comments if c.hidden_author)
    got = {r.action_id: r for r in records(walk(fake, world["page"])) if hasattr(r, "action_id")}
    assert got[f"comment {hidden.id}"].actor_id is None
    assert got[f"comment {hidden.id}"].kind == "comment"
    assert got[f"comment {hidden.id}"].occurred_at == hidden.at


def test_the_pages_own_reactions_and_comments_are_still_yielded(fake, world):
    page, busy = world["page"], world["posts"][0]
    got = [r for r in records(walk(fake, page)) if isinstance(r, ActionRecord)]
    own = {(r.kind, r.action_id) for r in got if r.actor_id == page.id}
    reply = next(c for c in busy.comments if c.who is page)
    assert own == {("like", f"reaction {page.id} {busy.id}"), ("comment", f"comment {reply.id}")}


def test_the_window_is_asked_as_unix_time_and_older_posts_are_left(fake, world):
    got = records(walk(fake, world["page"]))
    assert world["old"].id not in {r.content_id for r in got}
    first = next(c for c in fake.requests if c.endpoint == "posts")
    assert first.query["since"] == [str(int(SINCE.timestamp()))]
    assert first.query["limit"] == ["100"]


def test_the_token_travels_in_a_header_never_in_the_url(fake, world):
    walk(fake, world["page"])
    assert all("access_token" not in call.query for call in fake.requests)


def test_the_same_records_in_the_same_order_with_three_workers(fake, world):
    fake.page_size = 2
    alone = walk(fake, world["page"])
    fake.latency = 0.005
    together = walk(fake, world["page"], concurrency=3)
    assert records(together) == records(alone)
    assert [p.cursor for p in together] == [p.cursor for p in alone]


# --- resuming --------------------------------------------------------------------------------
@pytest.mark.parametrize("workers", [1, 3])
def test_a_walk_killed_after_any_page_resumes_with_nothing_lost_or_doubled(fake, world, workers):
    fake.page_size = 2
    full = walk(fake, world["page"], concurrency=workers)
    assert len(full) > 10
    for kill in range(len(full) - 1):
        pages = connector(fake, world["page"], concurrency=workers).pages(
            account_id=world["page"].id, since=SINCE, cursor=None
        )
        before = [next(pages) for _ in range(kill + 1)]
        pages.close()  # killed: only what was handed over was stored
        after = walk(fake, world["page"], cursor=before[-1].cursor, concurrency=workers)
        assert records(before) + records(after) == records(full), f"killed after page {kill}"
        assert after[-1].cursor == {"done": True}


def test_a_finished_walk_starts_afresh(fake, world):
    first = walk(fake, world["page"])
    again = walk(fake, world["page"], cursor=first[-1].cursor)
    assert records(again) == records(first)


def test_a_resumed_walk_whose_post_is_gone_starts_its_page_over(fake, world):
    busy = world["posts"][0]
    cursor = {"phase": "posts", "page": None, "post": "1_404", "part": 1, "after": None}
    got = records(walk(fake, world["page"], cursor=cursor))
    assert {f"reaction {r.who.id} {busy.id}" for r in busy.reactions} <= {
        r.action_id for r in got if isinstance(r, ActionRecord)
    }
    assert not any(isinstance(r, PostRecord) for r in got)  # that page's posts were stored


# --- faults ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kind, header_minutes",
    [("buc_limit", 17), ("page_limit", 25), ("app_limit", None), ("custom_limit", None)],
)
def test_a_rate_limit_mid_walk_says_until_when(fake, world, kind, header_minutes):
    fake.fail("comments", kind, on_call=1, minutes=header_minutes or 5)
    pages = connector(fake, world["page"]).pages(
        account_id=world["page"].id, since=SINCE, cursor=None
    )
    handed = []
    with pytest.raises(RateLimited) as caught:
        for page in pages:
            handed.append(page)
    wait = timedelta(minutes=header_minutes) if header_minutes else timedelta(hours=1)
    assert abs(caught.value.until - (datetime.now(UTC) + wait)) < timedelta(seconds=10)
    assert "Facebook asked us to wait" in caught.value.message
    assert len(handed) == 2  # the posts, then the first post's reactions
    resumed = walk(fake, world["page"], cursor=handed[-1].cursor)
    assert records(handed) + records(resumed) == records(walk(fake, world["page"]))


@pytest.mark.parametrize("kind", ["bad_gateway", "unknown", "transient"])
@pytest.mark.parametrize("endpoint", ["posts", "reactions"])
def test_a_server_fault_is_unavailable(fake, world, kind, endpoint):
    fake.fail(endpoint, kind)
    with pytest.raises(Unavailable) as caught:
        walk(fake, world["page"])
    assert "Facebook" in caught.value.message


def test_an_unreachable_graph_is_unavailable(fake, world):
    url = fake.url
    fake.stop()
    gone = fb.FacebookPageConnector(graph_url=url, page_token=world["page"].token)
    with pytest.raises(Unavailable, match="could not be reached"):
        list(gone.pages(account_id=world["page"].id, since=SINCE, cursor=None))


def test_an_answer_that_is_not_json_or_not_a_list_is_unavailable(fake, world, monkeypatch):
    fake.fail("posts", "not_json")
    with pytest.raises(Unavailable, match="not readable"):
        walk(fake, world["page"])
    monkeypatch.setattr(fake, "_posts", lambda *args: {"data": {"id": "1"}})
    with pytest.raises(Unavailable, match="expected shape"):
        walk(fake, world["page"])


def test_an_oversized_answer_is_not_read_to_its_end(fake, world, monkeypatch):
    monkeypatch.setattr(fb, "MAX_BODY", 300)
    with pytest.raises(Unavailable, match="too large"):
        walk(fake, world["page"])


@pytest.mark.parametrize("how", ["fault", "expired"])
def test_an_expired_token_asks_the_member_to_connect_again(fake, world, how):
    if how == "fault":
        fake.fail("reactions", "expired")
    else:
        fake.expire(world["page"])
    with pytest.raises(SessionExpired) as caught:
        walk(fake, world["page"])
    assert caught.value.message == (
        "Facebook no longer accepts our access to your page: connect it again."
    )


def test_a_missing_permission_on_the_posts_is_refused_by_name(fake, world):
    fake.revoke(world["ana"], "pages_read_engagement")
    with pytest.raises(Refused) as caught:
        walk(fake, world["page"])
    assert "pages_read_engagement" in caught.value.message
    assert "your posts" in caught.value.message


def test_a_missing_permission_on_the_comments_is_refused_by_name(fake, world):
    fake.revoke(world["ana"], "pages_read_user_content")
    with pytest.raises(Refused, match="pages_read_user_content"):
        walk(fake, world["page"])


def test_another_pages_token_is_refused(fake, world):
    other = fake.page(world["ana"], "Ana's Bakery")
    stranger = fb.FacebookPageConnector(graph_url=fake.url, page_token=other.token)
    with pytest.raises(Refused):
        list(stranger.pages(account_id=world["page"].id, since=SINCE, cursor=None))


def test_refused_sharedposts_are_noted_once_and_the_rest_is_read(fake, world):
    busy, quiet = world["posts"][0], world["posts"][1]
    fake.share(quiet, world["people"][0], NOW - timedelta(days=4))
    fake.sharedposts = "refused"
    pages = walk(fake, world["page"], concurrency=2)
    assert notes(pages) == [fb.SHARES_REFUSED]
    assert fake.calls("sharedposts") <= 2  # asked again only if both were in flight at once
    got = {r.action_id for r in records(pages) if isinstance(r, ActionRecord)}
    every = expected_actions(fake, world["posts"])
    assert got == {a for a in every if not a.startswith("share ")}
    assert fake.calls("comments", busy.id) == 1


def test_refused_sharedposts_are_asked_only_once_in_a_walk(fake, world):
    fake.share(world["posts"][1], world["people"][0], NOW - timedelta(days=4))
    fake.sharedposts = "refused"
    pages = walk(fake, world["page"])
    assert fake.calls("sharedposts") == 1
    assert notes(pages) == [fb.SHARES_REFUSED]


def test_sharedposts_listing_nobody_is_no_share_and_no_note(fake, world):
    fake.sharedposts = "empty"
    pages = walk(fake, world["page"])
    assert not any(r.kind == "share" for r in records(pages) if isinstance(r, ActionRecord))
    assert notes(pages) == []


def test_a_post_deleted_mid_walk_is_noted_and_skipped(fake, world):
    busy, liked = world["posts"][0], world["posts"][2]
    pages = []
    for page in connector(fake, world["page"]).pages(
        account_id=world["page"].id, since=SINCE, cursor=None
    ):
        pages.append(page)
        if len(pages) == 1:
            fake.delete(liked)  # after its post record was handed over
    assert notes(pages) == [f"a post was deleted before it was read: {liked.id}"]
    got = {r.action_id for r in records(pages) if isinstance(r, ActionRecord)}
    assert got == expected_actions(fake, [busy, world["posts"][3]])
    assert pages[-1].cursor == {"done": True}


def test_a_next_link_to_another_host_is_not_followed(fake, world):
    elsewhere = FacebookFake().start()
    try:
        fake.page_size = 1
        fake.link_base = elsewhere.url
        with pytest.raises(Refused, match="elsewhere"):
            walk(fake, world["page"])
        assert elsewhere.calls() == 0
    finally:
        elsewhere.stop()


# --- profile and managed pages ---------------------------------------------------------------
def test_the_profile_is_the_page_and_works_without_a_version_in_the_url(fake, world):
    page = world["page"]
    plain = fb.FacebookPageConnector(graph_url=fake.url, page_token=page.token)
    assert plain.profile(page.id) == fb.Profile(account_id=page.id, handle="Ana's Café")
    with pytest.raises(AccountNotFound):
        plain.profile("999999")


def test_managed_pages_reads_every_page_of_me_accounts(fake, world):
    ana = world["ana"]
    bakery = fake.page(ana, "Ana's Bakery", category="Bakery")
    shop = fake.page(ana, "Ana's Shop", category="Shopping & retail")
    fake.page(world["people"][0], "Bob's Bar")  # not Ana's
    fake.page_size = 2
    found = fb.managed_pages(graph_url=f"{fake.url}/v21.0", user_token=ana.token)
    assert fake.calls("accounts") == 2
    assert found == [
        fb.ManagedPage(world["page"].id, "Ana's Café", world["page"].token, "Coffee shop"),
        fb.ManagedPage(bakery.id, "Ana's Bakery", bakery.token, "Bakery"),
        fb.ManagedPage(shop.id, "Ana's Shop", shop.token, "Shopping & retail"),
    ]
    assert bakery.token not in repr(found)
    assert records(walk(fake, bakery)) == []  # each page's own token reads it


def test_managed_pages_with_an_expired_user_token(fake, world):
    fake.expire(world["ana"])
    with pytest.raises(SessionExpired):
        fb.managed_pages(graph_url=fake.url, user_token=world["ana"].token)


def test_managed_pages_rate_limited(fake, world):
    fake.fail("accounts", "user_limit")
    with pytest.raises(RateLimited):
        fb.managed_pages(graph_url=fake.url, user_token=world["ana"].token)


# --- the fake speaks Graph -------------------------------------------------------------------
def test_the_fake_answers_in_graphs_shapes(fake, world):
    page, busy = world["page"], world["posts"][0]
    fake.page_size = 3
    auth = {"Authorization": f"OAuth {page.token}"}
    url = f"{fake.url}/v21.0/{busy.id}/reactions"
    first = requests.get(url, params={"summary": "total_count"}, headers=auth, timeout=5)
    body = first.json()
    assert len(body["data"]) == 3 and body["summary"]["total_count"] == 5
    assert set(body["paging"]["cursors"]) == {"before", "after"}
    last = requests.get(body["paging"]["next"], headers=auth, timeout=5).json()
    assert len(last["data"]) == 2 and "next" not in last["paging"]
    usage = first.headers["X-Business-Use-Case-Usage"]
    assert page.id in usage and "estimated_time_to_regain_access" in usage
    missing = requests.get(f"{fake.url}/{page.id}_1/comments", headers=auth, timeout=5).json()
    assert missing["error"]["code"] == 100 and missing["error"]["error_subcode"] == 33
    assert set(missing["error"]) >= {"message", "type", "code", "fbtrace_id"}
    bad = requests.get(f"{fake.url}/{page.id}", params={"fields": "id,{"}, headers=auth, timeout=5)
    assert bad.json()["error"]["code"] == 2500
    quiet = world["posts"][1]
    empty = requests.get(f"{fake.url}/{quiet.id}/comments", headers=auth, timeout=5).json()
    assert empty == {"data": []}
