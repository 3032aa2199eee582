"""A local fake of Bluesky's XRPC endpoints the connector calls (AppView reads, the
entryway's sessions), answering with the lexicons' shapes (app.bsky.feed.defs#postView,
app.bsky.actor.defs#profileView, getLikes' like, getPostThread's threadViewPost ...),
cursor pagination, XRPC error bodies and the rate-limit headers. No test reaches Bluesky."""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from tests.http_fake import HttpFake

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def jwt(payload: dict) -> str:
    def part(data: dict) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'ES256K', 'typ': 'at+jwt'})}.{part(payload)}.c2ln"


@dataclass
class Actor:
    did: str
    handle: str
    created_at: datetime | None = T0 - timedelta(days=400)
    password: str | None = None  # an app password that signs in

    def view(self) -> dict:
        view = {"did": self.did, "handle": self.handle, "displayName": f"Name of {self.handle}"}
        if self.created_at is not None:
            view["createdAt"] = iso(self.created_at)
        return view


@dataclass
class Post:
    uri: str
    author: Actor
    text: str
    created_at: datetime
    tags: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)  # as facets
    likes: list[tuple[Actor, datetime]] = field(default_factory=list)
    reposts: list[Actor] = field(default_factory=list)
    quotes: list[Post] = field(default_factory=list)
    replies: list[Post] = field(default_factory=list)
    deleted: bool = False

    def record(self) -> dict:
        record = {
            "$type": "app.bsky.feed.post",
            "text": self.text,
            "createdAt": iso(self.created_at),
        }
        if self.tags:
            record["tags"] = self.tags
        if self.hashtags:
            record["facets"] = [
                {
                    "index": {"byteStart": 0, "byteEnd": len(tag) + 1},
                    "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
                }
                for tag in self.hashtags
            ]
        return record

    def view(self) -> dict:
        return {
            "$type": "app.bsky.feed.defs#postView",
            "uri": self.uri,
            "cid": "bafyreib2rxk3rh6kzwq",
            "author": self.author.view(),
            "record": self.record(),
            "indexedAt": iso(self.created_at + timedelta(seconds=1)),
            "likeCount": len(self.likes),
            "repostCount": len(self.reposts),
            "replyCount": len(self.replies),
            "quoteCount": len(self.quotes),
        }


