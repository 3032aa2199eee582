"""Facebook Pages, through the Graph API over plain HTTP (``requests``, no SDK).

``managed_pages`` lists the pages a member manages (Facebook Login, SCOPES), each with its
own page token; the chosen page is read with it: its posts in the window (newest first, with
the counts of their reactions, comments and shares), then post after post who reacted, the
comments (replies included, oldest first) and the shares. A part counted 0 is not asked for.

Identities: a person is the id Graph gives (app- or page-scoped); a post its Graph id; a
reaction ``reaction <person> <post>`` (one per person and post, whatever its type), a comment
``comment <id>``, a share ``share <shared post id>``. Graph never says when someone reacted:
a reaction takes its post's time, the earliest it can have happened. Since 2018 Graph leaves
``from`` out of a comment whose author has not granted the app access: it is an unknown
person's (actor None), still counted.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from urllib.parse import parse_qs, quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from scoring.connectors import base
from scoring.connectors.base import Page, Profile, Unavailable
from scoring.connectors.concurrent import in_order
from scoring.ingest.records import ActionRecord, PostRecord

NETWORK = "facebook_page"
SCOPES = ["pages_show_list", "pages_read_engagement", "pages_read_user_content"]
DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
PAGE_SIZE = 100  # the largest page Graph serves on these edges
TIMEOUT = 30
MAX_BODY = 4 * 1024 * 1024  # a hundred posts or people is a few hundred KB at most
DEFAULT_WAIT = timedelta(hours=1)  # Graph's rate-limit windows are an hour long
RATE_CODES = {4, 17, 32, 613}  # app, user, page, custom; 80000-80014: business use cases
COUNTS = "reactions.summary(total_count).limit(0),comments.filter(stream).summary(true).limit(0)"
POST_FIELDS = f"id,message,created_time,permalink_url,shares,{COUNTS}"
PARTS = ("reactions", "comments", "shares")
WHO = "id,created_time,from{id,name}"
EDGES = {  # part -> (edge, what the member reads it as, query)
    "reactions": ("reactions", "who reacted to a post", {"fields": "id,name,type"}),
    "comments": ("comments", "the comments on a post", {"fields": WHO, "filter": "stream"}),
    "shares": ("sharedposts", "who shared a post", {"fields": WHO}),
}
HASHTAG = re.compile(r"(?<![\w&#])#(\w+)")
PERMISSION = re.compile(r"\b(pages_[a-z_]+|public_profile|business_management)\b")
SESSION_EXPIRED = "Facebook no longer accepts our access to your page: connect it again."
SHARES_REFUSED = "Facebook did not let us see who shared your posts: shares are not counted."


@dataclass(frozen=True)
class ManagedPage:
    """A page the member manages, with its own page access token (kept out of reprs)."""

    id: str
    name: str
    access_token: str = field(repr=False)
    category: str = ""


def when(value, *, fallback: datetime | None = None) -> datetime | None:
    """A Graph time (``2026-11-01T12:00:00+0000``) as aware UTC; the fallback if unreadable."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return fallback
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dig(value, *keys):
    """``value[k1][k2]...``, or None where a level is missing or not an object."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


class _GraphError(Exception):
    """Graph's own error answer, before ``translated`` puts it in the member's words."""

    def __init__(self, status: int, body: dict, headers, what: str) -> None:
        self.text = str(body.get("message") or f"HTTP {status}")
        super().__init__(self.text)
        self.status, self.headers, self.what = status, headers, what
        self.code, subcode = _number(body.get("code")), _number(body.get("error_subcode"))
        self.transient = body.get("is_transient") is True
        # 100/33: the object does not exist (any more), or cannot be read.
        self.missing = self.code == 100 and (subcode == 33 or "does not exist" in self.text)
        self.permission = self.code == 10 or 200 <= (self.code or 0) <= 299


def translated(error: _GraphError) -> base.ConnectorError:
    """Graph's error as the connector interface's, in words for the member."""
    what, code = error.what, error.code or 0
    if code in (102, 190):
        return base.SessionExpired(SESSION_EXPIRED)
    if code in RATE_CODES or 80000 <= code <= 80014:
        until = datetime.now(UTC) + _wait(error.headers)
        return base.RateLimited(f"Facebook asked us to wait before reading {what}.", until=until)
    if error.permission:
        named = PERMISSION.search(error.text)
        need = f"the permission {named.group(1)}" if named else "a permission we asked for"
        text = f"Facebook refused to let us read {what}: it needs {need}, which was not granted."
        return base.Refused(f"{text} Connect your page again and allow it.")
    if error.status >= 500 or code in (1, 2) or error.transient:
        return Unavailable(f"Facebook did not answer while we read {what}; we will try again.")
    if error.missing:
        return base.AccountNotFound(f"Facebook could not find {what}.")
    return base.Refused(f"Facebook refused to let us read {what}: {error.text}")


def _wait(headers) -> timedelta:
    """How long Graph's usage headers say to wait: the longest estimated_time_to_regain_access
    (minutes) in X-Business-Use-Case-Usage or X-Page-Usage, at most a day; an hour when they
    say nothing (or 0, which would only retry into the limit)."""
    minutes: list = []
    for name in ("X-Business-Use-Case-Usage", "X-Page-Usage"):
        try:  # the hook sees every object however deep: the header flat, or by page id
            json.loads(
                headers.get(name) or "{}", object_hook=lambda obj: minutes.append(obj) or obj
            )
        except ValueError:
            continue
    minutes = [_number(obj.get("estimated_time_to_regain_access")) or 0 for obj in minutes]
    longest = min(max(minutes, default=0), 24 * 60)
    return timedelta(minutes=longest) if longest > 0 else DEFAULT_WAIT


class _Graph:
    """GETs on one Graph host with one token. Raises _GraphError for Graph's error answers
    and the interface's errors for transport faults and unreadable answers."""

    def __init__(self, graph_url: str, token: str, concurrency: int = 1) -> None:
        self.base = graph_url.rstrip("/")
        self.origin = urlsplit(self.base)[:2]
        # The token goes in a header, not the URL: URLs end up in logs and error messages.
        self.headers = {"Authorization": f"Bearer {token}"}
        # One session for every worker, with a kept-alive connection for each of them.
        self.session = requests.Session()
        self.session.mount("http", HTTPAdapter(pool_maxsize=max(concurrency, 1) + 1))

    def get(self, path: str, params: dict, what: str) -> dict:
        return self._fetch(f"{self.base}/{quote(path, safe='/_')}", params, what)

    def listing(self, path: str, params: dict, what: str, after=None, url=None) -> tuple:
        """One page of a list, ``(items, after, next)`` (see ``_listing``): by its ``after``
        cursor, or by following ``url`` (a previous page's ``paging.next``), refused unless
        it stays on our Graph host."""
        if url is None:
            data = self.get(path, {**params, **({"after": after} if after else {})}, what)
        elif urlsplit(url)[:2] != self.origin:
            raise base.Refused(f"Facebook sent us elsewhere ({urlsplit(url).netloc}) for {what}.")
        else:
            data = self._fetch(url, None, what)
        return _listing(data, what)

    def _fetch(self, url: str, params: dict | None, what: str) -> dict:
        options = {"headers": self.headers, "timeout": TIMEOUT, "stream": True}
        try:
            with self.session.get(url, params=params, **options) as response:
                status, headers, raw = response.status_code, response.headers, bytearray()
                # Read in chunks and stop beyond MAX_BODY: no answer of Graph's is that
                # large, and a runaway one must not fill the worker's memory.
                for chunk in response.iter_content(64 * 1024):
                    raw += chunk
                    if len(raw) > MAX_BODY:
                        raise Unavailable(f"Facebook's answer about {what} was far too large.")
        except requests.RequestException:
            raise Unavailable(f"Facebook could not be reached while we read {what}.") from None
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            problem = f"(HTTP {status})" if status >= 500 else "was not readable"
            raise Unavailable(f"Facebook's answer about {what} {problem}; we will try again.")
        if status >= 400 or "error" in data:
            error = data.get("error")
            raise _GraphError(status, error if isinstance(error, dict) else {}, headers, what)
        return data


