"""X (Twitter), through the official client library (``tweepy``, API v2).

A member connects by OAuth 2.0 (``SCOPES``); access tokens last two hours and
``refresh_tokens`` renews them (X rotates the refresh token). The sync reads, as the member:

1. their mentions since the last one read (mark ``seen``): one replying to a post of theirs
   is a ``reply`` on it, one quoting it a ``share``, any other a ``mention``. Replies come
   from here only: a reply mentions whom it answers, and X lists no post's replies;
2. their posts in the window (reposts excluded), newest first, and for each who liked,
   reposted and quoted it, page by page; a part whose count is 0 is not asked for.

A person is their X user id; a like is ``like <user> <post>``, a repost ``retweet <user>
<post>``, a reply, mention or quote ``tweet <its id>``. X does not say when a like or repost
happened: they carry the post's time, the earliest possible. Acts on one's own posts are no
actions. X's plans refuse some endpoints (403, or a 429 ``UsageCapExceeded``): a refused
part (likes, reposts, quotes, mentions) is noted and skipped for the rest of the walk; a
refused timeline or account is ``Refused``.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from functools import partial

import requests
import tweepy
from oauthlib.oauth2 import InvalidClientError, OAuth2Error, UnauthorizedClientError
from requests.adapters import HTTPAdapter

from scoring.connectors import base
from scoring.connectors.base import Page, Profile, Record
from scoring.connectors.concurrent import in_order
from scoring.ingest.records import ActionRecord, PostRecord

NETWORK = "twitter"
SCOPES = ["tweet.read", "users.read", "like.read", "offline.access"]
DEFAULT_API_URL = "https://api.x.com"
LIBRARY_HOST = "https://api.twitter.com"  # what tweepy writes into every URL it requests
PAGE = 100  # the largest page of every list read here
DEFAULT_WAIT = timedelta(minutes=15)  # X's rate-limit window, when a 429 names no reset
TIMEOUT = 30  # tweepy sets none: a stalled connection would hang the sync
EXPIRED = "X no longer accepts our access: connect again."
PARTS = {  # part -> (tweepy's method, its count in public_metrics, what it is, in words)
    "liking_users": ("get_liking_users", "like_count", "who liked your posts"),
    "retweeted_by": ("get_retweeters", "retweet_count", "who reposted your posts"),
    "quote_tweets": ("get_quote_tweets", "quote_count", "who quoted your posts"),
}
ORDER = tuple(PARTS)
PEOPLE_ASK = dict(max_results=PAGE, user_fields=["created_at"])
QUOTES_ASK = dict(PEOPLE_ASK, expansions=["author_id"], tweet_fields=["created_at", "author_id"])
MENTION_FIELDS = ["created_at", "author_id", "referenced_tweets", "in_reply_to_user_id"]
PARENTS = ["author_id", "referenced_tweets.id"]  # the parents' authors: whose post it answers
MENTIONS_ASK = dict(PEOPLE_ASK, expansions=PARENTS, tweet_fields=MENTION_FIELDS)
POST_FIELDS = ["created_at", "public_metrics", "entities", "note_tweet"]
POSTS_ASK = dict(exclude=["retweets"], max_results=PAGE, tweet_fields=POST_FIELDS)


class PlanRefused(base.Refused):
    """X's plan for our app does not include this endpoint (or its monthly cap is spent)."""


class _ToApiUrl(HTTPAdapter):
    """Sends what tweepy addresses to ``api.twitter.com`` to ``api_url`` instead (X's own
    host, or a fake in tests and staging), with a timeout when the caller set none."""

    def __init__(self, api_url: str) -> None:
        super().__init__()
        self.api_url = api_url.rstrip("/")

    def send(self, request, **kwargs):
        if self.api_url != LIBRARY_HOST and request.url.startswith(LIBRARY_HOST + "/"):
            request.url = self.api_url + request.url[len(LIBRARY_HOST) :]
        kwargs["timeout"] = kwargs.get("timeout") or TIMEOUT
        return super().send(request, **kwargs)


