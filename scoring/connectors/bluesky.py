"""Bluesky through its official SDK (``atproto``): an account's posts and who acted on them.

Public data comes from the AppView, which needs no login: ``app.bsky.actor.getProfile``,
``app.bsky.feed.getAuthorFeed`` (the posts), then for each post in the window
``getLikes`` (like), ``getRepostedBy`` (share), ``getQuotes`` (share) and ``getPostThread``
(its direct replies: reply). A part whose count on the post is 0 is not asked for.

Identities are the ones the live stream sees too, so a sync and the stream store each action
once: a like is ``like <actor DID> <post URI>`` and a repost ``repost <actor DID> <post URI>``
(Bluesky keeps one of each per person and post), a reply or quote is its own post's URI.
``getRepostedBy`` says who reposted but not when: a repost read by a sync takes the time of
the post it reposts (the earliest it can have happened; the stream, which sees it happen,
gives the exact time when it stores it first).

A member proves an account by signing in with an app password (``session_create``): the
password is used once and forgotten; the session (its refresh token) is what is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from atproto import Client, models
from atproto import Session as SdkSession
from atproto import exceptions as atp

from scoring.connectors.base import (
    AccountNotFound,
    Page,
    Profile,
    RateLimited,
    Record,
    Refused,
    SessionExpired,
    Unavailable,
)
from scoring.connectors.concurrent import in_order
from scoring.ingest.records import ActionRecord, PostRecord

NETWORK = "bluesky"
PAGE_SIZE = 100
PARTS = ("likes", "reposts", "quotes", "replies")
TAG_FEATURE = "app.bsky.richtext.facet#tag"
THREAD_VIEW = "app.bsky.feed.defs#threadViewPost"
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_WAIT = timedelta(minutes=5)  # a 429 that says nothing of when to come back


def when(value: str | None, *, fallback: datetime | None = None) -> datetime | None:
    """A Bluesky time (ISO 8601, set by the poster's client) as aware UTC; ``fallback`` when
    it is missing, unreadable, before 2000 or in the future."""
    try:
        moment = datetime.fromisoformat(value).astimezone(UTC) if value else None
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment < EARLIEST or moment > datetime.now(UTC) + CLOCK_SKEW:
        return fallback
    return moment


def author_of(uri: str) -> str:
    """The DID in ``at://<did>/<collection>/<rkey>``."""
    return uri.removeprefix("at://").split("/", 1)[0]


def like_id(actor: str, post_uri: str) -> str:
    return f"like {actor} {post_uri}"


def repost_id(actor: str, post_uri: str) -> str:
    return f"repost {actor} {post_uri}"


def tags_of(record) -> tuple[str, ...]:
    """The post's own tags and its hashtags (facets), as the parsers give tags."""
    tags = list(_get(record, "tags") or [])
    for facet in _get(record, "facets") or []:
        for feature in _get(facet, "features") or []:
            if _get(feature, "py_type", "$type") == TAG_FEATURE and _get(feature, "tag"):
                tags.append(_get(feature, "tag"))
    cleaned = (str(t).strip().lstrip("#").strip() for t in tags)
    return tuple(dict.fromkeys(t for t in cleaned if t))


def _get(obj, *names):
    """A field of an SDK model or of a plain dict (records arrive as either)."""
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return None


def translated(error: atp.AtProtocolError, *, what: str) -> Exception:
    """The SDK's error as the connector's: what the member is told, and what the caller
    does (wait, retry, reconnect, give up)."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    detail = _get(getattr(response, "content", None) or {}, "error") or ""
    if isinstance(error, atp.RateLimitExceededError):
        wait = error.retry_after
        until = error.reset_at or datetime.now(UTC) + (
            timedelta(seconds=wait) if wait is not None else DEFAULT_WAIT
        )
        return RateLimited(f"Bluesky asked us to slow down ({what}).", until=until)
    if detail in ("ExpiredToken", "InvalidToken") or status == 401:
        return SessionExpired("Your Bluesky session has expired: connect Bluesky again.")
    if detail in ("AccountTakedown", "AccountDeactivated") or status == 403:
        return Refused(f"Bluesky refused to show {what}.")
    if status == 400 and detail in ("InvalidRequest", "ActorNotFound", "NotFound", ""):
        return AccountNotFound(f"Bluesky does not know {what}.")
    if isinstance(error, atp.BadRequestError):
        return Refused(f"Bluesky refused the request for {what} ({detail or status}).")
    return Unavailable(f"Bluesky could not answer for {what} ({status or 'no response'}).")


def _call(what: str, fn: Callable, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except atp.AtProtocolError as error:
        raise translated(error, what=what) from error


@dataclass(frozen=True)
class Session:
    """A signed-in Bluesky session: who it proves, and the SDK's session string (it holds
    the refresh token; store it encrypted)."""

    account_id: str
    handle: str
    session_string: str


def _session_of(client: Client) -> Session:
    string = client.export_session_string()
    decoded = SdkSession.decode(string)
    return Session(decoded.did, decoded.handle, string)


def session_create(*, service_url: str, handle: str, app_password: str) -> Session:
    """Sign in with an app password (used for this call only) to prove the account."""
    client = Client(base_url=service_url)
    _call(f"the sign-in of {handle}", client.login, handle, app_password, fetch_bsky_profile=False)
    return _session_of(client)


def session_refresh(*, service_url: str, session_string: str) -> Session:
    """Renew a stored session at the account's own server (Bluesky rotates the refresh
    token: store the new string). Raises SessionExpired when it can no longer be renewed."""
    session = SdkSession.decode(session_string)
    client = Client(base_url=session.pds_endpoint or service_url)
    answer = _call(
        "your session",
        client.com.atproto.server.refresh_session,
        headers={"Authorization": f"Bearer {session.refresh_jwt}"},
        ignore_session_check=True,
    )
    session.access_jwt, session.refresh_jwt = answer.access_jwt, answer.refresh_jwt
    session.handle = answer.handle
    return Session(session.did, session.handle, session.encode())


class BlueskyConnector:
    """Reads public data from the AppView (no login). See the module's docstring."""

    network = NETWORK

    def __init__(self, *, appview_url: str, concurrency: int = 1) -> None:
        self.client = Client(base_url=appview_url)
        self.concurrency = concurrency  # posts whose engagement is read at once

    def profile(self, account: str) -> Profile:
        found = _call(
            f"the account {account}",
            self.client.app.bsky.actor.get_profile,
            {"actor": account},
        )
        return Profile(
            account_id=found.did,
            handle=found.handle,
            created_at=when(found.created_at),
            posts=found.posts_count,
        )

    def pages(self, *, account_id: str, since: datetime, cursor: dict | None) -> Iterator[Page]:
        return _Walk(self.client, account_id, since, self.concurrency).pages(cursor)


