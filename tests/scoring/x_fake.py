"""A local fake of X's API v2 as tweepy calls it: the authenticated user, a user's posts and
mentions, who liked, reposted or quoted a post, and the OAuth 2.0 token refresh and revoke
endpoints. It answers with X's shapes: ``{"data", "includes", "meta", "errors"}`` with
opaque ``next_token`` pagination, problem+json error bodies, partial ``errors`` in 200s,
and the ``x-rate-limit-*`` headers on every answer. No test reaches X."""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from tests.http_fake import HttpFake

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
X_EPOCH_MS = 1288834974657  # where X's snowflake ids count from
PROBLEMS = "https://api.twitter.com/2/problems/"
TAG = re.compile(r"(?<![\w&])#(\w+)")
SCOPE = "tweet.read users.read like.read offline.access"
ROUTES = [  # (method, path, endpoint name, X's limit per user and 15 minutes, max_results
    # (least, most, default) for a list); the names are what fault, forbid and calls take
    ("GET", r"/2/users/me", "me", 75, None),
    ("GET", r"/2/users/(\d+)/tweets", "tweets", 900, (5, 100, 10)),
    ("GET", r"/2/users/(\d+)/mentions", "mentions", 300, (5, 100, 10)),
    ("GET", r"/2/tweets/(\d+)/liking_users", "liking_users", 75, (1, 100, 100)),
    ("GET", r"/2/tweets/(\d+)/retweeted_by", "retweeted_by", 75, (1, 100, 100)),
    ("GET", r"/2/tweets/(\d+)/quote_tweets", "quote_tweets", 75, (10, 100, 10)),
    ("GET", r"/i/oauth2/authorize", "authorize", 1000, None),  # on x.com, in the browser
    ("POST", r"/2/oauth2/token", "token", 1000, None),
    ("POST", r"/2/oauth2/revoke", "revoke", 1000, None),
]
LIMITS = {name: limit for _, _, name, limit, _ in ROUTES}
PAGES = {name: sizes for _, _, name, _, sizes in ROUTES if sizes}
CLIENT_FORBIDDEN = {
    "client_id": "28061718",
    "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use "
    "keys and tokens from a Twitter developer App that is attached to a Project. You can "
    "create a project via the developer portal.",
    "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
    "title": "Client Forbidden",
    "required_enrollment": "Appropriate Level of API Access",
    "reason": "client-not-enrolled",
    "type": PROBLEMS + "client-forbidden",
}
USAGE_CAPPED = {  # a 429 that no wait cures: the plan's monthly cap is spent
    "account_id": 28061718, "product_name": "standard-basic", "title": "UsageCapExceeded",
    "period": "Monthly", "scope": "Product", "detail": "Usage cap exceeded: Monthly product cap",
    "type": PROBLEMS + "usage-capped",
}  # fmt: skip


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def problem(status: int) -> dict:
    """X's problem+json for a bare HTTP failure."""
    title = HTTPStatus(status).phrase
    return {"title": title, "detail": title, "type": "about:blank", "status": status}


def invalid(name: str, value: str, message: str) -> tuple[int, dict]:
    error = {"parameters": {name: [value]}, "message": message}
    detail = "One or more parameters to your request was invalid."
    body = {"errors": [error], "title": "Invalid Request", "detail": detail}
    return 400, {**body, "type": PROBLEMS + "invalid-request"}


def not_found(kind: str, ident: str) -> dict:
    """One partial error of a 200: the resource asked for does not exist (any more)."""
    detail, kind_of = f"Could not find {kind} with id: [{ident}].", PROBLEMS + "resource-not-found"
    error = dict(value=ident, detail=detail, title="Not Found Error", resource_type=kind)
    return dict(error, parameter="id", resource_id=ident, type=kind_of)


def _one(query: dict, key: str) -> str | None:
    values = query.get(key)
    return values[-1] if values else None


def _fields(query: dict, key: str) -> set[str]:
    return set(filter(None, (_one(query, key) or "").split(",")))


@dataclass(eq=False)
class User:
    id: str
    username: str
    name: str
    created_at: datetime
    tweets: list[Tweet] = field(default_factory=list)

    def view(self, fields: set[str]) -> dict:
        view = {"id": self.id, "name": self.name, "username": self.username}
        if "created_at" in fields:
            view["created_at"] = iso(self.created_at)
        if "public_metrics" in fields:
            count = sum(not t.deleted for t in self.tweets)
            none = dict.fromkeys(("followers_count", "following_count", "listed_count"), 0)
            view["public_metrics"] = {**none, "tweet_count": count, "like_count": 0}
        return view