def _listing(data: dict, what: str) -> tuple[list[dict], str | None, str | None]:
    """Graph's ``{"data": [...], "paging": {"cursors": {...}, "next": url}}`` as its items,
    the ``after`` cursor a resumed walk asks with and the ``next`` link (None: the last)."""
    items, following = data.get("data"), _dig(data, "paging", "next")
    after = _dig(data, "paging", "cursors", "after")
    if following and not after:  # a next link without cursors: its query holds one
        after = (parse_qs(urlsplit(str(following)).query).get("after") or [None])[-1]
    listed = isinstance(items, list) and all(isinstance(i, dict) for i in items)
    if not listed or (following and (not isinstance(following, str) or not after)):
        raise Unavailable(f"Facebook's answer about {what} was not in the expected shape.")
    return (items, str(after), following) if following else (items, None, None)


def _read(fn, *args):
    try:
        return fn(*args)
    except _GraphError as error:
        raise translated(error) from None


def managed_pages(*, graph_url: str, user_token: str) -> list[ManagedPage]:
    """Every page the user token's person manages (``/me/accounts``, all its pages), each
    with its page token; a page listed without a token (no task that reads it) is left out.
    Raises SessionExpired, Refused, RateLimited, Unavailable."""
    graph, found = _Graph(graph_url, user_token), []
    params = {"fields": "id,name,access_token,category,tasks", "limit": PAGE_SIZE}
    try:
        after, url = None, None
        while True:
            what = "the pages you manage"
            items, following, url = _read(graph.listing, "me/accounts", params, what, None, url)
            found += [page for page in map(_managed, items) if page is not None]
            if not url or following == after:
                return found
            after = following
    finally:
        graph.session.close()


