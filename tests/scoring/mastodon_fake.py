"""A local fake of a Mastodon instance's REST API as Mastodon.py calls it: app registration,
the OAuth code flow, accounts' statuses, who favourited or boosted a status, threads and
notifications, answering with Mastodon's entities (Account, Status, Tag, Context,
Notification, Application, Token), its Link-header pagination, error bodies and the
X-RateLimit-* headers. No test reaches a Mastodon instance."""

from __future__ import annotations

import html
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.http_fake import HttpFake

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
RATE_LIMIT = 300  # requests per five minutes, Mastodon's default API throttle
TAG = re.compile(r"(?<![\w/&])#(\w+)")
ROUTES = [  # (method, path, endpoint name); the names are what faults, fail_after, calls use
    ("POST", r"/api/v1/apps", "apps"),
    ("GET", r"/oauth/authorize", "authorize"),
    ("POST", r"/oauth/token", "token"),
    ("POST", r"/oauth/revoke", "revoke"),
    ("GET", r"/\.well-known/oauth-authorization-server", "oauth_metadata"),
    ("GET", r"/api/v1/instance", "instance"),  # Mastodon.py's log_in reads the version
    ("GET", r"/api/v2/instance", "instance_v2"),
    ("GET", r"/api/v1/accounts/verify_credentials", "verify_credentials"),
    ("GET", r"/api/v1/accounts/(\w+)/statuses", "account_statuses"),
    ("GET", r"/api/v1/statuses/(\w+)/favourited_by", "favourited_by"),
    ("GET", r"/api/v1/statuses/(\w+)/reblogged_by", "reblogged_by"),
    ("GET", r"/api/v1/statuses/(\w+)/context", "context"),
    ("GET", r"/api/v1/notifications", "notifications"),
    ("GET", r"/api/v1/fake/requests", "fake_requests"),
]
ERRORS = {  # Doorkeeper's and Mastodon's words
    "invalid_client": "Client authentication failed due to unknown client, no client "
    "authentication included, or unsupported authentication method.",
    "invalid_redirect_uri": "The requested redirect uri is malformed or doesn't match client "
    "redirect URI.",
    "invalid_grant": "The provided authorization grant is invalid, expired, revoked, does not "
    "match the redirection URI used in the authorization request, or was issued to another "
    "client.",
    "unsupported_grant_type": "The authorization grant type is not supported by the "
    "authorization server.",
    "access_denied": "The resource owner or authorization server denied the request.",
    "invalid_scope": "The requested scope is invalid, unknown, or malformed.",
    401: "The access token is invalid",
    404: "Record not found",
    429: "Too many requests",
    500: "We're sorry, but something went wrong on our end.",
    503: "Service Unavailable",
}
ACCOUNT_FLAGS = {
    **dict.fromkeys(("locked", "bot", "group", "hide_collections", "noindex"), False),
    **dict.fromkeys(("discoverable", "indexable"), True),
}
SOURCE = dict(privacy="public", sensitive=False, language=None, note="", follow_requests_count=0)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _iso6(epoch: float) -> str:
    """X-RateLimit-Reset as Mastodon writes it: ISO 8601 with microseconds."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _error(status: int, error=None, description=None) -> tuple[int, dict, dict]:
    body = {"error": error or ERRORS.get(status, "Bad request")}
    if description or error in ERRORS:
        body["error_description"] = description or ERRORS[error]
    return status, body, {}


def _route(method: str, path: str):
    for verb, pattern, name in ROUTES:  # Rails takes a trailing slash; Mastodon.py sends some
        if verb == method and (match := re.fullmatch(pattern + "/?", path)):
            return name, match
    return "unknown", None


def _one(query: dict, key: str) -> str | None:
    values = query.get(key)
    return values[-1] if values else None


@dataclass(eq=False)
class Account:
    id: str
    username: str
    server: str  # the host it lives on: its domain, or this instance's for a local one
    domain: str | None = None  # None: local to this instance
    created_at: datetime = T0 - timedelta(days=400)
    display_name: str = ""
    statuses: list[Status] = field(default_factory=list)  # its own and its boosts

    @property
    def acct(self) -> str:
        return self.username if self.domain is None else f"{self.username}@{self.domain}"

    @property
    def uri(self) -> str:
        return f"https://{self.server}/users/{self.username}"

    @property
    def url(self) -> str:
        return f"https://{self.server}/@{self.username}"

    def view(self, host: str) -> dict:
        live = [s for s in self.statuses if not s.deleted]
        missing = f"https://{host}/%s/original/missing.png"
        avatar, header = missing % "avatars", missing % "headers"
        day = self.created_at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        view = dict(id=self.id, username=self.username, acct=self.acct, **ACCOUNT_FLAGS)
        view.update(display_name=self.display_name, note="", url=self.url, uri=self.uri)
        view.update(avatar=avatar, avatar_static=avatar, header=header, header_static=header)
        view.update(created_at=iso(day), followers_count=0, following_count=0)  # days only
        last = max(s.created_at for s in live).date().isoformat() if live else None
        view.update(statuses_count=len(live), last_status_at=last, emojis=[], roles=[], fields=[])
        return view


@dataclass(eq=False)
class Favourite:
    id: str  # the favourite's own id: the cursor of favourited_by
    account: Account
    status: Status
    created_at: datetime


@dataclass(eq=False)
class Status:
    id: str
    account: Account
    text: str
    created_at: datetime
    tags: list[str] = field(default_factory=list)
    visibility: str = "public"
    in_reply_to: Status | None = None
    mentions: list[Account] = field(default_factory=list)
    reblog_of: Status | None = None  # a boost is a status of its own
    favourites: list[Favourite] = field(default_factory=list)
    reblogs: list[Status] = field(default_factory=list)
    replies: list[Status] = field(default_factory=list)
    deleted: bool = False

    @property
    def uri(self) -> str:
        uri = f"{self.account.uri}/statuses/{self.id}"
        return f"{uri}/activity" if self.reblog_of else uri

    def visible_to(self, viewer: Account | None) -> bool:
        if self.deleted or (self.reblog_of and not self.reblog_of.visible_to(viewer)):
            return False
        public = self.visibility in ("public", "unlisted")
        return public or viewer is self.account or viewer in self.mentions

    def content(self, host: str) -> str:
        def link(name: str) -> str:
            return (
                f'<a href="https://{host}/tags/{name.lower()}" class="mention hashtag" '
                f'rel="tag">#<span>{name}</span></a>'
            )

        written = {name.lower() for name in TAG.findall(self.text)}
        body = TAG.sub(lambda m: link(m.group(1)), html.escape(self.text, quote=False))
        cards = [
            f'<span class="h-card" translate="no"><a href="{m.url}" class="u-url mention">'
            f"@<span>{m.username}</span></a></span>"
            for m in self.mentions
        ]
        extra = [link(name) for name in self.tags if name.lower() not in written]
        return "<p>" + " ".join([*cards, body, *extra]) + "</p>"

    def view(self, host: str, viewer: Account | None = None) -> dict:
        original, parent = self.reblog_of, self.in_reply_to
        view = dict(id=self.id, created_at=iso(self.created_at), uri=self.uri, edited_at=None)
        view.update(in_reply_to_id=parent.id if parent else None)
        view.update(in_reply_to_account_id=parent.account.id if parent else None)
        view.update(sensitive=False, spoiler_text="", visibility=self.visibility)
        view.update(language=None if original else "en", account=self.account.view(host))
        view["url"] = self.uri if original else f"{self.account.url}/{self.id}"
        view["replies_count"] = sum(not r.deleted for r in self.replies)
        view["reblogs_count"] = sum(not r.deleted for r in self.reblogs)
        view["favourites_count"] = len(self.favourites)
        view["content"] = "" if original else self.content(host)
        view["reblog"] = original.view(host, viewer) if original else None
        view.update(media_attachments=[], emojis=[], card=None, poll=None)
        view["mentions"] = [
            {"id": m.id, "username": m.username, "url": m.url, "acct": m.acct}
            for m in self.mentions
        ]
        view["tags"] = [{"name": t, "url": f"https://{host}/tags/{t.lower()}"} for t in self.tags]
        if viewer is not None:  # the reader's own relation to the status
            view["favourited"] = any(f.account is viewer for f in self.favourites)
            view["reblogged"] = any(r.account is viewer and not r.deleted for r in self.reblogs)
            view.update(muted=False, bookmarked=False)
            if viewer is self.account:
                view["pinned"] = False
        return view


@dataclass(eq=False)
class Notification:
    id: str
    type: str  # favourite, reblog, mention
    created_at: datetime
    account: Account  # who did it
    status: Status  # the status favourited or boosted, or the one mentioning

    def view(self, host: str, viewer: Account) -> dict:
        view = dict(id=self.id, type=self.type, created_at=iso(self.created_at))
        view.update(group_key=f"ungrouped-{self.id}", account=self.account.view(host))
        return {**view, "status": self.status.view(host, viewer)}


@dataclass(eq=False)
class App:
    id: str
    name: str
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scopes: list[str]
    website: str | None = None


class MastodonFake(HttpFake):
    """The fake instance: its accounts (local and remote), statuses and what was done to
    them, the apps registered and the tokens handed out."""

    def __init__(self) -> None:
        super().__init__()
        self.host = urlsplit(self.url).netloc
        self.accounts: dict[str, Account] = {}
        self.statuses: dict[str, Status] = {}
        self.apps: dict[str, App] = {}  # by client_id
        self.codes: dict[str, tuple[App, str, Account, str]] = {}  # app, redirect, who, scope
        self.tokens: dict[str, Account] = {}
        self.revoked: set[str] = set()
        self.signed_in: Account | None = None  # who approves at /oauth/authorize
        self.deny = False  # the signed-in account refuses the app instead
        self.oauth_metadata = True  # serve /.well-known/oauth-authorization-server (4.3+)
        self.requests: list[tuple[str, dict]] = []
        self.faults: list[tuple[str, int, dict]] = []  # (endpoint, status, headers), in order
        self.fail_after: dict[str, int] = {}  # endpoint -> fail once after this many calls
        self._seq = itertools.count(1)
        self._window = (0.0, 0)  # (rate-limit reset as epoch, requests in the window)
        self.lock = threading.RLock()

    # --- the world ------------------------------------------------------------------------
    def _snowflake(self, at: datetime) -> str:
        """Mastodon's ids: milliseconds << 16 | a sequence, so id order is time order."""
        return str(int(at.timestamp() * 1000) << 16 | next(self._seq) % 65536)

    def account(
        self, username: str, *, domain=None, created_at=T0 - timedelta(days=400), display_name=None
    ) -> Account:
        name = display_name or username.title()
        account = Account(self._snowflake(created_at), username, domain or self.host, domain)
        account.created_at, account.display_name = created_at, name
        self.accounts[account.id] = account
        return account

    def status(self, account: Account, text: str, at: datetime, *, tags=(), visibility="public",
               in_reply_to: Status | None = None, mentions=()) -> Status:  # fmt: skip
        names: list[str] = []
        for name in TAG.findall(text) + list(tags):  # Mastodon's tags: unique, case aside
            if name.lower() not in map(str.lower, names):
                names.append(name)
        mentioned = list(mentions)
        if in_reply_to is not None and in_reply_to.account is not account:
            mentioned.insert(0, in_reply_to.account)
        status = Status(self._snowflake(at), account, text, at, names, visibility, in_reply_to)
        status.mentions = mentioned
        if in_reply_to is not None:
            in_reply_to.replies.append(status)
        account.statuses.append(status)
        self.statuses[status.id] = status
        return status

    def reply(self, status: Status, account: Account, text: str, at: datetime) -> Status:
        return self.status(account, text, at, in_reply_to=status)

    def mention(self, account: Account, of_account: Account, text: str, at: datetime) -> Status:
        return self.status(account, text, at, mentions=[of_account])

    def favourite(self, status: Status, account: Account, at: datetime) -> Favourite:
        favourite = Favourite(self._snowflake(at), account, status, at)
        status.favourites.append(favourite)
        return favourite

    def reblog(self, status: Status, account: Account, at: datetime) -> Status:
        boost = Status(self._snowflake(at), account, "", at, visibility=status.visibility)
        boost.reblog_of = status
        status.reblogs.append(boost)
        account.statuses.append(boost)
        self.statuses[boost.id] = boost
        return boost

    def delete(self, status: Status) -> None:
        status.deleted = True
        for boost in status.reblogs:  # boosts go with the status, as on Mastodon
            boost.deleted = True

    def token_for(self, account: Account) -> str:
        token = secrets.token_urlsafe(32)
        self.tokens[token] = account
        return token

    def revoke(self, token: str) -> None:
        self.revoked.add(token)
        self.tokens.pop(token, None)

    def calls(self, name: str) -> int:
        return sum(1 for called, _ in self.requests if called == name)

    def notifications_of(self, me: Account) -> list[Notification]:
        """What Mastodon would have notified: others' favourites and boosts of my statuses,
        and others' statuses mentioning me (replies to me mention me)."""
        found = []
        for s in self.statuses.values():
            if s.deleted or s.account is me:
                continue
            if s.reblog_of is not None and s.reblog_of.account is me:
                found.append(Notification(s.id, "reblog", s.created_at, s.account, s.reblog_of))
            if me in s.mentions:
                found.append(Notification(s.id, "mention", s.created_at, s.account, s))
        for s in me.statuses:
            favourites = s.favourites if not s.deleted and s.reblog_of is None else []
            for f in (f for f in favourites if f.account is not me):
                found.append(Notification(f.id, "favourite", f.created_at, f.account, s))
        return found

    # --- the protocol ---------------------------------------------------------------------
    def answer(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict, dict]:
        parts = urlsplit(path)
        query = parse_qs(parts.query, keep_blank_values=True)
        name, match = _route(method, parts.path)
        form = {}
        if method == "POST" and "json" in (headers.get("Content-Type") or ""):
            form = json.loads(body or b"{}")
        elif method == "POST":
            form = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        with self.lock:
            self.requests.append((name, query))
            limits = self._limits()
            for number, (fault, status, extra) in enumerate(self.faults):
                if fault == name:
                    del self.faults[number]
                    return status, _error(status)[1], {**limits, **self._throttled(status), **extra}
            if name in self.fail_after and self.calls(name) > self.fail_after[name]:
                del self.fail_after[name]
                return 429, _error(429)[1], {**limits, **self._throttled(429)}
            if match is None:
                return 404, _error(404)[1], limits
            status, data, extra = getattr(self, "_" + name)(query, form, headers, *match.groups())
            return status, data, {**limits, **extra}

    def _limits(self) -> dict:
        """Counts down in five-minute windows; never to 0 on a success (faults make 429s)."""
        reset, used = self._window
        now = time.time()
        if now >= reset or used >= RATE_LIMIT - 1:
            reset, used = now + 300, 0
        self._window = (reset, used + 1)
        remaining = str(RATE_LIMIT - used - 1)
        limit = str(RATE_LIMIT)
        return {"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": remaining,
                "X-RateLimit-Reset": _iso6(reset)}  # fmt: skip

    @staticmethod
    def _throttled(status: int) -> dict:
        if status != 429:
            return {}
        return {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": _iso6(time.time() + 60)}

    def _auth(self, headers, required: bool):
        """(account, None) or (None, error answer). An unknown token reads as anonymous where
        signing in is optional; a revoked one is refused everywhere, as Doorkeeper does."""
        token = (headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if token in self.revoked:
            return None, _error(401, "The access token was revoked")
        if token in self.tokens:
            return self.tokens[token], None
        return None, _error(401) if required else None

    def _status(self, sid: str, headers):
        viewer, error = self._auth(headers, required=False)
        status = self.statuses.get(sid)
        if error is None and (status is None or not status.visible_to(viewer)):
            error = _error(404)
        return status, viewer, error

    def _page(self, items: list, query: dict, default: int) -> tuple[list, bool]:
        """Mastodon's paginate_by_id: newest first, or with min_id the page just above it
        (newest first still); limit clamped to 1..2*default. Also: was the page full?"""
        raw = _one(query, "limit")
        limit = min(max(int(raw), 1), default * 2) if raw and raw.isdigit() else default
        bound = {
            k: int(v)
            for k in ("max_id", "since_id", "min_id")
            if (v := _one(query, k) or "").isdigit()
        }
        ordered = sorted(items, key=lambda item: int(item.id), reverse=True)
        below = [i for i in ordered if int(i.id) < bound.get("max_id", 1 << 80)]
        if "min_id" in bound:
            page = [i for i in reversed(below) if int(i.id) > bound["min_id"]][:limit][::-1]
        else:
            page = [i for i in below if int(i.id) > bound.get("since_id", -1)][:limit]
        return page, len(page) == limit

    def _links(self, path: str, query: dict, keep: tuple, nxt=None, prev=None) -> dict:
        """Rails' url helpers: the permitted parameters plus the cursor, keys sorted."""
        kept = {k: v for k, v in query.items() if k in keep}

        def url(key: str, value: str) -> str:
            return f"{self.url}{path}?{urlencode(sorted({**kept, key: [value]}.items()), True)}"

        links = [f'<{url("max_id", nxt)}>; rel="next"'] if nxt else []
        links += [f'<{url(*prev)}>; rel="prev"'] if prev else []
        return {"Link": ", ".join(links)} if links else {}

    def _apps(self, query, form, headers):
        uris = form.get("redirect_uris") or ""
        uris = uris if isinstance(uris, list) else uris.split()
        if not form.get("client_name") or not uris:
            blank = "Redirect URI" if form.get("client_name") else "Application name"
            return _error(422, f"Validation failed: {blank} can't be blank")
        scopes = (form.get("scopes") or "read").split()
        client_id, secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        app = App(str(len(self.apps) + 1), form["client_name"], client_id, secret, uris, scopes)
        app.website = form.get("website")
        self.apps[app.client_id] = app
        view = dict(id=app.id, name=app.name, website=app.website, scopes=scopes)
        view.update(redirect_uris=uris, redirect_uri="\n".join(uris), vapid_key="BFakeVapid=")
        view.update(client_id=client_id, client_secret=secret, client_secret_expires_at=0)
        return 200, view, {}

    def _authorize(self, query, form, headers):
        app, redirect = self.apps.get(_one(query, "client_id") or ""), _one(query, "redirect_uri")
        if app is None:
            return _error(401, "invalid_client")
        if redirect not in app.redirect_uris:
            return _error(400, "invalid_redirect_uri")
        if self.signed_in is None:
            return _error(403, "You need to sign in or sign up before continuing.")
        scope, state = _one(query, "scope") or "read", _one(query, "state")
        if self.deny or not set(scope.split()) <= set(app.scopes):
            error = "access_denied" if self.deny else "invalid_scope"
            answer = {"error": error, "error_description": ERRORS[error]}
        else:
            answer = {"code": secrets.token_urlsafe(32)}
            self.codes[answer["code"]] = (app, redirect, self.signed_in, scope)
        if redirect == "urn:ietf:wg:oauth:2.0:oob":  # Mastodon shows the code on a page
            redirect = f"{self.url}/oauth/authorize/native"
        answer |= {"state": state} if state is not None else {}
        location = f"{redirect}{'&' if '?' in redirect else '?'}{urlencode(answer)}"
        return 302, {}, {"Location": location}

    def _token(self, query, form, headers):
        app = self.apps.get(form.get("client_id") or "")
        if app is None or form.get("client_secret") != app.client_secret:
            return _error(401, "invalid_client")
        if form.get("grant_type") != "authorization_code":
            return _error(400, "unsupported_grant_type")
        grant = self.codes.get(form.get("code") or "")
        if grant is None or grant[0] is not app or grant[1] != form.get("redirect_uri"):
            return _error(400, "invalid_grant")
        del self.codes[form["code"]]
        token = self.token_for(grant[2])
        answer = dict(access_token=token, token_type="Bearer", scope=grant[3])
        return 200, {**answer, "created_at": int(time.time())}, {}

    def _revoke(self, query, form, headers):
        self.revoke(form.get("token") or "")
        return 200, {}, {}

    def _oauth_metadata(self, query, form, headers):
        if not self.oauth_metadata:
            return _error(404)
        paths = dict(authorization="oauth/authorize", token="oauth/token")
        paths.update(revocation="oauth/revoke", app_registration="api/v1/apps")
        info = {f"{k}_endpoint": f"{self.url}/{path}" for k, path in paths.items()}
        info.update(issuer=f"https://{self.host}/", response_types_supported=["code"])
        info["scopes_supported"] = ["read", "write", "push", "follow", "profile"]
        info["grant_types_supported"] = ["authorization_code", "client_credentials"]
        info["code_challenge_methods_supported"] = ["S256"]
        return 200, info, {}

    def _instance(self, query, form, headers):
        info = dict(uri=self.host, title="Mastodon", version="4.3.0", languages=["en"])
        return 200, {**info, "urls": {"streaming_api": f"ws://{self.host}"}}, {}

    def _instance_v2(self, query, form, headers):
        info = dict(domain=self.host, title="Mastodon", version="4.3.0", languages=["en"])
        info["configuration"] = {"urls": {"streaming": f"ws://{self.host}"}}
        return 200, {**info, "api_versions": {"mastodon": 2}}, {}

    def _verify_credentials(self, query, form, headers):
        viewer, error = self._auth(headers, required=True)
        if error:
            return error
        return 200, {**viewer.view(self.host), "source": {**SOURCE, "fields": []}}, {}

    def _account_statuses(self, query, form, headers, aid):
        viewer, error = self._auth(headers, required=False)
        account = self.accounts.get(aid)
        if error or account is None:
            return error or _error(404)
        flag = lambda key: _one(query, key) in ("1", "true")  # noqa: E731
        chosen = [s for s in account.statuses if s.visible_to(viewer)]
        if flag("only_media") or flag("pinned"):  # the fake has no media, pins nothing
            chosen = []
        if flag("exclude_reblogs"):
            chosen = [s for s in chosen if s.reblog_of is None]
        if flag("exclude_replies"):  # replies to oneself stay
            chosen = [s for s in chosen if s.in_reply_to in (None, *account.statuses)]
        if tagged := (_one(query, "tagged") or "").lower():
            chosen = [s for s in chosen if tagged in map(str.lower, s.tags)]
        page, full = self._page(chosen, query, 20)
        keep = ("limit", "pinned", "tagged", "only_media", "exclude_replies", "exclude_reblogs")
        nxt, prev = page[-1].id if full else None, ("min_id", page[0].id) if page else None
        links = self._links(f"/api/v1/accounts/{aid}/statuses", query, keep, nxt, prev)
        return 200, [s.view(self.host, viewer) for s in page], links

    def _who(self, query, headers, sid, kind: str):
        status, viewer, error = self._status(sid, headers)
        if error:
            return error
        done = status.favourites if kind == "favourited_by" else status.reblogs
        page, full = self._page([d for d in done if not getattr(d, "deleted", False)], query, 40)
        nxt, prev = page[-1].id if full else None, ("since_id", page[0].id) if page else None
        links = self._links(f"/api/v1/statuses/{sid}/{kind}", query, ("limit",), nxt, prev)
        return 200, [d.account.view(self.host) for d in page], links

    def _favourited_by(self, query, form, headers, sid):
        return self._who(query, headers, sid, "favourited_by")

    def _reblogged_by(self, query, form, headers, sid):
        return self._who(query, headers, sid, "reblogged_by")

    def _context(self, query, form, headers, sid):
        status, viewer, error = self._status(sid, headers)
        if error:
            return error
        ancestors, parent = [], status.in_reply_to
        while parent is not None and not parent.deleted:
            ancestors.insert(0, parent)
            parent = parent.in_reply_to
        descendants: list[tuple[Status, int]] = []

        def walk(node: Status, depth: int) -> None:  # depth first, as Mastodon's thread query
            for child in sorted(node.replies, key=lambda s: int(s.id)):
                if not child.deleted:
                    descendants.append((child, depth))
                    walk(child, depth + 1)

        walk(status, 1)
        if viewer is None:  # Mastodon's limits on threads for anonymous readers
            ancestors, descendants = ancestors[-40:], [d for d in descendants if d[1] <= 20][:60]
        shown = lambda items: [s.view(self.host, viewer) for s in items if s.visible_to(viewer)]  # noqa: E731
        answer = {"ancestors": shown(ancestors), "descendants": shown(s for s, _ in descendants)}
        return 200, answer, {}

    def _notifications(self, query, form, headers):
        viewer, error = self._auth(headers, required=True)
        if error:
            return error
        types = query.get("types[]") or query.get("types")
        excluded = query.get("exclude_types[]") or query.get("exclude_types") or []
        chosen = [n for n in self.notifications_of(viewer) if n.status.visible_to(viewer)]
        chosen = [n for n in chosen if (not types or n.type in types) and n.type not in excluded]
        if by := _one(query, "account_id"):
            chosen = [n for n in chosen if n.account.id == by]
        page, _ = self._page(chosen, query, 40)
        keep = ("limit", "account_id", "types[]", "exclude_types[]", "include_filtered")
        nxt, prev = (page[-1].id, ("min_id", page[0].id)) if page else (None, None)
        links = self._links("/api/v1/notifications", query, keep, nxt, prev)
        return 200, [n.view(self.host, viewer) for n in page], links

    def _fake_requests(self, query, form, headers):
        """Not Mastodon's: how many requests were answered before this one (benchmarks)."""
        return 200, {"count": len(self.requests) - 1}, {}