@dataclass(eq=False)
class Tweet:
    id: str
    author: User
    text: str
    created_at: datetime
    reply_to: Tweet | None = None
    quote_of: Tweet | None = None
    retweet_of: Tweet | None = None
    mentions: list[User] = field(default_factory=list)
    likes: list[tuple[int, User]] = field(default_factory=list)  # (order, who), oldest first
    retweets: list[tuple[int, User]] = field(default_factory=list)
    quotes: list[Tweet] = field(default_factory=list)
    replies: list[Tweet] = field(default_factory=list)
    deleted: bool = False
    gone_as: str = "errors"  # once deleted, how people lists say so: "errors" (200) or "404"

    def entities(self, text: str) -> dict:
        found = {}
        tags = [dict(start=m.start(), end=m.end(), tag=m.group(1)) for m in TAG.finditer(text)]
        if tags:
            found["hashtags"] = tags
        spots = [(text.find(f"@{u.username}"), u) for u in self.mentions]
        if spots := [(at, u) for at, u in spots if at >= 0]:
            found["mentions"] = [
                dict(start=at, end=at + len(u.username) + 1, username=u.username, id=u.id)
                for at, u in spots
            ]
        return found

    def view(self, fields: set[str]) -> dict:
        shown = self.text if len(self.text) <= 280 else self.text[:279] + "…"
        view = {"id": self.id, "text": html.escape(shown, quote=False)}  # X escapes &, <, >
        view["edit_history_tweet_ids"] = [self.id]
        wanted = dict(created_at=iso(self.created_at), author_id=self.author.id)
        wanted.update(conversation_id=self.conversation.id, entities=self.entities(shown))
        refs = [("replied_to", self.reply_to), ("quoted", self.quote_of)]
        refs.append(("retweeted", self.retweet_of))
        wanted["referenced_tweets"] = [{"type": k, "id": t.id} for k, t in refs if t]
        if self.reply_to is not None:
            wanted["in_reply_to_user_id"] = self.reply_to.author.id
        if len(self.text) > 280:  # a long post: the whole of it is the note_tweet
            wanted["note_tweet"] = {"text": self.text, "entities": self.entities(self.text)}
        replies, quotes = (sum(not t.deleted for t in ts) for ts in (self.replies, self.quotes))
        wanted["public_metrics"] = dict(
            retweet_count=len(self.retweets), reply_count=replies, like_count=len(self.likes),
            quote_count=quotes, bookmark_count=0, impression_count=17 * (1 + len(self.likes)),
        )  # fmt: skip
        view.update({k: v for k, v in wanted.items() if k in fields and v not in ([], {})})
        return view

    @property
    def conversation(self) -> Tweet:
        return self.reply_to.conversation if self.reply_to else self