def _managed(item: dict) -> ManagedPage | None:
    """A page of ``/me/accounts``; None without a page token (no task that reads it)."""
    if not item.get("id"):
        raise Unavailable("Facebook listed one of your pages without its id.")
    name, category = str(item.get("name") or item["id"]), str(item.get("category") or "")
    token = item.get("access_token")
    return ManagedPage(str(item["id"]), name, str(token), category) if token else None


class FacebookPageConnector:
    """Reads one Facebook page with its page token. See the module."""

    network = NETWORK

    def __init__(
        self, *, graph_url: str = DEFAULT_GRAPH_URL, page_token: str, concurrency: int = 1
    ) -> None:
        self.graph = _Graph(graph_url, page_token, concurrency)
        self.concurrency = concurrency

    def profile(self, account: str) -> Profile:
        """The page ``account`` (its id); raises AccountNotFound when Graph knows none."""
        fields = {"fields": "id,name,link,followers_count,fan_count"}
        data = _read(self.graph.get, account, fields, "your page")
        if not data.get("id"):
            raise Unavailable("Facebook's answer about your page was not in the expected shape.")
        return Profile(account_id=str(data["id"]), handle=str(data.get("name") or data["id"]))

    def pages(self, *, account_id: str, since: datetime, cursor: dict | None) -> Iterator[Page]:
        return _Walk(self, account_id, since).pages(cursor)


def _at(page: str | None, post: dict | None = None) -> dict:
    """The cursor at the posts page ``page`` (its ``after``), at ``post``'s first part."""
    post_id = str(post["id"]) if post else None
    return {"phase": "posts", "page": page, "post": post_id, "part": 0, "after": None}