class BlueskyFake(HttpFake):
    """The fake network: actors, their posts and what others did on them."""

    def __init__(self) -> None:
        super().__init__()
        self.actors: dict[str, Actor] = {}
        self.posts: dict[str, list[Post]] = {}  # by author DID, newest first
        self.requests: list[tuple[str, dict]] = []
        self.faults: list[tuple[str, int, dict]] = []  # (nsid, status, headers), in order
        self.fail_after: dict[str, int] = {}  # nsid -> fail once after this many calls
        self.refresh_tokens: dict[str, str] = {}  # live refresh token -> DID
        self._ids = itertools.count(1)
        self.lock = threading.Lock()

    def answer(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict, dict]:
        parts = urlsplit(path)
        nsid = parts.path.rsplit("/", 1)[-1]
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        payload = json.loads(body or b"{}") if method == "POST" else None
        return self.handle(nsid, params, payload, headers)

    # --- the world ------------------------------------------------------------------------
    def actor(self, handle: str, **kwargs) -> Actor:
        did = f"did:plc:{handle.split('.')[0].ljust(24, 'x')[:24]}"
        actor = Actor(did=did, handle=handle, **kwargs)
        self.actors[did] = actor
        self.posts.setdefault(did, [])
        return actor

    def post(self, author: Actor, text: str, at: datetime, **kwargs) -> Post:
        uri = f"at://{author.did}/app.bsky.feed.post/3k{next(self._ids):011d}"
        post = Post(uri=uri, author=author, text=text, created_at=at, **kwargs)
        self.posts[author.did].insert(0, post)
        self.posts[author.did].sort(key=lambda p: p.created_at, reverse=True)
        return post

    def reply(self, to: Post, author: Actor, text: str, at: datetime) -> Post:
        uri = f"at://{author.did}/app.bsky.feed.post/3r{next(self._ids):011d}"
        reply = Post(uri=uri, author=author, text=text, created_at=at)
        to.replies.append(reply)
        return reply

    def quote(self, of: Post, author: Actor, text: str, at: datetime) -> Post:
        uri = f"at://{author.did}/app.bsky.feed.post/3q{next(self._ids):011d}"
        quote = Post(uri=uri, author=author, text=text, created_at=at)
        of.quotes.append(quote)
        return quote

    def calls(self, nsid: str) -> int:
        return sum(1 for name, _ in self.requests if name == nsid)

    # --- the protocol ---------------------------------------------------------------------
    def handle(self, nsid: str, params: dict, body, headers: dict):
        with self.lock:
            self.requests.append((nsid, params))
            for number, (name, status, extra) in enumerate(self.faults):
                if name == nsid:
                    del self.faults[number]
                    return status, _error_body(status), extra
            after = self.fail_after.get(nsid)
            if after is not None and self.calls(nsid) > after:
                del self.fail_after[nsid]
                reset = str(int(time.time()) + 60)
                return 429, _error_body(429), {"ratelimit-reset": reset, "ratelimit-remaining": "0"}
        handler = getattr(self, "_" + nsid.replace(".", "_"), None)
        if handler is None:
            return 501, {"error": "MethodNotImplemented", "message": nsid}, {}
        return handler(params, body, headers)

    def _account(self, actor: str) -> Actor | None:
        for known in self.actors.values():
            if actor in (known.did, known.handle):
                return known
        return None

    def _page(self, items: list, params: dict, key: str, extra: dict):
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 50)
        chunk = items[start : start + limit]
        data = {**extra, key: chunk}
        if start + limit < len(items):
            data["cursor"] = str(start + limit)
        return 200, data, _limits()

    def _post_by_uri(self, uri: str) -> Post | None:
        for posts in self.posts.values():
            for post in posts:
                if post.uri == uri:
                    return post
        return None

    def _app_bsky_actor_getProfile(self, params, body, headers):
        actor = self._account(params.get("actor", ""))
        if actor is None:
            return 400, {"error": "InvalidRequest", "message": "Profile not found"}, {}
        view = {**actor.view(), "postsCount": len(self.posts[actor.did])}
        return 200, view, _limits()

    def _app_bsky_feed_getAuthorFeed(self, params, body, headers):
        actor = self._account(params.get("actor", ""))
        if actor is None:
            return 400, {"error": "InvalidRequest", "message": "Profile not found"}, {}
        feed = [{"post": p.view()} for p in self.posts[actor.did] if not p.deleted]
        return self._page(feed, params, "feed", {})

    def _app_bsky_feed_getLikes(self, params, body, headers):
        post = self._post_by_uri(params["uri"])
        likes = [
            {"actor": a.view(), "createdAt": iso(at), "indexedAt": iso(at)}
            for a, at in (post.likes if post else [])
        ]
        return self._page(likes, params, "likes", {"uri": params["uri"]})

    def _app_bsky_feed_getRepostedBy(self, params, body, headers):
        post = self._post_by_uri(params["uri"])
        actors = [a.view() for a in (post.reposts if post else [])]
        return self._page(actors, params, "repostedBy", {"uri": params["uri"]})

    def _app_bsky_feed_getQuotes(self, params, body, headers):
        post = self._post_by_uri(params["uri"])
        quotes = [q.view() for q in (post.quotes if post else [])]
        return self._page(quotes, params, "posts", {"uri": params["uri"]})

    def _app_bsky_feed_getPostThread(self, params, body, headers):
        post = self._post_by_uri(params["uri"])
        if post is None or post.deleted:
            return 400, {"error": "NotFound", "message": "Post not found"}, {}
        replies = [
            {"$type": "app.bsky.feed.defs#threadViewPost", "post": r.view(), "replies": []}
            for r in post.replies
        ]
        thread = {"$type": "app.bsky.feed.defs#threadViewPost", "post": post.view()}
        return 200, {"thread": {**thread, "replies": replies}}, _limits()

    def _com_atproto_server_createSession(self, params, body, headers):
        actor = self._account((body or {}).get("identifier", ""))
        if actor is None or actor.password is None or body.get("password") != actor.password:
            return (
                401,
                {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
                {},
            )
        return 200, self._session(actor), {}

    def _com_atproto_server_refreshSession(self, params, body, headers):
        token = (headers.get("Authorization") or "").removeprefix("Bearer ")
        did = self.refresh_tokens.pop(token, None)
        if did is None:
            return 400, {"error": "ExpiredToken", "message": "Token has expired"}, {}
        return 200, self._session(self.actors[did]), {}

    def _session(self, actor: Actor) -> dict:
        now = int(time.time())
        refresh = jwt(
            {
                "sub": actor.did,
                "scope": "com.atproto.refresh",
                "jti": f"r{next(self._ids)}",
                "iat": now,
                "exp": now + 86400 * 60,
            }
        )
        self.refresh_tokens[refresh] = actor.did
        access = jwt(
            {"sub": actor.did, "scope": "com.atproto.appPass", "iat": now, "exp": now + 7200}
        )
        return {
            "did": actor.did,
            "handle": actor.handle,
            "accessJwt": access,
            "refreshJwt": refresh,
            "active": True,
            "didDoc": {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": actor.did,
                "alsoKnownAs": [f"at://{actor.handle}"],
                "service": [
                    {
                        "id": "#atproto_pds",
                        "type": "AtprotoPersonalDataServer",
                        "serviceEndpoint": self.url,
                    }
                ],
            },
        }

    def _fake_requests_count(self, params, body, headers):
        """Not Bluesky's: how many requests were made before this one (for the benchmark)."""
        return 200, {"count": len(self.requests) - 1}, {}

    def expire_sessions(self) -> None:
        self.refresh_tokens.clear()


def _limits() -> dict:
    return {
        "ratelimit-limit": "3000",
        "ratelimit-remaining": "2999",
        "ratelimit-reset": str(int(time.time()) + 300),
        "ratelimit-policy": "3000;w=300",
    }


def _error_body(status: int) -> dict:
    if status == 429:
        return {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
    if status >= 500:
        return {"error": "InternalServerError", "message": "Internal Server Error"}
    return {"error": "InvalidRequest", "message": "Bad request"}