def when(value) -> datetime | None:
    """An X time (ISO 8601, ``...000Z``) as aware UTC; None when missing or unreadable."""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def translated(error: Exception, what: str) -> base.ConnectorError:
    """The library's error as the connector interface's, in words for the member."""
    limited = isinstance(error, tweepy.TooManyRequests)
    if isinstance(error, tweepy.Forbidden) or (limited and "UsageCap" in error.response.text):
        return PlanRefused(f"X did not allow reading {what} on this plan")
    if limited:
        reset = error.reset_time
        until = datetime.fromtimestamp(reset, UTC) if reset else datetime.now(UTC) + DEFAULT_WAIT
        return base.RateLimited(f"X asked us to slow down reading {what}.", until=until)
    if isinstance(error, tweepy.Unauthorized):
        return base.SessionExpired(EXPIRED)
    if isinstance(error, tweepy.NotFound):
        return base.AccountNotFound(f"X could not find {what}.")
    if isinstance(error, tweepy.TwitterServerError | requests.RequestException):
        return base.Unavailable(f"X did not answer while reading {what}; we will retry.")
    return base.Refused(f"X refused to let us read {what}.")


def _missing(body: dict) -> bool:
    """A 200 holding only X's partial error "resource not found" (a deleted post)."""
    found = (str(e.get("type", "")) for e in body.get("errors") or [])
    return "data" not in body and any(kind.endswith("resource-not-found") for kind in found)


# --- reading ---------------------------------------------------------------------------------
class XConnector:
    """Reads a member's X account with their OAuth 2.0 user token. See the module."""

    network = NETWORK

    def __init__(self, *, access_token: str, api_url: str = DEFAULT_API_URL,
                 refresh: Callable[[], str] | None = None,
                 concurrency: int = 1) -> None:  # fmt: skip
        """``refresh`` renews the access token (storing the rotated tokens) and returns the
        new one; it is called when X answers 401, and the request sent again once."""
        # Plain dicts: tweepy's model objects are not needed for the few fields read here.
        client = tweepy.Client(
            bearer_token=access_token, return_type=dict, wait_on_rate_limit=False
        )
        client.session.mount(LIBRARY_HOST + "/", _ToApiUrl(api_url))
        self.client, self.refresh, self.renewing = client, refresh, threading.Lock()
        self.concurrency = concurrency

    def profile(self, account: str = "") -> Profile:
        """The account the token belongs to (``account`` is not needed: X says whose)."""
        fields = ["created_at", "public_metrics"]
        user = self.call("your account", "get_me", user_fields=fields)[0].get("data")
        if not user:
            raise base.AccountNotFound("X could not find your account.")
        posts = (user.get("public_metrics") or {}).get("tweet_count")
        return Profile(str(user["id"]), f"@{user['username']}", when(user.get("created_at")), posts)

    def pages(self, *, account_id: str, since: datetime, cursor: dict | None) -> Iterator[Page]:
        return _Walk(self, account_id, since).pages(cursor)

    def call(self, what: str, method: str, *args, **params) -> tuple[dict, int]:
        """The answer of ``client.<method>`` and how many HTTP requests it took. After a 401
        it goes again once with a renewed token; a pagination token X no longer takes (400)
        restarts the list (what is read again, its keys absorb) rather than fail every sync."""
        made, renewed = 0, False
        while True:
            token, made = self.client.bearer_token, made + 1
            try:  # user_auth=False: the OAuth 2.0 user token goes as the bearer token
                return getattr(self.client, method)(*args, user_auth=False, **params), made
            except tweepy.Unauthorized:
                if renewed or self.refresh is None:
                    raise base.SessionExpired(EXPIRED) from None
                with self.renewing:  # one renewal for every thread refused the same token:
                    if self.client.bearer_token == token:  # X spends a refresh token on use
                        self.client.bearer_token = self.refresh()
                renewed = True
            except tweepy.BadRequest as error:
                if not params.pop("pagination_token", None):
                    raise base.Refused(f"X refused our request for {what}.") from error
            except (tweepy.TweepyException, requests.RequestException) as error:
                raise translated(error, what) from None