class _Walk:
    """The window's posts page by page, and each post's parts. The cursor is the next thing
    to read: ``page`` the posts page's own ``after`` cursor (None: the first page); ``post``
    None when that page's posts are not stored yet, else the post whose ``part`` (index in
    PARTS) is read next, from the part's ``after`` cursor. Each Page's cursor points past
    what it holds, so a walk resumed from any of them neither skips nor repeats."""

    def __init__(self, connector: FacebookPageConnector, page_id: str, since: datetime) -> None:
        self.graph, self.workers = connector.graph, connector.concurrency
        self.page_id, self.since = page_id, since
        # Graph refused /sharedposts once: not asked again (the lock: several posts at once)
        self.lock, self.shares_refused = threading.Lock(), False

    def pages(self, cursor: dict | None) -> Iterator[Page]:
        state = dict(cursor or {})
        if state.get("done") or state.get("phase") != "posts":
            state = _at(None)  # a finished walk's mark: the next sync reads afresh
        yield from self._posts(state)
        yield Page([], {"done": True}, 0)

    def _posts(self, state: dict) -> Iterator[Page]:
        params = {"fields": POST_FIELDS, "since": int(self.since.timestamp()), "limit": PAGE_SIZE}
        path, url = f"{self.page_id}/posts", None
        while True:
            items, after, url = _read(
                self.graph.listing, path, params, "your posts", state["page"], url
            )
            posts, ended = self._in_window(items)
            more = url and after != state["page"] and not ended
            following = _at(after) if more else {"done": True}
            resumed = state.get("post")
            start = next((n for n, p in enumerate(posts) if str(p["id"]) == resumed), None)
            if resumed is None:
                first = _at(state["page"], posts[0]) if posts else following
                yield Page([self._post(p) for p in posts], first, 1)
            else:  # this page's posts are stored: it was read again to find the post
                yield Page([], {**state}, 1)
            jobs = []
            for n in range(start or 0, len(posts)):
                begin = {**state} if n == start else _at(state["page"], posts[n])
                then = _at(state["page"], posts[n + 1]) if n + 1 < len(posts) else following
                jobs.append(partial(self._engagement, posts[n], begin, then))
            yield from in_order(jobs, workers=self.workers)
            if following.get("done"):
                return
            state = following

    def _in_window(self, items: list[dict]) -> tuple[list[dict], bool]:
        posts, ended = [], False
        for item in items:
            if not item.get("id"):
                raise Unavailable("Facebook listed a post of your page without its id.")
            made = when(item.get("created_time"))
            if made is not None and made < self.since:  # newest first: the window ends here
                ended = True
            else:
                posts.append(item)
        return posts, ended

    def _engagement(self, post: dict, state: dict, then: dict) -> Iterator[Page]:
        """The post's parts from ``state``; the last Page carries ``then``, what follows."""
        counts, first = _counts(post), state.get("part") or 0
        for number in range(first, len(PARTS)):
            part, after, url = PARTS[number], state.get("after") if number == first else None, None
            edge, what, query = EDGES[part]
            path, query = f"{post['id']}/{edge}", {**query, "limit": PAGE_SIZE}
            done = {**state, "part": number + 1, "after": None} if number + 1 < len(PARTS) else then
            if counts[part] == 0 or (part == "shares" and self.shares_refused):
                continue
            while True:
                try:
                    items, following, url = self.graph.listing(path, query, what, after, url)
                except _GraphError as error:
                    if error.missing:
                        note = f"a post was deleted before it was read: {post['id']}"
                        yield Page([], then, 1, [note])
                        return
                    if part == "shares" and error.permission:
                        yield Page([], done, 1, self._shares_refused())
                        break
                    raise translated(error) from None
                records, notes = self._records(part, post, items)
                if not url or following == after:
                    yield Page(records, done, 1, notes)
                    break
                yield Page(records, {**state, "part": number, "after": following}, 1, notes)
                after = following

    def _shares_refused(self) -> list[str]:
        """The note, the first time only (several posts' walks may be refused at once)."""
        with self.lock:
            first, self.shares_refused = not self.shares_refused, True
        return [SHARES_REFUSED] if first else []

    def _post(self, post: dict) -> PostRecord:
        """The post; its tags are the message's hashtags, lowercased, each once, in order."""
        text, posted = str(post.get("message") or ""), when(post.get("created_time"))
        tags = tuple(dict.fromkeys(tag.lower() for tag in HASHTAG.findall(text)))
        return PostRecord(NETWORK, self.page_id, str(post["id"]), text, tags, posted)

    def _records(self, part: str, post: dict, items: list[dict]) -> tuple[list, list]:
        """A part's items as actions; one without an id of its own is left out, noted."""
        posted = when(post.get("created_time")) or datetime.now(UTC)
        pid, records, notes = str(post["id"]), [], []
        for item in items:
            iid, actor = str(item.get("id") or ""), _dig(item, "from", "id")
            actor = str(actor) if actor else None
            at = when(item.get("created_time"), fallback=posted)
            if not iid:
                notes.append(f"an item without an id was skipped among {EDGES[part][1]}: {pid}")
            elif part == "reactions":  # Graph gives no reaction time: the post's (module doc)
                records.append(self._act(iid, "like", posted, pid, f"reaction {iid} {pid}"))
            else:  # a comment or a share; without ``from``: an unknown person's
                kind = "comment" if part == "comments" else "share"
                records.append(self._act(actor, kind, at, pid, f"{kind} {iid}"))
        return records, notes

    def _act(self, actor: str | None, kind: str, at: datetime, pid: str, action: str):
        return ActionRecord(NETWORK, actor, self.page_id, kind, at, pid, action_id=action)


def _counts(post: dict) -> dict[str, int | None]:
    """The parts' counts as the posts request gave them; None (unknown) is asked for. Graph
    leaves ``shares`` out of a post nobody shared."""
    shares = _number(_dig(post, "shares", "count")) if "shares" in post else 0
    reactions = _number(_dig(post, "reactions", "summary", "total_count"))
    comments = _number(_dig(post, "comments", "summary", "total_count"))
    return {"reactions": reactions, "comments": comments, "shares": shares}