class _Walk:
    """One walk of an account's window: feed page by feed page, and for each post its likes,
    reposts, quotes and replies, page by page. The cursor names the feed page (the feed
    cursor that fetched it), the post, the part and the part's own cursor."""

    def __init__(self, client: Client, account_id: str, since: datetime, workers: int) -> None:
        self.client = client  # the SDK's httpx client is safe across threads
        self.feed = client.app.bsky.feed
        self.account_id = account_id
        self.since = since
        self.workers = workers

    def pages(self, cursor: dict | None) -> Iterator[Page]:
        state = dict(cursor or {"feed": None, "post": None, "part": 0, "after": None})
        while True:
            feed_page = self._feed_page(state["feed"])
            posts, ended = self._in_window(feed_page)
            start = _index_of(posts, state["post"])
            if state["post"] is None:  # a new feed page: its posts first
                yield Page([_post_record(self.account_id, p) for p in posts], {**state}, 1)
            # Several posts' engagement is read at once; the pages still come in post order,
            # so each page's cursor says exactly how far the walk has got.
            jobs = [
                partial(self._engagement, post, self._post_state(state, post))
                for post in posts[start:]
            ]
            yield from in_order(jobs, workers=self.workers)
            if ended or not feed_page.cursor:
                yield Page([], None, 0)
                return
            state = {"feed": feed_page.cursor, "post": None, "part": 0, "after": None}

    @staticmethod
    def _post_state(state: dict, post) -> dict:
        """Where to begin on ``post``: at the cursor's part and page when the cursor names
        it (a resumed walk), else at its first part."""
        if post.uri == state["post"]:
            return {**state}
        return {**state, "post": post.uri, "part": 0, "after": None}

    def _feed_page(self, cursor: str | None):
        return _call(
            "your posts",
            self.feed.get_author_feed,
            {
                "actor": self.account_id,
                "filter": "posts_with_replies",
                "limit": PAGE_SIZE,
                "cursor": cursor,
            },
        )

    def _in_window(self, feed_page) -> tuple[list, bool]:
        """The account's own posts on the page made since the window began, and whether
        the page reached older posts (the feed runs newest first)."""
        posts, ended = [], False
        for item in feed_page.feed:
            post = item.post
            if post.author.did != self.account_id or item.reason is not None:
                continue  # someone else's post it reposted, or a pin
            made = when(_get(post.record, "created_at", "createdAt"), fallback=None)
            made = made or when(post.indexed_at)
            if made is not None and made < self.since:
                ended = True
                continue
            posts.append(post)
        return posts, ended

    def _engagement(self, post, state: dict) -> Iterator[Page]:
        """The post's likes, reposts, quotes and replies, page by page, from the part and
        the part's cursor that ``state`` names (``state`` is this post's own)."""
        for number in range(state["part"], len(PARTS)):
            part = PARTS[number]
            if number > state["part"]:
                state.update(part=number, after=None)
            if not _worth_asking(post, part):
                continue
            while True:
                records, after, notes = PART_READERS[part](self, post, state["after"])
                state["after"] = after
                cursor = {**state} if after else {**state, "part": number + 1, "after": None}
                yield Page(records, cursor, 1, notes)
                if not after:
                    break

    def _query(self, what: str, nsid: str, params):
        """An AppView query through the SDK, answered as plain JSON: its typed models cost
        more CPU than a fast request (0.15 ms for 30 likes); a part needs a few fields."""
        answer = _call(what, self.client.invoke_query, nsid, params=params)
        return answer.content if isinstance(answer.content, dict) else {}

    def _likes(self, post, after):
        params = models.AppBskyFeedGetLikes.Params(**_paged(post.uri, after))
        answer = self._query("the likes of a post", "app.bsky.feed.getLikes", params)
        posted = _posted(post)
        records = [
            _action(
                self,
                post,
                like["actor"],
                "like",
                when(like.get("createdAt"), fallback=posted),
                like_id(like["actor"]["did"], post.uri),
            )
            for like in answer.get("likes") or []
        ]
        return records, answer.get("cursor"), []

    def _reposts(self, post, after):
        params = models.AppBskyFeedGetRepostedBy.Params(**_paged(post.uri, after))
        answer = self._query("the reposts of a post", "app.bsky.feed.getRepostedBy", params)
        posted = _posted(post)
        records = [
            _action(self, post, actor, "share", posted, repost_id(actor["did"], post.uri))
            for actor in answer.get("repostedBy") or []
        ]
        return records, answer.get("cursor"), []

    def _quotes(self, post, after):
        params = models.AppBskyFeedGetQuotes.Params(**_paged(post.uri, after))
        answer = self._query("the quotes of a post", "app.bsky.feed.getQuotes", params)
        records = [
            _reply_or_quote(self, post, quote, "share") for quote in answer.get("posts") or []
        ]
        return records, answer.get("cursor"), []

    def _replies(self, post, after):
        params = models.AppBskyFeedGetPostThread.Params(uri=post.uri, depth=1, parent_height=0)
        try:
            answer = self._query("the replies to a post", "app.bsky.feed.getPostThread", params)
        except AccountNotFound:
            answer = {}
        thread = answer.get("thread") or {}
        if thread.get("$type") != THREAD_VIEW:
            return [], None, [f"a post was deleted before its replies were read: {post.uri}"]
        found = thread.get("replies") or []
        replies = [r["post"] for r in found if r.get("$type") == THREAD_VIEW and r.get("post")]
        skipped = len(found) - len(replies)
        notes = [f"{skipped} replies not readable (deleted or blocked)"] if skipped else []
        return [_reply_or_quote(self, post, reply, "reply") for reply in replies], None, notes