class _Walk:
    """Mentions since the mark, then the window's posts and who acted on them. A cursor
    names what comes next: mentions after the mark ``seen`` (the newest stored), or the
    posts page's token, the post, its part and the part's token; ``done`` keeps the mark."""

    def __init__(self, connector: XConnector, account_id: str, since: datetime) -> None:
        self.call, self.concurrency = connector.call, connector.concurrency
        self.account_id, self.since = account_id, since
        # Whether the plan lets us read each part: asked once per walk, under its lock so
        # that concurrent posts do not each ask (and each note) before the first answer.
        self.allowed, self.probing = {}, {part: threading.Lock() for part in PARTS}

    def pages(self, cursor: dict | None) -> Iterator[Page]:
        state = dict(cursor or {})
        if state.get("done"):
            state = {"seen": state.get("seen")}
        if state.get("phase", "mentions") == "mentions":
            state = yield from self._mentions(state)
        state = yield from self._posts(state)
        yield Page([], {"done": True, "seen": state.get("seen")}, 0)

    def _timeline(self, what: str, method: str, token: str | None, **params):
        """A page of the member's posts or mentions, its count of requests and its meta."""
        body, made = self.call(what, method, self.account_id, pagination_token=token, **params)
        if _missing(body):  # X answers 200 with an error for a user that is gone
            raise base.AccountNotFound("X could not find your account.")
        return body, made, (body.get("meta") or {})

    # mentions: replies, quotes and mentions, with their times ----------------------------
    def _mentions(self, state: dict):
        """Oldest first from the mark, each page moving it. X lists mentions newest first
        only: its pages (at most 800 mentions, all X keeps) are read, then handed over
        oldest first. The first sync has no mark: it reads the window."""
        seen, read, token = state.get("seen"), [], None
        asked = dict(since_id=seen, start_time=self.since, **MENTIONS_ASK)
        while True:
            try:
                what = "your replies and mentions"
                body, made, meta = self._timeline(what, "get_users_mentions", token, **asked)
            except PlanRefused as refusal:
                yield Page([], {"phase": "posts", "seen": seen}, 1, [refusal.message])
                return {"phase": "posts", "seen": seen}
            read.append((body, made, meta.get("newest_id") or seen))
            if not (token := meta.get("next_token")):
                break
        for number, (body, made, newest) in enumerate(reversed(read)):
            phase = "posts" if number == len(read) - 1 else "mentions"
            yield Page(self._from_mentions(body), {"phase": phase, "seen": newest}, made)
        return {"phase": "posts", "seen": read[0][2]}

    def _from_mentions(self, body: dict) -> list[Record]:
        """Oldest first. Whose post a reference is: the included parent's author, else for
        a reply X's in_reply_to_user_id (which stays when the parent is deleted)."""
        includes = body.get("includes") or {}
        users = {u["id"]: u for u in includes.get("users") or []}
        parents = {t["id"]: t.get("author_id") for t in includes.get("tweets") or []}
        records: list[Record] = []
        for tweet in sorted(body.get("data") or [], key=lambda t: int(t["id"])):
            author, at = tweet.get("author_id"), when(tweet.get("created_at"))
            if not author or author == self.account_id or at is None or at < self.since:
                continue
            kind, content = "mention", None
            for ref in tweet.get("referenced_tweets") or []:
                owner = parents.get(ref["id"])
                if ref["type"] == "replied_to":
                    owner = owner or tweet.get("in_reply_to_user_id")
                if owner == self.account_id and ref["type"] in ("replied_to", "quoted"):
                    kind, content = ("reply" if ref["type"] == "replied_to" else "share"), ref["id"]
                    break
            action = f"tweet {tweet['id']}"
            records.append(self._action(author, users.get(author), kind, at, content, action))
        return records

    # the member's posts and their engagement ---------------------------------------------
    def _posts(self, state: dict):
        """Page by page, newest first: the page's posts, then each post's parts. Resumed
        within a page, the page is read again and the walk goes on from the post named (or
        the next older one, should it have been deleted since)."""
        while True:
            page, asked = state.get("page"), dict(start_time=self.since, **POSTS_ASK)
            body, made, meta = self._timeline("your posts", "get_users_tweets", page, **asked)
            posted = [t for t in body.get("data") or [] if _made(t, self.since) >= self.since]
            token, seen = meta.get("next_token"), state.get("seen")
            ahead = {"phase": "posts", "seen": seen, "page": token, "tweet": None}
            ahead = ahead if token else {"done": True, "seen": seen}
            if state.get("tweet") is None:  # the page's posts are yet to be stored
                first = _at(state, posted[0]) if posted else ahead
                yield Page([self._post(t) for t in posted], first, made)
            else:
                posted = [t for t in posted if int(t["id"]) <= int(state["tweet"])]
                yield Page([], {**state}, made)
            jobs = [partial(self._engagement, t, _at(state, t)) for t in posted]
            yield from in_order(jobs, workers=self.concurrency)
            if not token:
                return ahead
            state = ahead

    def _engagement(self, tweet: dict, state: dict) -> Iterator[Page]:
        """Who liked, reposted and quoted one post, page by page; a part nobody did (its
        count is 0) or that the plan refused earlier is not asked for."""
        metrics = tweet.get("public_metrics") or {}
        number, token = state.get("part") or 0, state.get("after")
        while number < len(ORDER):
            part = ORDER[number]
            read = self._read(part, tweet, token) if metrics.get(PARTS[part][1], 1) else None
            if read is None:
                number, token = number + 1, None
                continue
            records, token, made, notes, gone = read
            if gone:  # nothing more to read about a deleted post
                number = len(ORDER)
            elif token is None:
                number += 1
            yield Page(records, {**state, "part": number, "after": token}, made, notes)

    def _read(self, part: str, tweet: dict, token: str | None):
        """(records, next token, requests, notes, the post is gone) of a part's page; None
        when the plan refused it earlier (noted then). A part's first ask holds its lock."""
        method, _, what = PARTS[part]
        ask = QUOTES_ASK if part == "quote_tweets" else PEOPLE_ASK
        with self.probing[part] if part not in self.allowed else nullcontext():
            if self.allowed.get(part) is False:
                return None
            try:
                body, made = self.call(what, method, tweet["id"], pagination_token=token, **ask)
            except PlanRefused as refusal:
                self.allowed[part] = False
                return [], None, 1, [refusal.message], False
            except base.AccountNotFound:  # a 404: the post is gone
                body, made = {"errors": [{"type": "resource-not-found"}]}, 1
            else:
                self.allowed[part] = True
        if _missing(body):
            return [], None, made, [f"a post was deleted before it was read: {tweet['id']}"], True
        following = (body.get("meta") or {}).get("next_token")
        return self._people(part, tweet, body), following, made, [], False

    def _people(self, part: str, tweet: dict, body: dict) -> list[Record]:
        """Likes and reposts carry the post's time (X does not say when they happened);
        quotes their own."""
        tid, posted = tweet["id"], _made(tweet, datetime.now(UTC))
        users = {u["id"]: u for u in (body.get("includes") or {}).get("users") or []}
        kind, verb = ("like", "like") if part == "liking_users" else ("share", "retweet")
        records: list[Record] = []
        for item in body.get("data") or []:
            if part == "quote_tweets":  # a post: its author acted, when it was made
                actor, at = item.get("author_id"), when(item.get("created_at"))
                person, action = users.get(actor), f"tweet {item['id']}"
            else:  # a person
                actor, at, person, action = item["id"], None, item, f"{verb} {item['id']} {tid}"
            if actor and actor != self.account_id:
                records.append(self._action(actor, person, kind, at or posted, tid, action))
        return records

    def _post(self, tweet: dict) -> PostRecord:
        whole = tweet.get("note_tweet") or tweet  # a long post's whole text is its note
        hashtags = (whole.get("entities") or {}).get("hashtags") or []
        tags = tuple(str(h.get("tag")).lower() for h in hashtags)
        text = html.unescape(whole.get("text") or "")  # X escapes &, < and >
        posted = when(tweet.get("created_at"))
        return PostRecord(NETWORK, self.account_id, tweet["id"], text, tags, posted)

    def _action(self, actor_id, actor, kind, at, content_id, action_id) -> ActionRecord:
        """``actor_id`` acted (``kind``) on the member's ``content_id`` at ``at``; ``actor``
        is the person as X described them (for when their account was created), if known."""
        born = when((actor or {}).get("created_at"))
        ids = dict(action_id=action_id, actor_created_at=born)
        return ActionRecord(NETWORK, str(actor_id), self.account_id, kind, at, content_id, **ids)


