"""A local fake of the Facebook Graph API, as far as the page connector reads it: the user
(``/me``), the pages they manage with their page tokens (``/me/accounts``), a page, its
posts, and each post's reactions, comments and shared posts; ``/debug_token`` too.

It answers in Graph's shapes: lists as ``{"data": [...], "paging": {"cursors": {"before",
"after"}, "next": url}}`` (no ``next`` on the last page, no ``paging`` on an empty list),
``summary`` objects when asked, nested field expansion (``fields=id,reactions.summary(
total_count).limit(0),from{id,name}``), Graph's error bodies and the usage headers
(``X-App-Usage``, ``X-Page-Usage``, ``X-Business-Use-Case-Usage``). The version prefix
(``/v21.0``) is accepted and optional. No test reaches Facebook.

The world is built with ``user``, ``page``, ``post``, ``react``, ``comment``, ``share`` and
``delete``; faults with ``fail`` (the Nth call of an endpoint), ``expire`` and ``revoke``
(a missing permission), and ``sharedposts`` ("served", "empty" or "refused"). ``calls``
counts the requests an endpoint answered; ``page_size`` caps every page of a list.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.http_fake import HttpFake

APP_ID = "424242424242"
PERMISSIONS = (
    "public_profile",
    "pages_show_list",
    "pages_read_engagement",
    "pages_read_user_content",
)
REACTION_TYPES = ("LIKE", "LOVE", "WOW", "HAHA", "SAD", "ANGRY", "CARE")
VERSION = re.compile(r"/v\d+\.\d+(?=/|$)")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MODIFIER = re.compile(r"\.([A-Za-z_]+)\(([^()]*)\)")
EDGE_NAMES = ("posts", "published_posts", "feed", "reactions", "comments", "sharedposts")
MISSING = (
    "Unsupported get request. Object with ID '{}' does not exist, cannot be loaded due to "
    "missing permissions, or does not support this operation. Please read the Graph API "
    "documentation at https://developers.facebook.com/docs/graph-api"
)
FAULTS = {  # kind -> (HTTP status, code, subcode, type, message, is_transient)
    "app_limit": (400, 4, None, "OAuthException", "(#4) Application request limit reached", True),
    "user_limit": (400, 17, None, "OAuthException", "(#17) User request limit reached", True),
    "page_limit": (400, 32, None, "OAuthException", "(#32) Page request limit reached", True),
    "custom_limit": (
        400,
        613,
        None,
        "OAuthException",
        "(#613) Calls to this api have exceeded the rate limit.",
        True,
    ),
    "buc_limit": (
        400,
        80001,
        None,
        "OAuthException",
        "(#80001) There have been too many calls to this Page account. Wait a bit and try again.",
        True,
    ),
    "expired": (
        400,
        190,
        463,
        "OAuthException",
        "Error validating access token: Session has expired.",
        False,
    ),
    "invalid_token": (
        400,
        190,
        None,
        "OAuthException",
        "Invalid OAuth access token - Cannot parse access token",
        False,
    ),
    "permission": (
        403,
        10,
        None,
        "OAuthException",
        "(#10) This endpoint requires the 'pages_read_engagement' permission.",
        False,
    ),
    "unknown": (500, 1, None, "OAuthException", "An unknown error has occurred.", False),
    "transient": (
        503,
        2,
        None,
        "OAuthException",
        "An unexpected error has occurred. Please retry your request later.",
        True,
    ),
    "missing": (400, 100, 33, "GraphMethodException", MISSING, False),
}
RATE_KINDS = {"app_limit", "user_limit", "page_limit", "custom_limit", "buc_limit"}
RAW_FAULTS = {  # kind -> (status, body): answers that are not Graph's JSON at all
    "bad_gateway": (502, b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    "not_json": (200, b"<!DOCTYPE html><html><body>Sorry, something went wrong.</body></html>"),
}


def graph_time(moment: datetime) -> str:
    """Graph's times: ``2026-11-01T12:00:00+0000``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class GraphError(Exception):
    """An error answer, raised anywhere while answering."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        subcode=None,
        kind: str = "OAuthException",
        transient: bool = False,
        headers=None,
    ):
        super().__init__(message)
        body = {"message": message, "type": kind, "code": code}
        if subcode is not None:
            body["error_subcode"] = subcode
        body.update(is_transient=transient, fbtrace_id=secrets.token_urlsafe(8))
        self.status, self.body, self.headers = status, {"error": body}, dict(headers or {})


def _missing(object_id: str) -> GraphError:
    return GraphError(400, 100, MISSING.format(object_id), subcode=33, kind="GraphMethodException")


# --- the world -------------------------------------------------------------------------------
@dataclass(eq=False)
class User:
    id: str
    name: str
    token: str
    permissions: set[str]


@dataclass(eq=False)
class FbPage:
    id: str
    name: str
    owner: User
    token: str
    category: str
    fans: int
    posts: list[Post] = field(default_factory=list)


@dataclass(eq=False)
class Reaction:
    who: User | FbPage
    type: str
    seq: int


@dataclass(eq=False)
class Comment:
    id: str
    post: Post
    who: User | FbPage
    message: str
    at: datetime
    hidden_author: bool
    parent: Comment | None
    seq: int


@dataclass(eq=False)
class Share:
    id: str
    post: Post
    who: User | FbPage
    at: datetime
    seq: int


@dataclass(eq=False)
class Post:
    id: str
    page: FbPage
    message: str
    at: datetime
    tags: list
    seq: int
    reactions: list[Reaction] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)
    deleted: bool = False


@dataclass(frozen=True)
class Call:
    endpoint: str
    node: str | None  # the object id in the path, if any
    query: dict


# --- the fields syntax -----------------------------------------------------------------------
def parse_fields(text: str) -> dict[str, tuple[dict, dict | None]]:
    """Graph's ``fields``: ``a,b.limit(0).summary(true),c{d,e}`` as ``{name: (modifiers,
    subfields or None)}``; ``x.fields(a,b)`` is ``x{a,b}``. Raises GraphError (2500) on a
    syntax error, as Graph does."""
    fields, _ = _field_list(text, 0, None)
    return fields


def _field_list(text: str, pos: int, closer: str | None):
    fields: dict = {}
    while True:
        match = NAME.match(text, pos)
        if match is None:
            raise _syntax(text, pos)
        name, pos = match.group(0), match.end()
        modifiers, sub = {}, None
        while pos < len(text) and text[pos] in ".{":
            if text[pos] == "{":
                sub, pos = _field_list(text, pos + 1, "}")
                continue
            modifier = MODIFIER.match(text, pos)
            if modifier is None:
                raise _syntax(text, pos)
            modifiers[modifier.group(1)] = modifier.group(2)
            pos = modifier.end()
        if "fields" in modifiers:
            sub = parse_fields(modifiers.pop("fields"))
        fields[name] = (modifiers, sub)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        if closer is None and pos == len(text):
            return fields, pos
        if closer is not None and pos < len(text) and text[pos] == closer:
            return fields, pos + 1
        raise _syntax(text, pos)


def _syntax(text: str, pos: int) -> GraphError:
    found = repr(text[pos]) if pos < len(text) else "end of string"
    message = f'Syntax error "Unexpected {found}." at character {pos}: {text}'
    return GraphError(400, 2500, message)


# --- the fake --------------------------------------------------------------------------------
class FacebookFake(HttpFake):
    """The fake Graph API and its world: users, the pages they manage, posts and what people
    did on them, and the tokens handed out."""

    def __init__(self) -> None:
        super().__init__()
        self._raw_bodies()
        self.users: dict[str, User] = {}
        self.pages: dict[str, FbPage] = {}
        self.posts: dict[str, Post] = {}
        self.tokens: dict[str, User | FbPage] = {}
        self.expired: set[str] = set()  # tokens Graph no longer accepts (190/463)
        self.requests: list[Call] = []
        self.faults: list[dict] = []
        self.page_size = 100  # the largest page of any list, whatever ``limit`` asks
        self.sharedposts = "served"  # or "empty" (Graph often lists nothing) or "refused"
        self.link_base: str | None = None  # where ``paging.next`` points: this fake's URL
        self._ids = itertools.count(1)
        self.lock = threading.RLock()
        self.signed_in: User | None = None  # who approves at /dialog/oauth (Facebook Login)
        self.codes: dict[str, tuple[User, str, set[str]]] = {}  # code -> who, redirect, scope

    def _raw_bodies(self) -> None:
        """HttpFake answers JSON only: this lets an answer be raw bytes (an HTML error page
        from a proxy, say), which Graph's clients meet too."""
        fake, Base = self, self.server.RequestHandlerClass

        class Handler(Base):
            def _reply(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, data, extra = fake.answer(method, self.path, self.headers, body)
                if fake.latency:
                    time.sleep(fake.latency)
                raw = data if isinstance(data, bytes) else json.dumps(data).encode()
                kind = "text/html" if isinstance(data, bytes) else "application/json"
                self.send_response(status)
                self.send_header("Content-Type", f"{kind}; charset=UTF-8")
                self.send_header("Content-Length", str(len(raw)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

        self.server.RequestHandlerClass = Handler

    # --- building the world -----------------------------------------------------------------
    def _id(self, width: int = 15) -> str:
        return str(10 ** (width - 1) + next(self._ids))

    def user(self, name: str, *, permissions=PERMISSIONS) -> User:
        """A person using the app: an app-scoped id and a user token with ``permissions``."""
        user = User(self._id(), name, "EAAU" + secrets.token_urlsafe(24), set(permissions))
        self.users[user.id], self.tokens[user.token] = user, user
        return user

    def page(self, owner: User, name: str, *, category: str = "Coffee shop", fans: int = 0):
        """A page ``owner`` manages, with its own page token."""
        page = FbPage(self._id(), name, owner, "EAAP" + secrets.token_urlsafe(24), category, fans)
        self.pages[page.id], self.tokens[page.token] = page, page
        return page

    def post(self, page: FbPage, message: str, at: datetime, *, tags=()) -> Post:
        """A post of ``page``; ``tags`` are the people or pages it tags (``message_tags``)."""
        post = Post(f"{page.id}_{self._id(16)}", page, message, at, list(tags), next(self._ids))
        page.posts.append(post)
        self.posts[post.id] = post
        return post

    def react(self, post: Post, who, type: str = "LIKE") -> Reaction:
        """``who`` reacts; Facebook keeps one reaction per person: a new one replaces it."""
        assert type in REACTION_TYPES, type
        post.reactions = [r for r in post.reactions if r.who is not who]
        reaction = Reaction(who, type, next(self._ids))
        post.reactions.append(reaction)
        return reaction

    def comment(
        self,
        post: Post,
        who,
        message: str,
        at: datetime,
        *,
        hidden_author=False,
        reply_to: Comment | None = None,
    ) -> Comment:
        """A comment (or a reply to one); ``hidden_author``: the author did not grant the app
        access, so Graph leaves ``from`` out."""
        number = next(self._ids)
        comment = Comment(
            f"{post.id.split('_')[1]}_{number}",
            post,
            who,
            message,
            at,
            hidden_author,
            reply_to,
            number,
        )
        post.comments.append(comment)
        return comment

    def share(self, post: Post, who, at: datetime) -> Share:
        """``who`` shares the post: a post of their own, with an id of its own."""
        number = next(self._ids)
        shared = Share(f"{who.id}_{10**15 + number}", post, who, at, number)
        post.shares.append(shared)
        return shared

    def delete(self, post: Post) -> None:
        post.deleted = True

    def expire(self, holder: User | FbPage) -> None:
        """Its token no longer works (190, subcode 463)."""
        self.expired.add(holder.token)

    def revoke(self, user: User, permission: str) -> None:
        """The person removed a permission from the app (their pages' tokens lose it too)."""
        user.permissions.discard(permission)

    def fail(self, endpoint: str, kind: str, *, on_call: int | None = None, minutes: int = 30):
        """The ``on_call``-th call of ``endpoint`` (counting every call so far; the next one
        by default) fails once with ``kind``: one of FAULTS or RAW_FAULTS. Rate limits carry
        the usage headers, with ``minutes`` to regain access where Graph gives it."""
        assert kind in FAULTS or kind in RAW_FAULTS, kind
        with self.lock:
            call = on_call if on_call is not None else self.calls(endpoint) + 1
            self.faults.append({"endpoint": endpoint, "kind": kind, "call": call, "min": minutes})

    def calls(self, endpoint: str | None = None, node: str | None = None) -> int:
        """How many requests ``endpoint`` (all, if None) answered, for ``node`` if given."""
        return sum(
            1
            for c in self.requests
            if (endpoint is None or c.endpoint == endpoint) and (node is None or c.node == node)
        )

    # --- the protocol -----------------------------------------------------------------------
    def answer(self, method: str, path: str, headers, body: bytes):
        parts = urlsplit(path)
        query = parse_qs(parts.query, keep_blank_values=True)
        route, prefix = parts.path, ""
        if version := VERSION.match(route):
            prefix, route = version.group(0), route[version.end() :]
        segments = [s for s in route.split("/") if s]
        if segments in (["dialog", "oauth"], ["oauth", "access_token"]):
            with self.lock:
                self.requests.append(Call("login", None, query))
                return self._login(segments[0], query)
        with self.lock:
            endpoint, node = self._route(segments)
            self.requests.append(Call(endpoint, node, query))
            holder = None
            try:
                if method != "GET":
                    raise GraphError(400, 100, f"Unsupported {method.lower()} request.")
                holder = self._holder(query, headers, endpoint)
                self._fault(endpoint, holder)
                handler = getattr(self, f"_{endpoint}", None)
                if handler is None:
                    raise _missing(segments[0] if segments else "")
                data = handler(query, node, holder, prefix)
                return 200, data, self._usage(holder)
            except GraphError as error:
                return error.status, error.body, {**self._usage(holder), **error.headers}
            except _Raw as raw:
                return raw.status, raw.body, {}

    def _login(self, step: str, query: dict):
        """Facebook Login's code flow: the signed-in user grants the scope asked (the user's
        permissions become it), then the app trades the code for a user token."""
        if step == "dialog":
            if self.signed_in is None:
                return 400, {"error": {"message": "Nobody is logged in", "code": 100}}, {}
            code = secrets.token_urlsafe(16)
            scope = set((_one(query, "scope") or "").split(","))
            self.codes[code] = (self.signed_in, _one(query, "redirect_uri") or "", scope)
            back = f"{_one(query, 'redirect_uri')}?code={code}&state={_one(query, 'state')}"
            return 302, {}, {"Location": back}
        held = self.codes.pop(_one(query, "code") or "", None)
        if held is None or held[1] != _one(query, "redirect_uri"):
            message = "This authorization code has been used."
            return 400, {"error": {"message": message, "type": "OAuthException", "code": 100}}, {}
        user, _, scope = held
        user.permissions = {p for p in scope if p} | {"public_profile"}
        user.token = "EAAU" + secrets.token_urlsafe(24)
        self.tokens[user.token] = user
        return 200, {"access_token": user.token, "token_type": "bearer", "expires_in": 5183944}, {}

    def _route(self, segments: list[str]) -> tuple[str, str | None]:
        if segments == ["me"]:
            return "me", None
        if segments == ["me", "accounts"]:
            return "accounts", None
        if segments == ["debug_token"]:
            return "debug_token", None
        if len(segments) == 1:
            node = segments[0]
            kind = "page" if node in self.pages else "post" if node in self.posts else "node"
            return kind, node
        if len(segments) == 2 and segments[1] in EDGE_NAMES:
            return segments[1], segments[0]
        return "unknown", segments[0] if segments else None

    def _holder(self, query: dict, headers, endpoint: str):
        """Whose token the request carries: in ``access_token`` or an Authorization header
        (``Bearer`` or ``OAuth``), as Graph takes it."""
        token = _one(query, "access_token")
        if token is None:
            scheme, _, value = (headers.get("Authorization") or "").partition(" ")
            token = value.strip() if scheme.lower() in ("bearer", "oauth") else None
        if not token:
            if endpoint in ("me", "accounts"):
                message = "An active access token must be used to query information about the "
                raise GraphError(400, 2500, message + "current user.")
            raise GraphError(400, 104, "An access token is required to request this resource.")
        if token in self.expired:
            raise self._expired()
        holder = self.tokens.get(token)
        if holder is None:
            _, code, subcode, kind, message, transient = FAULTS["invalid_token"]
            raise GraphError(400, code, message, kind=kind, headers=_www(message))
        return holder

    @staticmethod
    def _expired() -> GraphError:
        now = int(datetime.now(UTC).timestamp())
        message = (
            f"Error validating access token: Session has expired at unix time "
            f"{now - 60}. The current unix time is {now}."
        )
        return GraphError(400, 190, message, subcode=463, headers=_www(message))

    def _fault(self, endpoint: str, holder) -> None:
        for fault in self.faults:
            if fault["endpoint"] == endpoint and fault["call"] == self.calls(endpoint):
                self.faults.remove(fault)
                kind = fault["kind"]
                if kind in RAW_FAULTS:
                    raise _Raw(*RAW_FAULTS[kind])
                status, code, subcode, graph_kind, message, transient = FAULTS[kind]
                extra = self._limited(kind, holder, fault["min"]) if kind in RATE_KINDS else {}
                if kind == "expired":
                    raise self._expired()
                raise GraphError(
                    status,
                    code,
                    message,
                    subcode=subcode,
                    kind=graph_kind,
                    transient=transient,
                    headers=extra,
                )
        return None

    def _usage(self, holder, *, full: bool = False, minutes: int = 0, page=None) -> dict:
        """Graph's usage headers: the app's share of its hourly budget (percent), and for a
        page token the page's, flat (X-Page-Usage) and by business use case."""
        spent = 100 if full else min(len(self.requests) % 100, 99)
        usage = {"call_count": spent, "total_cputime": spent // 2, "total_time": spent // 2}
        headers = {"X-App-Usage": json.dumps(usage)}
        page = page or (holder if isinstance(holder, FbPage) else None)
        if page is not None:
            regain = {"estimated_time_to_regain_access": minutes}
            headers["X-Page-Usage"] = json.dumps({**usage, **regain})
            use_case = {"type": "pages", **usage, **regain}
            headers["X-Business-Use-Case-Usage"] = json.dumps({page.id: [use_case]})
        return headers

    def _limited(self, kind: str, holder, minutes: int) -> dict:
        """The headers of a rate-limit answer: the budget spent, and the minutes to wait
        where Graph gives them (a page's limits; the app's say no time)."""
        page = holder if isinstance(holder, FbPage) else next(iter(self.pages.values()), None)
        if kind in ("app_limit", "user_limit", "custom_limit"):
            return {"X-App-Usage": self._usage(holder, full=True)["X-App-Usage"]}
        headers = self._usage(holder, full=True, minutes=minutes, page=page)
        if kind == "page_limit":  # the page's own header says the time, the use case's not
            headers["X-Business-Use-Case-Usage"] = json.dumps({page.id: []})
        else:
            headers["X-Page-Usage"] = json.dumps({"call_count": 100})
        return headers

    # --- endpoints ----------------------------------------------------------------------------
    def _me(self, query, node, holder, prefix):
        fields = self._fields(query, "id,name")
        return self._render(holder, fields)

    def _accounts(self, query, node, holder, prefix):
        if not isinstance(holder, User):
            raise GraphError(
                400, 100, "(#100) Tried accessing nonexisting field (accounts) on node type (Page)"
            )
        if "pages_show_list" not in holder.permissions:
            return {"data": []}  # Graph lists none without the permission
        fields = self._fields(query, "access_token,category,category_list,name,id,tasks")
        pages = [p for p in self.pages.values() if p.owner is holder]
        return self._list(pages, query, fields, lambda p: (int(p.id),), prefix, "me/accounts")

    def _debug_token(self, query, node, holder, prefix):
        token = _one(query, "input_token") or ""
        target = self.tokens.get(token)
        if target is None:
            data = {"is_valid": False, "error": {"code": 190, "message": "Invalid token"}}
            return {"data": data}
        user = target if isinstance(target, User) else target.owner
        data = {
            "app_id": APP_ID,
            "type": "USER" if target is user else "PAGE",
            "application": "Klout Fair",
            "is_valid": token not in self.expired,
            "expires_at": 0,
            "scopes": sorted(user.permissions),
            "user_id": user.id,
        }
        if isinstance(target, FbPage):
            data["profile_id"] = target.id
        return {"data": data}

    def _page(self, query, node, holder, prefix):
        page = self.pages[node]
        return self._render(page, self._fields(query, "name,id"))

    def _node(self, query, node, holder, prefix):
        user = self.users.get(node)
        if user is None:
            raise _missing(node)
        return self._render(user, self._fields(query, "name,id"))

    def _post(self, query, node, holder, prefix):
        post = self._live_post(node, holder, "pages_read_engagement")
        return self._render(post, self._fields(query, "created_time,message,id"), prefix)

    def _posts(self, query, node, holder, prefix):
        page = self.pages.get(node)
        if page is None:
            raise _missing(node)
        self._page_token(page, holder, "pages_read_engagement")
        since, until = _moment(_one(query, "since")), _moment(_one(query, "until"))
        posts = [
            p
            for p in page.posts
            if not p.deleted
            and (since is None or p.at >= since)
            and (until is None or p.at < until)
        ]
        fields = self._fields(query, "created_time,message,id")
        key = lambda p: (p.at.timestamp(), p.seq)  # noqa: E731
        return self._list(posts, query, fields, key, prefix, f"{node}/posts", newest_first=True)

    _published_posts = _posts
    _feed = _posts

    def _reactions(self, query, node, holder, prefix):
        post = self._live_post(node, holder, "pages_read_engagement")
        return self._reaction_list(post, query, self._fields(query, "id,name,type"), prefix)

    def _comments(self, query, node, holder, prefix):
        post = self._live_post(node, holder, "pages_read_user_content")
        modifiers = {k: _one(query, k) for k in ("filter", "order", "summary") if k in query}
        fields = self._fields(query, "created_time,from,message,id")
        return self._comment_list(post, modifiers, query, fields, prefix)

    def _sharedposts(self, query, node, holder, prefix):
        post = self._live_post(node, holder, "pages_read_engagement")
        if self.sharedposts == "refused":
            message = "(#10) This endpoint requires the 'pages_read_user_content' permission."
            raise GraphError(403, 10, message)
        shares = [] if self.sharedposts == "empty" else post.shares
        fields = self._fields(query, "story,created_time,id")
        key = lambda s: (s.at.timestamp(), s.seq)  # noqa: E731
        path = f"{post.id}/sharedposts"
        return self._list(shares, query, fields, key, prefix, path, newest_first=True)

    # --- access -----------------------------------------------------------------------------
    def _page_token(self, page: FbPage, holder, permission: str) -> None:
        """Page edges need that page's own token, and its owner's permission."""
        if holder is not page:
            message = "(#210) A page access token is required to request this resource."
            raise GraphError(400, 210, message)
        if permission not in page.owner.permissions:
            message = f"(#10) This endpoint requires the '{permission}' permission."
            raise GraphError(403, 10, message)

    def _live_post(self, node: str, holder, permission: str) -> Post:
        post = self.posts.get(node)
        if post is None or post.deleted:
            raise _missing(node)
        self._page_token(post.page, holder, permission)
        return post

    # --- rendering ----------------------------------------------------------------------------
    @staticmethod
    def _fields(query: dict, default: str) -> dict:
        return parse_fields(_one(query, "fields") or default)

    def _render(self, obj, fields: dict, prefix: str = "") -> dict:
        """An object with the fields asked; a field it has no value for is left out, as
        Graph does (a post without text has no ``message``)."""
        known = self._known(obj, prefix)
        out = {}
        for name, (modifiers, sub) in fields.items():
            if name not in known:
                kind = type(obj).__name__.replace("Fb", "")
                message = f"(#100) Tried accessing nonexisting field ({name}) on node type ({kind})"
                raise GraphError(400, 100, message)
            value = known[name](modifiers, sub)
            if value is not None:
                out[name] = value
        return out

    def _known(self, obj, prefix: str) -> dict:
        """Each field an object has, as a function of (modifiers, subfields)."""
        plain = lambda value: lambda m, s: value  # noqa: E731
        who = lambda person: lambda m, s: self._render(person, s or parse_fields("name,id"))  # noqa: E731
        if isinstance(obj, User):
            return {"id": plain(obj.id), "name": plain(obj.name)}
        if isinstance(obj, FbPage):
            link = f"https://www.facebook.com/{obj.id}"
            return {
                "id": plain(obj.id),
                "name": plain(obj.name),
                "category": plain(obj.category),
                "fan_count": plain(obj.fans),
                "followers_count": plain(obj.fans),
                "link": plain(link),
                "access_token": plain(obj.token),
                "category_list": plain([{"id": "1", "name": obj.category}]),
                "tasks": plain(["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]),
            }
        if isinstance(obj, Reaction):
            return {
                "id": plain(obj.who.id),
                "name": plain(obj.who.name),
                "type": plain(obj.type),
                "profile_type": plain("page" if isinstance(obj.who, FbPage) else "user"),
            }
        if isinstance(obj, Comment):
            shown = None if obj.hidden_author else who(obj.who)
            return {
                "id": plain(obj.id),
                "message": plain(obj.message),
                "created_time": plain(graph_time(obj.at)),
                "from": shown or plain(None),
                "parent": plain({"id": obj.parent.id} if obj.parent else None),
            }
        if isinstance(obj, Share):
            return {
                "id": plain(obj.id),
                "created_time": plain(graph_time(obj.at)),
                "from": who(obj.who),
                "story": plain(f"{obj.who.name} shared a post."),
            }
        post: Post = obj
        shares = len(post.shares)
        return {
            "id": plain(post.id),
            "message": plain(post.message or None),
            "created_time": plain(graph_time(post.at)),
            "updated_time": plain(graph_time(post.at)),
            "permalink_url": plain(f"https://www.facebook.com/{post.page.id}/posts/{post.id}"),
            "from": who(post.page),
            "message_tags": plain(self._message_tags(post)),
            "shares": lambda m, s: {"count": shares} if shares else None,
            "reactions": lambda m, s: self._reaction_list(
                post, m, s or parse_fields("id,name,type"), prefix, nested=True
            ),
            "comments": lambda m, s: self._comment_list(
                post, m, m, s or parse_fields("created_time,from,message,id"), prefix, nested=True
            ),
        }

    @staticmethod
    def _message_tags(post: Post) -> list | None:
        tags = []
        for who in post.tags:
            offset = max(post.message.find(who.name), 0)
            kind = "page" if isinstance(who, FbPage) else "user"
            tags.append(
                dict(id=who.id, name=who.name, type=kind, offset=offset, length=len(who.name))
            )
        return tags or None

    def _reaction_list(
        self, post: Post, modifiers: dict, fields: dict, prefix: str, nested: bool = False
    ) -> dict:
        wanted = _one(modifiers, "type")
        chosen = [r for r in post.reactions if not wanted or r.type == wanted.upper()]
        summary = None
        if (_one(modifiers, "summary") or "false") != "false":
            summary = {"total_count": len(chosen), "viewer_reaction": "NONE"}
        key = lambda r: (r.seq,)  # noqa: E731
        return self._list(
            chosen,
            modifiers,
            fields,
            key,
            prefix,
            f"{post.id}/reactions",
            newest_first=True,
            summary=summary,
            nested=nested,
        )

    def _comment_list(
        self,
        post: Post,
        modifiers: dict,
        query: dict,
        fields: dict,
        prefix: str,
        nested: bool = False,
    ) -> dict:
        """``filter``: toplevel (the default) or stream (replies too); ``order``:
        chronological (the default) or reverse_chronological."""
        stream = (_one(modifiers, "filter") or "toplevel") == "stream"
        chosen = [c for c in post.comments if stream or c.parent is None]
        newest = (_one(modifiers, "order") or "chronological") == "reverse_chronological"
        summary = None
        if (_one(modifiers, "summary") or "false") != "false":
            order = "reverse_chronological" if newest else "chronological"
            summary = {"order": order, "total_count": len(chosen), "can_comment": True}
        key = lambda c: (c.at.timestamp(), c.seq)  # noqa: E731
        return self._list(
            chosen,
            query,
            fields,
            key,
            prefix,
            f"{post.id}/comments",
            newest_first=newest,
            summary=summary,
            nested=nested,
        )

    def _list(
        self,
        items: list,
        query: dict,
        fields: dict,
        key,
        prefix: str,
        path: str,
        *,
        newest_first: bool = False,
        summary: dict | None = None,
        nested=False,
    ) -> dict:
        """One page of ``items`` in Graph's shape. Cursors name an item's place in the
        order (its sort key), so a page read later starts after it even if items came or
        went meanwhile. ``limit`` defaults to 25 and is capped by ``page_size``."""
        ordered = sorted(items, key=key, reverse=newest_first)
        raw_limit = _one(query, "limit")
        limit = int(raw_limit) if raw_limit and raw_limit.isdigit() else 25
        limit = min(limit, self.page_size)
        after, before = _one(query, "after"), _one(query, "before")
        beyond = (lambda k, m: k < m) if newest_first else (lambda k, m: k > m)
        start, end = 0, len(ordered)
        if after:  # the first item beyond the mark
            mark = _decode(after)
            start = next((n for n, i in enumerate(ordered) if beyond(key(i), mark)), end)
        elif before:  # the items just short of the mark
            mark = _decode(before)
            end = next((n for n, i in enumerate(ordered) if not beyond(mark, key(i))), end)
            start = max(end - limit, 0)
        page = ordered[start : min(start + limit, end)]
        more = start + len(page) < len(ordered)
        answer: dict = {"data": [self._render(i, fields, prefix) for i in page]}
        if page:
            cursors = {"before": _encode(key(page[0])), "after": _encode(key(page[-1]))}
            answer["paging"] = {"cursors": cursors}
            if more:
                answer["paging"]["next"] = self._link(
                    path, query, prefix, fields, nested, after=cursors["after"]
                )
            if after or before:
                answer["paging"]["previous"] = self._link(
                    path, query, prefix, fields, nested, before=cursors["before"]
                )
        if summary is not None:
            answer["summary"] = summary
        return answer

    def _link(self, path: str, query: dict, prefix: str, fields: dict, nested: bool, **cursor):
        """A full URL to the page before or after, keeping the request's parameters (a
        nested edge's link asks the edge itself)."""
        if nested:
            kept = {"limit": [str(min(int(_one(query, "limit") or 25), self.page_size))]}
            kept["fields"] = [_unparse(fields)]
        else:
            kept = {k: v for k, v in query.items() if k not in ("after", "before")}
        kept.update({k: [v] for k, v in cursor.items()})
        return f"{self.link_base or self.url}{prefix}/{path}?{urlencode(kept, doseq=True)}"


class _Raw(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(status)
        self.status, self.body = status, body


def _www(message: str) -> dict:
    return {"WWW-Authenticate": f'OAuth "Facebook Platform" "invalid_token" "{message}"'}


def _one(query: dict, key: str) -> str | None:
    value = query.get(key)
    if isinstance(value, list):
        return value[-1] if value else None
    return value


def _moment(value: str | None) -> datetime | None:
    """``since``/``until``: a unix time, or a date Graph's strtotime reads."""
    if not value:
        return None
    if value.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _encode(key: tuple) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return tuple(json.loads(base64.urlsafe_b64decode(padded)))
    except (ValueError, TypeError):
        raise GraphError(400, 100, "(#100) The parameter after is not a valid cursor") from None


def _unparse(fields: dict) -> str:
    parts = []
    for name, (modifiers, sub) in fields.items():
        text = name + "".join(f".{k}({v})" for k, v in modifiers.items())
        parts.append(text + ("{" + _unparse(sub) + "}" if sub else ""))
    return ",".join(parts)
