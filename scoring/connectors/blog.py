"""Blogs and sites as a live network: a member's feed (RSS or Atom, read with ``feedparser``),
proved theirs by a one-time code, and the comments on its posts.

A member gives the URL of their feed, or of a page that names it (``<link rel="alternate">``),
and proves it theirs with the one-time code in a post or in the home page's ``<meta
name="klout-fair-verification">`` (:func:`code_found`). Every fetch goes through :mod:`.web`.

A sync reads:

1. the feed's posts published since ``since``: page 1 is the feed itself; on WordPress, which
   pages its feeds with ``?paged=N``, the next pages too while their posts are still in the
   window (at most :data:`MAX_PAGES` pages, :data:`MAX_ENTRIES` posts);
2. the comments on them. WordPress names each post's comments feed (``wfw:commentRss``) and
   its count (``slash:comments``): each post's feed is read unless its count is 0; a feed
   whose posts name none gives the site-wide ``<site>/comments/feed/``, read once. On
   WordPress the Atom form of a comments feed is asked for first, as only it names a
   commenter's web site (``<author><uri>``); its RSS form is the fallback. WordPress's
   comments feeds hold only the newest ``posts_per_rss`` comments (10 by default) and are
   not paged: older comments of a busy post are not seen (and a note says so).

Ghost has no public comments feed: its native comments live behind its members API, so a
Ghost blog contributes its posts (and the webmentions others send, :mod:`.webmention`) only.

Identities: a post is its link (canonical) or else its guid; a commenter is their web site
when given, else ``name:<their name, lowercase>``, or unknown (anonymous); a comment's act
is ``comment <its guid or link>``, the same whichever form of the feed was read.

Cursor: ``{"phase": "posts", "page": N}`` (the next feed page to read), then ``{"phase":
"comments", "pages": N (the feed pages that held the window), "post": the last post whose
comments are stored or None, "site": true once the site-wide comments feed is stored}``,
then ``{"done": true}``. A walk resumed mid-way reads the pages already stored again, without
handing their posts over again, to know the window's posts.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser

from scoring.connectors import html_text, web
from scoring.connectors.base import Page, Profile, Refused
from scoring.connectors.web import canonical  # also the spelling of content ids, for callers
from scoring.ingest.records import ActionRecord, PostRecord

NETWORK = "blog"
VERIFY_META = "klout-fair-verification"  # <meta name="klout-fair-verification" content="CODE">
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "text/html;q=0.5, */*;q=0.1"
)
FEED_TYPES = ("application/rss+xml", "application/atom+xml")
MAX_PAGES = 10  # feed pages read in one walk
MAX_ENTRIES = 500  # posts read in one walk
MAX_COMMENTS = 500  # items read from one comments feed
TEXT_LIMIT = 4000  # characters of a post's text kept
MIN_CODE = 6


class NotAFeed(Refused):
    """The URL is neither a feed nor a page that names one."""


@dataclass(frozen=True)
class Feed:
    feed_url: str  # canonical: the final URL after redirects, in one spelling
    site_url: str  # the feed's <link> (the site's home page), or the feed URL's origin
    title: str
    platform: str  # "wordpress", "ghost", "other" (from the generator)
    comments_feed: str | None  # the site-wide comments feed, when the platform has one


# --- feeds -------------------------------------------------------------------------------------
def _parse(got: web.Fetched):
    # A stream, never a string: feedparser fetches a string that looks like a URL itself.
    headers = {"content-type": got.headers.get("content-type", ""), "content-location": got.url}
    return feedparser.parse(io.BytesIO(got.body), response_headers=headers)


def _fetch(url: str, allow_private: bool, accept: str = FEED_ACCEPT) -> web.Fetched:
    return web.fetch(url, accept=accept, allow_private=allow_private)


def _load(url: str, allow_private: bool):
    """The feed at ``url`` (or named by the page at ``url``): (Feed, parsed, requests)."""
    got = _fetch(url, allow_private)
    parsed, requests, hint = _parse(got), 1, ""
    if not parsed.get("version"):
        tags = html_text.head_tags(got.text()) if "html" in got.content_type else []
        alternate = next(
            (
                canonical(urljoin(got.url, attrs.get("href", "").strip()))
                for tag, attrs in tags
                if tag == "link"
                and "alternate" in attrs.get("rel", "").lower().split()
                and attrs.get("type", "").lower().split(";")[0].strip() in FEED_TYPES
                and attrs.get("href")
            ),
            None,
        )
        if alternate is None:
            raise NotAFeed(f"{url} is not an RSS or Atom feed, nor a page that names one.")
        hint = " ".join(a.get("content", "") for t, a in tags if a.get("name") == "generator")
        got = _fetch(alternate, allow_private)
        parsed, requests = _parse(got), 2
        if not parsed.get("version"):
            raise NotAFeed(f"{url} names {alternate}, which is not an RSS or Atom feed.")
    return _feed(got, parsed, hint), parsed, requests


def _feed(got: web.Fetched, parsed, hint: str) -> Feed:
    head = parsed.feed
    link = head.get("link") or ""
    site = canonical(link) if urlsplit(link).scheme in ("http", "https") else None
    site = site or web.origin(got.url)
    detail = head.get("generator_detail") or {}
    words = " ".join(
        [head.get("generator", ""), detail.get("href", ""), detail.get("name", ""), hint]
    ).lower()
    platform = "wordpress" if "wordpress" in words else "ghost" if "ghost" in words else "other"
    comments = None
    if platform == "wordpress":  # pretty permalinks, or plain ones (?feed=rss2)
        plain_links = ("feed", "rss2") in parse_qsl(urlsplit(got.url).query)
        root = site if site.endswith("/") else site + "/"
        comments = root + ("?feed=comments-rss2" if plain_links else "comments/feed/")
    title = " ".join(str(head.get("title") or "").split())
    return Feed(got.url, site, title or str(urlsplit(got.url).hostname), platform, comments)


def read_feed(url: str, *, allow_private: bool = False) -> Feed:
    """The feed at ``url``, or the one the HTML page at ``url`` names (one hop). Raises
    :class:`NotAFeed` (a Refused) or a :class:`.web.FetchError`."""
    return _load(url, allow_private)[0]


def code_found(feed: Feed, code: str, *, allow_private: bool = False) -> str | None:
    """Where the one-time ``code`` stands: in one of the feed's posts (title, summary or
    content) or in the site home page's ``<meta name=VERIFY_META>``; None when in neither."""
    code = code.strip()
    if len(code) < MIN_CODE:
        raise ValueError(f"a verification code has at least {MIN_CODE} characters")
    _, parsed, _ = _load(feed.feed_url, allow_private)
    for entry in parsed.entries[:MAX_ENTRIES]:
        texts = [entry.get("title", ""), entry.get("summary", "")]
        texts += [part.get("value", "") for part in entry.get("content", [])]
        if any(code in str(text) for text in texts):
            return f"a post: {_ids(entry)[0]}"
    page = _fetch(feed.site_url, allow_private, accept="text/html, application/xhtml+xml")
    metas = [attrs for tag, attrs in html_text.head_tags(page.text()) if tag == "meta"]
    mine = [a.get("content", "").strip() for a in metas if a.get("name", "").lower() == VERIFY_META]
    return "the site's <meta> tag" if code in mine else None