def _made(tweet: dict, default: datetime) -> datetime:
    return when(tweet.get("created_at")) or default


def _at(state: dict, tweet: dict) -> dict:
    """The cursor of a post's first page: the one resumed keeps its part and token."""
    if tweet["id"] == state.get("tweet"):
        return {**state}
    return {**state, "tweet": tweet["id"], "part": 0, "after": None}


# --- tokens ----------------------------------------------------------------------------------
def _handler(api_url: str, client_id: str, client_secret: str) -> tweepy.OAuth2UserHandler:
    """tweepy's OAuth 2.0 session for our app (HTTP Basic client auth), aimed at api_url."""
    handler = tweepy.OAuth2UserHandler(
        client_id=client_id, redirect_uri=None, scope=SCOPES, client_secret=client_secret
    )
    handler.mount(LIBRARY_HOST + "/", _ToApiUrl(api_url))
    return handler


def _passing(doing: str, answer: requests.Response) -> requests.Response:
    """X's passing faults, raised before the answer is read as a token (or an error)."""
    if answer.status_code == 429:
        reset = int(answer.headers.get("x-rate-limit-reset") or 0)
        until = datetime.fromtimestamp(reset, UTC) if reset else datetime.now(UTC) + DEFAULT_WAIT
        raise base.RateLimited(f"X asked us to slow down {doing}.", until=until)
    if answer.status_code >= 500:
        raise base.Unavailable(f"X did not answer while {doing}; we will retry.")
    return answer