PART_READERS = {
    "likes": _Walk._likes,
    "reposts": _Walk._reposts,
    "quotes": _Walk._quotes,
    "replies": _Walk._replies,
}
PART_COUNTS = {
    "likes": "like_count",
    "reposts": "repost_count",
    "quotes": "quote_count",
    "replies": "reply_count",
}


def _worth_asking(post, part: str) -> bool:
    count = getattr(post, PART_COUNTS[part], None)
    return count is None or count > 0


def _paged(uri: str, after: str | None) -> dict:
    return {"uri": uri, "limit": PAGE_SIZE, "cursor": after}


def _index_of(posts: list, uri: str | None) -> int:
    """Where to resume on a feed page read again: at the post the cursor names (from the
    start of the page when that post is gone)."""
    for number, post in enumerate(posts):
        if post.uri == uri:
            return number
    return 0


def _posted(post) -> datetime:
    made = when(_get(post.record, "created_at", "createdAt"))
    return made or when(post.indexed_at) or datetime.now(UTC)


def _post_record(account_id: str, post) -> PostRecord:
    return PostRecord(
        network=NETWORK,
        account_id=account_id,
        content_id=post.uri,
        text=_get(post.record, "text") or "",
        tags=tags_of(post.record),
        posted_at=_posted(post),
    )


def _action(walk: _Walk, post, actor, kind: str, at: datetime, action_id: str) -> ActionRecord:
    return ActionRecord(
        network=NETWORK,
        actor_id=_get(actor, "did"),
        subject_id=walk.account_id,
        kind=kind,
        occurred_at=at,
        content_id=post.uri,
        action_id=action_id,
        actor_created_at=when(_get(actor, "created_at", "createdAt")),
    )


def _reply_or_quote(walk: _Walk, post, other, kind: str) -> Record:
    """A reply to the post, or a post quoting it: an action by its author, named by its URI."""
    record, indexed = _get(other, "record"), when(_get(other, "indexed_at", "indexedAt"))
    at = when(_get(record, "created_at", "createdAt"), fallback=indexed)
    return _action(walk, post, _get(other, "author"), kind, at or _posted(post), _get(other, "uri"))