def _ids(entry) -> tuple[str, str | None]:
    """An entry's content id (its canonical link, else its guid) and its canonical link."""
    link = str(entry.get("link") or "")
    link = canonical(link) if urlsplit(link).scheme in ("http", "https") else None
    return link or str(entry.get("id") or entry.get("title") or ""), link


def _when(entry) -> datetime | None:
    for name in ("published_parsed", "updated_parsed"):
        moment = entry.get(name)
        if moment:
            return datetime(*moment[:6], tzinfo=UTC)
    return None


def _count(entry) -> int | None:
    try:
        return int(str(entry.get("slash_comments")).strip())
    except ValueError:
        return None


def _paged(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "paged"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("paged", str(page))])))


def _atom_form(url: str) -> str | None:
    """A WordPress comments feed's Atom form: ``…/feed/`` -> ``…/feed/atom/``."""
    parts = urlsplit(url)
    if parts.path.endswith("/feed/"):
        return urlunsplit(parts._replace(path=parts.path + "atom/"))
    query = parse_qsl(parts.query, keep_blank_values=True)
    forms = {"rss2": "atom", "comments-rss2": "comments-atom"}
    if any(k == "feed" and v in forms for k, v in query):
        query = [(k, forms.get(v, v) if k == "feed" else v) for k, v in query]
        return urlunsplit(parts._replace(query=urlencode(query)))
    return None