def refresh_tokens(*, api_url: str, client_id: str, client_secret: str, refresh_token: str) -> dict:
    """``{"access_token", "refresh_token", "expires_at"}`` (aware UTC) for a refresh token,
    which is spent: store the new one first. SessionExpired when X refuses the refresh token
    (revoked, spent, expired), Refused when it refuses our app; RateLimited, Unavailable."""
    handler = _handler(api_url, client_id, client_secret)
    hook = partial(_passing, "renewing our access")
    handler.register_compliance_hook("refresh_token_response", hook)
    try:
        token = handler.refresh_token(f"{LIBRARY_HOST}/2/oauth2/token", refresh_token=refresh_token)
    except (UnauthorizedClientError, InvalidClientError):
        raise base.Refused("X refused our app's credentials while renewing access.") from None
    except OAuth2Error:
        raise base.SessionExpired(EXPIRED) from None
    except requests.RequestException:
        raise base.Unavailable("X did not answer while renewing our access.") from None
    expires_at = datetime.now(UTC) + timedelta(seconds=int(token.get("expires_in") or 7200))
    rotated = token.get("refresh_token") or refresh_token
    return dict(access_token=token["access_token"], refresh_token=rotated, expires_at=expires_at)


def revoke(*, api_url: str, client_id: str, client_secret: str, token: str) -> None:
    """Asks X to revoke an access or a refresh token of our app. Best effort: the member can
    also remove the app in X's settings, which the Refused message says."""
    handler = _handler(api_url, client_id, client_secret)
    try:
        answer = handler.post(f"{LIBRARY_HOST}/2/oauth2/revoke", data={"token": token})
    except requests.RequestException:
        raise base.Unavailable("X did not answer while we withdrew our access.") from None
    if _passing("withdrawing our access", answer).status_code != 200:
        raise base.Refused("X refused to withdraw our access: remove the app in X's settings.")