class XFake(HttpFake):
    """The fake X: users, their posts and what others did to them, the apps and tokens.

    World: ``user``, ``tweet``, ``reply``, ``quote``, ``mention``, ``like``, ``retweet``,
    ``delete``. Access: ``token_for``, ``grant``, ``expire``, ``app``. Faults: ``fault``
    (the Nth call from now of an endpoint answers with a status), ``forbid`` (the plan
    refuses an endpoint). Reading: ``calls``, ``requests``. ``page_size`` caps every page
    below what ``max_results`` asks, so small worlds paginate."""

    def __init__(self) -> None:
        super().__init__()
        self.users: dict[str, User] = {}
        self.tweets: dict[str, Tweet] = {}
        self.apps: dict[str, str] = {}  # client_id -> client_secret
        self.access: dict[str, tuple[User, float]] = {}  # token -> (who, expires as epoch)
        self.refreshers: dict[str, tuple[User, str]] = {}  # refresh token -> (who, client_id)
        self.requests: list[tuple[str, str, dict]] = []  # (endpoint, path, query) each
        self.faults: dict[tuple[str, int], tuple[int, dict | None, int]] = {}
        self.forbidden: dict[str, dict] = {}  # endpoint -> the 403 body the plan answers
        self.page_size: int | None = None
        self.signed_in: User | None = None  # who approves at /i/oauth2/authorize
        self.codes: dict[str, tuple[User, str, str, str]] = {}  # code -> who, app, uri, PKCE
        self.limits = dict(LIMITS)
        self.client_id, self.client_secret = self.app()
        self._seq = itertools.count(1)
        self._tokens: dict[str, int] = {}  # pagination token -> the order it continues below
        self._windows: dict[str, tuple[float, int]] = {}  # endpoint -> (reset epoch, used)
        self.lock = threading.RLock()

    # --- the world ------------------------------------------------------------------------
    def _snowflake(self, at: datetime) -> str:
        """X's ids: milliseconds since X's epoch << 22 | a sequence: id order is time order."""
        ms, n = int(at.timestamp() * 1000) - X_EPOCH_MS, next(self._seq)
        return str((ms + n // 4096) << 22 | n % 4096)  # unique past 4,096 in one millisecond

    def user(self, username: str, *, created_at: datetime = T0 - timedelta(days=900),
             name: str | None = None) -> User:  # fmt: skip
        created_at = created_at.replace(microsecond=0)
        person = User(self._snowflake(created_at), username, name or username.title(), created_at)
        self.users[person.id] = person
        return person

    def tweet(self, author: User, text: str, at: datetime, *, reply_to: Tweet | None = None,
              quote_of: Tweet | None = None, mentions=()) -> Tweet:  # fmt: skip
        """A post; a reply mentions everyone in the thread it answers, as X's do."""
        mentioned = list(mentions)
        if reply_to is not None:
            thread = [reply_to.author, *reply_to.mentions]
            mentioned = [u for u in dict.fromkeys(thread) if u is not author] + mentioned
            prefix = " ".join(f"@{u.username}" for u in mentioned if f"@{u.username}" not in text)
            text = f"{prefix} {text}" if prefix else text
        at = at.replace(microsecond=0)  # X states times to the second
        post = Tweet(self._snowflake(at), author, text, at, reply_to, quote_of, mentions=mentioned)
        for parent, kids in ((reply_to, "replies"), (quote_of, "quotes")):
            if parent is not None:
                getattr(parent, kids).append(post)
        author.tweets.append(post)
        self.tweets[post.id] = post
        return post

    def reply(self, tweet: Tweet, author: User, text: str, at: datetime) -> Tweet:
        return self.tweet(author, text, at, reply_to=tweet)

    def quote(self, tweet: Tweet, author: User, text: str, at: datetime) -> Tweet:
        return self.tweet(author, text, at, quote_of=tweet)

    def mention(self, author: User, of_user: User, text: str, at: datetime) -> Tweet:
        return self.tweet(author, f"@{of_user.username} {text}", at, mentions=[of_user])

    def like(self, tweet: Tweet, user: User) -> None:
        tweet.likes.append((next(self._seq), user))

    def retweet(self, tweet: Tweet, user: User, at: datetime | None = None) -> Tweet:
        """A repost: on the reposter's timeline as a post of its own (``exclude=retweets``)."""
        at = (at or tweet.created_at + timedelta(minutes=1)).replace(microsecond=0)
        text = f"RT @{tweet.author.username}: {tweet.text}"
        copy = Tweet(self._snowflake(at), user, text, at, retweet_of=tweet)
        tweet.retweets.append((next(self._seq), user))
        user.tweets.append(copy)
        return copy

    def delete(self, tweet: Tweet, *, answer: str = "errors") -> None:
        """Gone; lists about it then answer a 200 with only ``errors`` or a 404."""
        tweet.deleted, tweet.gone_as = True, answer

    # --- access ---------------------------------------------------------------------------
    def app(self) -> tuple[str, str]:
        client_id, secret = secrets.token_urlsafe(24), secrets.token_urlsafe(36)
        self.apps[client_id] = secret
        return client_id, secret

    def token_for(self, user: User, *, expires_in: int = 7200) -> str:
        token = secrets.token_urlsafe(40)
        self.access[token] = (user, time.time() + expires_in)
        return token

    def grant(self, user: User, client_id: str | None = None) -> tuple[str, str]:
        """An access token and the refresh token that renews it, for the app."""
        refresh = secrets.token_urlsafe(40)
        self.refreshers[refresh] = (user, client_id or self.client_id)
        return self.token_for(user), refresh

    def expire(self, token: str) -> None:
        if token in self.access:
            self.access[token] = (self.access[token][0], 0.0)

    def fault(self, endpoint: str, status: int, *, nth: int = 1, reset_in: int = 60,
              body: dict | None = None) -> None:  # fmt: skip
        """The ``nth`` call from now of ``endpoint`` answers ``status``: a 429 says it resets
        in ``reset_in`` seconds, a 401 also expires the token it was sent with."""
        self.faults[(endpoint, self.calls(endpoint) + nth)] = (status, body, reset_in)

    def forbid(self, endpoint: str, body: dict | None = None) -> None:
        """The plan refuses ``endpoint`` from now on (403 client-not-enrolled by default)."""
        self.forbidden[endpoint] = body or CLIENT_FORBIDDEN

    def calls(self, endpoint: str) -> int:
        return sum(1 for called, _, _ in self.requests if called == endpoint)

    def asked(self, endpoint: str) -> list[tuple[str, dict]]:
        """(path, query) of every request to ``endpoint``, in order."""
        return [(path, query) for called, path, query in self.requests if called == endpoint]

    # --- the protocol ---------------------------------------------------------------------
    def answer(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict, dict]:
        parts = urlsplit(path)
        query = parse_qs(parts.query, keep_blank_values=True)
        name, match = "unknown", None
        for verb, pattern, endpoint, _, _ in ROUTES:
            if verb == method and (match := re.fullmatch(pattern, parts.path)):
                name = endpoint
                break
        form = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        with self.lock:
            self.requests.append((name, parts.path, query))
            fault = self.faults.pop((name, self.calls(name)), None)
            if fault is None:
                status, data = self._answer(name, match, query, form, headers)
                if status == 302:  # the browser's way back to the app
                    return status, data, {"Location": data["redirect"]}
                return status, data, self._limits(name, status)
            status, data, reset_in = fault  # a one-off: the window itself is left alone
            if status == 401:
                self.expire(self._bearer(headers))
            limits = self._limits(name, status)
            if status == 429:
                reset = str(int(time.time()) + reset_in)
                limits.update({"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset})
            return status, data or problem(status), limits

    def _answer(self, name, match, query, form, headers) -> tuple[int, dict]:
        if match is None:
            return 404, {"errors": [{"message": "The requested resource could not be found."}]}
        if name == "authorize":
            return self._authorize(query)
        if name in ("token", "revoke"):
            return getattr(self, "_" + name)(form, headers)
        viewer = self._viewer(headers)
        if viewer is None:
            return 401, problem(401)
        if name in self.forbidden:
            return 403, self.forbidden[name]
        reset, used = self._windows.get(name, (0.0, 0))
        if time.time() < reset and used >= self.limits.get(name, 75):
            return 429, problem(429)
        return getattr(self, "_" + name)(query, viewer, *match.groups())

    def _limits(self, name: str, status: int) -> dict:
        """Fifteen-minute windows per endpoint, counted down by every answer."""
        limit = self.limits.get(name, 75)
        reset, used = self._windows.get(name, (0.0, 0))
        if time.time() >= reset:
            reset, used = time.time() + 900, 0
        used = used if status == 429 else used + 1
        self._windows[name] = (reset, used)
        left, reset = str(max(limit - used, 0)), str(int(reset))
        return {"x-rate-limit-limit": str(limit), "x-rate-limit-remaining": left,
                "x-rate-limit-reset": reset}  # fmt: skip

    @staticmethod
    def _bearer(headers) -> str:
        return (headers.get("Authorization") or "").removeprefix("Bearer ").strip()

    def _viewer(self, headers) -> User | None:
        who, expires = self.access.get(self._bearer(headers), (None, 0.0))
        return who if time.time() < expires else None

    def _page(self, name: str, key: str, items: list, query: dict):
        """X's pagination over ``items`` (newest first, each with an order number): a page of
        ``max_results`` and an opaque ``next_token`` when more remain; or a 400."""
        least, most, default = PAGES[name]
        raw = _one(query, "max_results")
        size = int(raw) if raw and raw.isdigit() else default
        if raw is not None and not least <= size <= most:
            text = f"The `max_results` query parameter value [{raw}] is not between {least} "
            return None, None, invalid("max_results", raw, f"{text}and {most}")
        size = min(size, self.page_size or size)
        token = _one(query, "pagination_token")
        if token is not None and token not in self._tokens:
            text = f"The `pagination_token` query parameter value [{token}] is not valid"
            return None, None, invalid("pagination_token", token, text)
        below = self._tokens.get(token, 1 << 80)
        rest = [(order, item) for order, item in items if order < below]
        page = rest[:size]
        if len(rest) <= size:
            return [item for _, item in page], None, None
        digest = hashlib.sha256(f"{key}:{page[-1][0]}".encode()).digest()
        following = base64.b32encode(digest).decode().lower().rstrip("=")[:32]
        self._tokens[following] = page[-1][0]
        return [item for _, item in page], following, None

    def _timeline(self, name, query, tweets: list[Tweet], key: str, includes: bool = False):
        """A list of posts, newest first, within since_id/until_id and start/end_time."""
        low, high = int(_one(query, "since_id") or 0), int(_one(query, "until_id") or 1 << 80)
        start, end = (_one(query, k) or "" for k in ("start_time", "end_time"))
        chosen = [t for t in tweets if not t.deleted and low < int(t.id) < high]
        chosen = [t for t in chosen if iso(t.created_at)[:19] >= start[:19]]
        chosen = [t for t in chosen if not end or iso(t.created_at)[:19] <= end[:19]]
        ordered = sorted(((int(t.id), t) for t in chosen), reverse=True, key=lambda p: p[0])
        page, following, error = self._page(name, key, ordered, query)
        if error:
            return error
        fields, body = _fields(query, "tweet.fields"), {}
        if page:
            body["data"] = [t.view(fields) for t in page]
        body.update(self._includes(query, page) if includes and page else {})
        meta = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0].id, oldest_id=page[-1].id)
        return 200, {**body, "meta": {**meta, **({"next_token": following} if following else {})}}

    def _includes(self, query: dict, page: list[Tweet]) -> dict:
        """The ``includes`` an ``expansions`` asks for, with the partial ``errors`` for the
        referenced posts that no longer exist."""
        asked, users, parents = _fields(query, "expansions"), {}, {}
        body: dict = {"includes": {}}
        for t in page:
            if "author_id" in asked:
                users.setdefault(t.author.id, t.author)
            if "referenced_tweets.id" in asked:
                for parent in filter(None, (t.reply_to, t.quote_of, t.retweet_of)):
                    parents.setdefault(parent.id, parent)
        if users:
            shown = _fields(query, "user.fields")
            body["includes"]["users"] = [u.view(shown) for u in users.values()]
        if live := [p for p in parents.values() if not p.deleted]:
            body["includes"]["tweets"] = [p.view(_fields(query, "tweet.fields")) for p in live]
        if gone := [p for p in parents.values() if p.deleted]:
            body["errors"] = [not_found("tweet", p.id) for p in gone]
        return body if body["includes"] or "errors" in body else {}

    def _me(self, query, viewer):
        return 200, {"data": viewer.view(_fields(query, "user.fields"))}

    def _tweets(self, query, viewer, uid):
        user = self.users.get(uid)
        if user is None:
            return 200, {"errors": [not_found("user", uid)]}
        excluded = _fields(query, "exclude")
        tweets = [
            t
            for t in user.tweets
            if not ("retweets" in excluded and t.retweet_of)
            and not ("replies" in excluded and t.reply_to)
        ]
        return self._timeline("tweets", query, tweets, f"tweets:{uid}")

    def _mentions(self, query, viewer, uid):
        user = self.users.get(uid)
        if user is None:
            return 200, {"errors": [not_found("user", uid)]}
        tweets = [t for t in self.tweets.values() if user in t.mentions]
        return self._timeline("mentions", query, tweets, f"mentions:{uid}", includes=True)

    def _gone(self, tid: str):
        """How X answers a list about a post that does not exist (any more), else None."""
        tweet = self.tweets.get(tid)
        if tweet is not None and not tweet.deleted:
            return None
        if tweet is not None and tweet.gone_as == "404":
            return 404, problem(404)
        return 200, {"errors": [not_found("tweet", tid)]}

    def _people(self, name: str, query, tid, listed: str):
        if gone := self._gone(tid):
            return gone
        tweet = self.tweets[tid]
        done = list(reversed(getattr(tweet, listed)))  # most recent first, as X lists them
        page, following, error = self._page(name, f"{name}:{tid}", done, query)
        if error:
            return error
        shown = _fields(query, "user.fields")
        body = {"data": [u.view(shown) for u in page]} if page else {}
        meta = {"result_count": len(page), **({"next_token": following} if following else {})}
        return 200, {**body, "meta": meta}

    def _liking_users(self, query, viewer, tid):
        return self._people("liking_users", query, tid, "likes")

    def _retweeted_by(self, query, viewer, tid):
        return self._people("retweeted_by", query, tid, "retweets")

    def _quote_tweets(self, query, viewer, tid):
        if gone := self._gone(tid):
            return gone
        quotes = self.tweets[tid].quotes
        return self._timeline("quote_tweets", query, quotes, f"quotes:{tid}", includes=True)

    def _client(self, headers) -> str | None:
        """The app a token request authenticates as (HTTP Basic), if its secret matches."""
        scheme, _, raw = (headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        client_id, _, secret = base64.b64decode(raw).decode().partition(":")
        return client_id if self.apps.get(client_id) == secret else None

    def _token(self, form, headers):
        """The refresh grant, for a confidential client (HTTP Basic): a new access token and
        a new refresh token; the refresh token used is spent (X rotates them)."""
        client_id = self._client(headers)
        if client_id is None:
            error = "Missing valid authorization header"
            return 401, {"error": "unauthorized_client", "error_description": error}
        if form.get("grant_type") == "authorization_code":
            return self._code_exchange(form, client_id)
        if form.get("grant_type") != "refresh_token":
            error = "Value passed for the grant type was invalid."
            return 400, {"error": "invalid_request", "error_description": error}
        held = self.refreshers.get(form.get("refresh_token") or "")
        if held is None or held[1] != client_id:
            error = "Value passed for the token was invalid."
            return 400, {"error": "invalid_request", "error_description": error}
        asked = set((form.get("scope") or SCOPE).split())
        if not asked <= set(SCOPE.split()):
            error = "Value passed for the scope was invalid."
            return 400, {"error": "invalid_scope", "error_description": error}
        del self.refreshers[form["refresh_token"]]
        access, refresh = self.grant(held[0], client_id)
        answer = dict(token_type="bearer", expires_in=7200, access_token=access)
        return 200, {**answer, "scope": " ".join(sorted(asked)), "refresh_token": refresh}

    def _authorize(self, query):
        """The signed-in user approves the app at once: back to its redirect URI with a code
        (X's consent screen, without the screen). PKCE (S256) is required, as on X."""
        client_id, uri = _one(query, "client_id") or "", _one(query, "redirect_uri") or ""
        if client_id not in self.apps or self.signed_in is None:
            return 400, {"error": "invalid_request"}
        if _one(query, "code_challenge_method") != "S256" or not _one(query, "code_challenge"):
            return 400, {"error": "invalid_request", "error_description": "PKCE is required."}
        code = secrets.token_urlsafe(24)
        self.codes[code] = (self.signed_in, client_id, uri, _one(query, "code_challenge"))
        state = _one(query, "state") or ""
        return 302, {"redirect": f"{uri}?state={state}&code={code}"}

    def _code_exchange(self, form, client_id: str):
        held = self.codes.pop(form.get("code") or "", None)
        verifier = (form.get("code_verifier") or "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if (
            held is None
            or held[1] != client_id
            or held[2] != form.get("redirect_uri")
            or challenge.decode() != held[3]
        ):
            error = "Value passed for the authorization code was invalid."
            return 400, {"error": "invalid_request", "error_description": error}
        access, refresh = self.grant(held[0], client_id)
        answer = dict(token_type="bearer", expires_in=7200, access_token=access, scope=SCOPE)
        return 200, {**answer, "refresh_token": refresh}

    def _revoke(self, form, headers):
        """Revokes an access or a refresh token of the app; an unknown one is no error."""
        client_id = self._client(headers)
        if client_id is None:
            error = "Missing valid authorization header"
            return 401, {"error": "unauthorized_client", "error_description": error}
        token = form.get("token") or ""
        self.access.pop(token, None)
        if self.refreshers.get(token, (None, client_id))[1] == client_id:
            self.refreshers.pop(token, None)
        return 200, {"revoked": True}