@dataclass(frozen=True)
class _Post:
    record: PostRecord
    link: str | None
    guid: str
    comments_feed: str | None
    count: int | None


# --- reading -----------------------------------------------------------------------------------
class BlogConnector:
    """Reads a member's blog through its feeds. See the module."""

    network = NETWORK

    def __init__(self, *, feed_url: str, allow_private: bool = False) -> None:
        self.feed_url, self.allow_private = feed_url, allow_private

    def profile(self, account: str = "") -> Profile:
        """The feed at ``account`` (a feed or page URL), else at the connector's feed URL."""
        feed = read_feed(account or self.feed_url, allow_private=self.allow_private)
        return Profile(account_id=feed.feed_url, handle=feed.title)

    def pages(self, *, account_id: str, since: datetime, cursor: dict | None) -> Iterator[Page]:
        return _Walk(self, account_id, since).pages(cursor)


class _Walk:
    def __init__(self, connector: BlogConnector, account_id: str, since: datetime) -> None:
        self.url, self.allow_private = connector.feed_url, connector.allow_private
        self.account_id, self.since = account_id, since
        self.feed: Feed | None = None
        self.posts: list[_Post] = []
        self.page_size = 0

    def pages(self, cursor: dict | None) -> Iterator[Page]:
        state = dict(cursor or {})
        if state.get("done") or state.get("phase") not in ("posts", "comments"):
            state = {"phase": "posts", "page": 1}
        posts = state["phase"] == "posts"
        stored = int(state.get("page", 1)) - 1 if posts else int(state.get("pages") or 1)
        spent, notes, more = 0, [], True
        for number in range(1, stored + 1):  # pages already stored: the window's posts again
            _, more, requests, notes = self._page(number)
            spent += requests
            if not more:
                if posts:  # the feed shrank since: no page left to read
                    posts, state = False, {"phase": "comments", "pages": number, "post": None}
                break
        if posts:
            number = stored + 1
            while more:
                found, more, requests, notes = self._page(number)
                after = {"phase": "posts", "page": number + 1}
                if not more:
                    after = {"phase": "comments", "pages": number, "post": None}
                yield Page([p.record for p in found], after, requests + spent, notes)
                spent, state, number = 0, after, number + 1
        for page in self._comments(state):
            yield Page(page.records, page.cursor, page.requests + spent, page.notes)
            spent = 0
        notes = []
        if self.feed and self.feed.platform == "ghost":
            notes = ["Ghost publishes no comments feed: only this blog's posts were read."]
        yield Page([], {"done": True}, spent, notes)

    def _page(self, number: int) -> tuple[list[_Post], bool, int, list[str]]:
        """Feed page ``number``: its new posts in the window, whether to read the next one,
        the requests made, notes."""
        notes: list[str] = []
        if number == 1:
            self.feed, parsed, requests = _load(self.url, self.allow_private)
            if self.feed.feed_url != canonical(self.account_id):
                notes.append(f"The feed {self.account_id} now answers at {self.feed.feed_url}.")
        else:
            assert self.feed is not None
            try:
                got = _fetch(_paged(self.feed.feed_url, number), self.allow_private)
                parsed, requests = _parse(got), 1
            except web.HttpError:  # past the last page WordPress answers 404
                return [], False, 1, notes
        seen = {p.record.content_id for p in self.posts}
        entries = parsed.entries[: MAX_ENTRIES - len(self.posts)]
        self.page_size = self.page_size or len(entries)
        fresh = [self._post(entry) for entry in entries]
        fresh = [p for p in fresh if p.record.content_id not in seen]
        found = [p for p in fresh if p.record.posted_at is None or p.record.posted_at >= self.since]
        self.posts += found
        full = bool(fresh) and len(entries) >= self.page_size and len(found) == len(fresh)
        more = self.feed.platform == "wordpress" and full and bool(parsed.get("version"))
        if more and (number >= MAX_PAGES or len(self.posts) >= MAX_ENTRIES):
            notes.append(f"Only the newest {len(self.posts)} posts of the feed were read.")
            more = False
        return found, more, requests, notes

    def _post(self, entry) -> _Post:
        content_id, link = _ids(entry)
        body = entry.get("summary") or next(iter(entry.get("content") or []), {}).get("value", "")
        title = " ".join(str(entry.get("title") or "").split())
        text = "\n".join(filter(None, (title, html_text.plain(str(body), TEXT_LIMIT))))
        tags = dict.fromkeys(
            str(tag.get("term") or "").strip().lower() for tag in entry.get("tags") or []
        )
        comments = str(entry.get("wfw_commentrss") or "").strip() or None
        record = PostRecord(
            network=NETWORK,
            account_id=self.account_id,
            content_id=content_id,
            text=text[:TEXT_LIMIT],
            tags=tuple(tag for tag in tags if tag),
            posted_at=_when(entry),
        )
        comments = comments and urljoin(link or self.url, comments)
        return _Post(record, link, str(entry.get("id") or ""), comments, _count(entry))

    # comments -------------------------------------------------------------------------------
    def _comments(self, state: dict) -> Iterator[Page]:
        assert self.feed is not None
        base = {"phase": "comments", "pages": state.get("pages", 1)}
        if any(post.comments_feed for post in self.posts):
            todo = [p for p in self.posts if p.comments_feed and p.count != 0]
            done = [p.record.content_id for p in todo]
            start = done.index(state["post"]) + 1 if state.get("post") in done else 0
            for post in todo[start:]:
                records, requests, notes = self._read(post.comments_feed, post)
                yield Page(records, {**base, "post": post.record.content_id}, requests, notes)
        elif self.feed.comments_feed and self.posts and not state.get("site"):
            records, requests, notes = self._read(self.feed.comments_feed, None)
            yield Page(records, {**base, "post": None, "site": True}, requests, notes)

    def _read(self, url: str, post: _Post | None) -> tuple[list, int, list[str]]:
        """The comments of a comments feed (one post's, or the site's): records, requests,
        notes. A feed that cannot be had is noted, not fatal."""
        atom = _atom_form(url) if self.feed and self.feed.platform == "wordpress" else None
        requests, parsed, why = 0, None, ""
        for candidate in [atom, url] if atom else [url]:
            try:
                requests += 1
                parsed = _parse(_fetch(candidate, self.allow_private))
            except web.FetchRefused as error:
                why = error.message
                continue
            if parsed.get("version"):
                break
            parsed, why = None, f"{candidate} is not a feed."
        if parsed is None:
            return [], requests, [f"The comments feed {url} could not be read: {why}"]
        records, unmatched = [], 0
        for item in parsed.entries[:MAX_COMMENTS]:
            target = post or self._match(item)
            if target is None:
                unmatched += 1
                continue
            record = self._comment(item, target)
            if record is not None:
                records.append(record)
        notes = []
        if post and post.count and post.count > len(parsed.entries):
            notes.append(
                f"The comments feed of {post.record.content_id} holds {len(parsed.entries)} of "
                f"its {post.count} comments: the older ones were not read."
            )
        if unmatched:
            notes.append(f"{unmatched} comments in {url} are on posts outside the window.")
        return records, requests, notes

    def _match(self, item) -> _Post | None:
        thread = item.get("thr_in-reply-to") or {}
        keys = [str(thread.get("ref") or ""), str(thread.get("href") or "")]
        link = urlsplit(str(item.get("link") or ""))  # …/post/comment-page-2/#comment-9
        cut = link.path.rfind("/comment-page-")
        keys.append(urlunsplit(link._replace(path=link.path[: cut + 1] if cut >= 0 else link.path)))
        for key in filter(None, keys):
            spelt = canonical(key) if key.startswith(("http://", "https://")) else key
            for post in self.posts:
                if spelt in (post.link, post.guid, post.record.content_id) or key == post.guid:
                    return post
        return None

    def _comment(self, item, post: _Post) -> ActionRecord | None:
        at = _when(item) or post.record.posted_at
        if at is None or at < self.since:
            return None
        detail = item.get("author_detail") or {}
        href = str(detail.get("href") or "").strip()
        name = str(detail.get("name") or item.get("author") or "").strip().lower()
        actor = canonical(href) if urlsplit(href).scheme in ("http", "https") else None
        if actor is None and name and name != "anonymous":
            actor = f"name:{' '.join(name.split())}"
        ident = str(item.get("id") or item.get("link") or "")
        return ActionRecord(
            network=NETWORK,
            actor_id=actor,
            subject_id=self.account_id,
            kind="comment",
            occurred_at=at,
            content_id=post.record.content_id,
            action_id=f"comment {ident}" if ident else None,
        )
