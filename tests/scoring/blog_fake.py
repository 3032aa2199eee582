"""A local fake of a blog, as the blog connector and the webmention check read one: a
WordPress site (home page, RSS 2.0 and Atom feeds of posts with ``?paged=N``, each post's
comments feeds and the site's, in WordPress's own shapes), or a Ghost site (home page and
its RSS feed, no comments feed), plus any page a test writes (webmention sources with
h-entry and h-card markup) and faults (a status, a huge body, a slow or trickling answer, a
redirect chain). Every request is counted by path. No test reaches a real site.

World-building::

    fake = BlogFake().start()                 # or BlogFake(platform="ghost")
    post = fake.post("Flat white", T0, tags=["Coffee"], html="<p>…</p>")
    fake.comment(post, "Bob", T0 + hour, url="https://bob.example/")
    fake.meta_code = "klout-fair-abc123"      # <meta name="klout-fair-verification"> on /
    fake.page("/notes/1", html)               # any page (content type, status, headers)
    fake.fault("/feed/", 500)                 # 404, 410, 500, "huge", "slow", "trickle"
    fake.redirect_chain(6)                    # /hop/1 -> … -> /hop/6 -> /feed/
    fake.calls["/feed/"], fake.paths          # requests per path, every path asked
"""

from __future__ import annotations

import html
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
WP_GENERATOR = "https://wordpress.org/?v=6.6"
GHOST_GENERATOR = "Ghost 5.96"
RSS = "application/rss+xml; charset=UTF-8"
ATOM = "application/atom+xml; charset=UTF-8"
HTML = "text/html; charset=UTF-8"
HUGE = 3_000_000  # bytes of the "huge" fault: past the 2 MB cap


def rfc822(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def esc(text: str) -> str:
    return html.escape(text, quote=True)


@dataclass(eq=False)
class Comment:
    id: int
    post: Post
    author: str  # "" for an anonymous comment (WordPress then writes "Anonymous")
    published: datetime
    url: str | None = None  # the commenter's web site
    text: str = "Nice post!"
    parent: Comment | None = None


@dataclass(eq=False)
class Post:
    id: int
    slug: str
    title: str
    published: datetime
    html: str
    tags: list[str]
    comments: list[Comment] = field(default_factory=list)
    count: int | None = None  # slash:comments as the feed states it (default: the truth)
    wfw: bool = True  # whether the feed names the post's comments feed


class BlogFake:
    def __init__(self, *, platform: str = "wordpress", title: str = "Ana’s Coffee Notes"):
        self.platform, self.title = platform, title
        self.per_page = 10  # WordPress's posts_per_rss: posts per feed page, comments per feed
        self.generator = WP_GENERATOR if platform == "wordpress" else GHOST_GENERATOR
        self.meta_code: str | None = None
        self.feed_link = True  # the home page names its feed
        self.channel_link: str | None = None  # the site the RSS feed names (default: itself)
        self.posts: list[Post] = []
        self.pages: dict[str, tuple[int, str, bytes, dict]] = {}
        self.faults: dict[str, object] = {}
        self.slow = 2.0  # seconds a "slow" answer waits before its headers
        self.calls: Counter[str] = Counter()  # path (no query) -> requests
        self.paths: list[str] = []  # every path asked, with its query, in order
        self.headers: list[dict] = []  # every request's headers
        self._ids = iter(range(101, 10_000))
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._serve(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # --- life ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def feed_url(self) -> str:
        return self.url + ("/feed/" if self.platform == "wordpress" else "/rss/")

    def start(self) -> BlogFake:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the world -------------------------------------------------------------------------
    def post(self, title, published, *, slug=None, html="", tags=(), count=None) -> Post:
        number = next(self._ids)
        post = Post(number, slug or f"post-{number}", title, published, html, list(tags))
        post.count = count
        self.posts.append(post)
        return post

    def comment(self, post, author, published, *, url=None, text="Nice post!", parent=None):
        comment = Comment(next(self._ids), post, author, published, url, text, parent)
        post.comments.append(comment)
        return comment

    def link(self, post: Post) -> str:
        return f"{self.url}/{post.slug}/"

    def guid(self, post: Post) -> str:
        return f"{self.url}/?p={post.id}"

    def comment_link(self, comment: Comment) -> str:
        return f"{self.link(comment.post)}#comment-{comment.id}"

    def comment_guid(self, comment: Comment) -> str:
        return f"{self.guid(comment.post)}#comment-{comment.id}"

    def page(self, path, body, *, content_type=HTML, status=200, headers=None) -> str:
        raw = body.encode() if isinstance(body, str) else body
        self.pages[path] = (status, content_type, raw, dict(headers or {}))
        return self.url + path

    def fault(self, path: str, kind) -> None:
        self.faults[path] = kind

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        self.page(path, b"", status=status, headers={"Location": to})

    def redirect_chain(self, hops: int, to: str = "/feed/") -> str:
        for number in range(1, hops + 1):
            self.redirect(f"/hop/{number}", f"/hop/{number + 1}" if number < hops else to, 302)
        return f"{self.url}/hop/1"

    # --- serving ---------------------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        self.calls[parts.path] += 1
        self.paths.append(handler.path)
        self.headers.append(dict(handler.headers))
        fault = self.faults.get(handler.path, self.faults.get(parts.path))
        if fault == "slow":
            time.sleep(self.slow)
        elif fault == "huge":
            return self._stream(handler, b"<html>" + b"x" * HUGE, declared=False)
        elif fault == "huge-declared":
            return self._stream(handler, b"x" * HUGE, declared=True)
        elif fault == "trickle":
            return self._trickle(handler)
        elif isinstance(fault, int):
            return self._send(handler, fault, HTML, f"<h1>Error {fault}</h1>".encode())
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if parts.path in self.pages:
            status, kind, body, headers = self.pages[parts.path]
            return self._send(handler, status, kind, body, headers)
        answer = self._route(parts.path, query)
        if answer is None:
            return self._send(handler, 404, HTML, b"<h1>Not found</h1>")
        self._send(handler, 200, *answer)

    def _route(self, path: str, query: dict) -> tuple[str, bytes] | None:
        by_slug = {p.slug: p for p in self.posts}
        wordpress = self.platform == "wordpress"
        if path == "/":
            return HTML, self._home().encode()
        if wordpress and path in ("/feed/", "/feed/atom/"):
            page = int(query.get("paged", "1") or 1)
            posts = self._newest(self.posts)[(page - 1) * self.per_page : page * self.per_page]
            if page > 1 and not posts:
                return None  # WordPress: past the last page, a 404
            if path == "/feed/":
                return RSS, self._rss(posts).encode()
            return ATOM, self._atom(posts).encode()
        if wordpress and path in ("/comments/feed/", "/comments/feed/atom/"):
            comments = [c for p in self.posts for c in p.comments]
            return self._comments(None, comments, atom=path.endswith("/atom/"))
        if not wordpress and path == "/rss/":
            return RSS, self._ghost_rss(self._newest(self.posts)[:15]).encode()
        slug, _, rest = path.strip("/").partition("/")
        post = by_slug.get(slug)
        if post is None:
            return None
        if rest == "":
            return HTML, self._post_page(post).encode()
        if wordpress and rest in ("feed", "feed/atom"):
            return self._comments(post, post.comments, atom=rest == "feed/atom")
        return None

    @staticmethod
    def _newest(items):
        return sorted(items, key=lambda item: item.published, reverse=True)

    def _send(self, handler, status, kind, body: bytes, headers=None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        try:
            handler.wfile.write(body)
        except OSError:  # the client gave up first (a cap, a timeout): as it may
            handler.close_connection = True

    def _stream(self, handler, body: bytes, *, declared: bool) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", HTML)
        if declared:
            handler.send_header("Content-Length", str(len(body)))
        else:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        try:
            for start in range(0, len(body), 65536):
                handler.wfile.write(body[start : start + 65536])
        except OSError:  # the client stopped reading: as it should
            handler.close_connection = True

    def _trickle(self, handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", RSS)
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        try:
            for _ in range(100_000):
                handler.wfile.write(b"<")
                handler.wfile.flush()
                time.sleep(0.05)
        except OSError:
            handler.close_connection = True

    # --- documents -------------------------------------------------------------------------
    def _home(self) -> str:
        head = [f"<title>{esc(self.title)}</title>", '<meta charset="UTF-8">']
        if self.platform == "wordpress":
            head.append('<meta name="generator" content="WordPress 6.6">')
            if self.feed_link:
                head += [
                    f'<link rel="alternate" type="application/rss+xml" title="{esc(self.title)}'
                    f' &raquo; Feed" href="{self.url}/feed/" />',
                    f'<link rel="alternate" type="application/rss+xml" title="{esc(self.title)}'
                    f' &raquo; Comments Feed" href="{self.url}/comments/feed/" />',
                ]
        else:
            head.append(f'<meta name="generator" content="{GHOST_GENERATOR}">')
            if self.feed_link:
                head.append(
                    f'<link rel="alternate" type="application/rss+xml" title="{esc(self.title)}"'
                    ' href="/rss/">'
                )
        if self.meta_code is not None:
            head.append(f'<meta name="klout-fair-verification" content="{esc(self.meta_code)}">')
        items = "".join(f'<li><a href="{self.link(p)}">{esc(p.title)}</a></li>' for p in self.posts)
        return (
            f'<!DOCTYPE html><html lang="en"><head>{"".join(head)}</head>'
            f"<body><h1>{esc(self.title)}</h1><ul>{items}</ul></body></html>"
        )

    def _post_page(self, post: Post) -> str:
        return (
            f"<!DOCTYPE html><html><head><title>{esc(post.title)}</title></head><body>"
            f'<article class="h-entry"><h1 class="p-name">{esc(post.title)}</h1>'
            f'<div class="e-content">{post.html}</div></article></body></html>'
        )

    def _rss(self, posts: list[Post]) -> str:
        items = []
        for post in posts:
            count = len(post.comments) if post.count is None else post.count
            categories = "".join(f"<category>{cdata(t)}</category>" for t in post.tags)
            wfw = (
                f"<wfw:commentRss>{self.link(post)}feed/</wfw:commentRss>"
                f"<slash:comments>{count}</slash:comments>"
                if post.wfw
                else ""
            )
            summary = post.html[:200]
            items.append(
                f"<item><title>{esc(post.title)}</title><link>{self.link(post)}</link>"
                f"<comments>{self.link(post)}#respond</comments>"
                f"<dc:creator>{cdata('ana')}</dc:creator>"
                f"<pubDate>{rfc822(post.published)}</pubDate>{categories}"
                f'<guid isPermaLink="false">{self.guid(post)}</guid>'
                f"<description>{cdata(summary)}</description>"
                f"<content:encoded>{cdata(post.html)}</content:encoded>{wfw}</item>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:atom="http://www.w3.org/2005/Atom" '
            'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" '
            'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"><channel>'
            f"<title>{esc(self.title)}</title>"
            f'<atom:link href="{self.url}/feed/" rel="self" type="application/rss+xml" />'
            f"<link>{self.channel_link or self.url}</link><description>Coffee, mostly</description>"
            f"<lastBuildDate>{rfc822(T0)}</lastBuildDate><language>en-US</language>"
            "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>1</sy:updateFrequency>"
            f"<generator>{esc(self.generator)}</generator>{''.join(items)}</channel></rss>"
        )

    def _atom(self, posts: list[Post]) -> str:
        entries = []
        for post in posts:
            categories = "".join(
                f'<category scheme="{self.url}" term="{esc(t)}" />' for t in post.tags
            )
            entries.append(
                f'<entry><author><name>ana</name></author><title type="html">{cdata(post.title)}'
                f'</title><link rel="alternate" type="text/html" href="{self.link(post)}" />'
                f"<id>{self.guid(post)}</id><updated>{rfc3339(post.published)}</updated>"
                f"<published>{rfc3339(post.published)}</published>{categories}"
                f'<summary type="html">{cdata(post.html[:200])}</summary>'
                f'<content type="html" xml:base="{self.link(post)}">{cdata(post.html)}</content>'
                f'<link rel="replies" type="text/html" href="{self.link(post)}#comments" '
                f'thr:count="{len(post.comments)}" /></entry>'
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
            'xmlns:thr="http://purl.org/syndication/thread/1.0" xml:lang="en-US">'
            f'<title type="text">{esc(self.title)}</title>'
            f"<updated>{rfc3339(T0)}</updated>"
            f'<link rel="alternate" type="text/html" href="{self.url}" />'
            f"<id>{self.url}/feed/atom/</id>"
            f'<link rel="self" type="application/atom+xml" href="{self.url}/feed/atom/" />'
            '<generator uri="https://wordpress.org/" version="6.6">WordPress</generator>'
            f"{''.join(entries)}</feed>"
        )

    def _comments(self, post: Post | None, comments, *, atom: bool) -> tuple[str, bytes]:
        """A comments feed as WordPress writes it: the newest ``per_page`` comments."""
        newest = self._newest(comments)[: self.per_page]
        title = f"Comments on: {post.title}" if post else f"Comments for {self.title}"
        if atom:
            return ATOM, self._comments_atom(post, newest, title).encode()
        items = []
        for c in newest:
            name = c.author or "Anonymous"
            label = f"By: {name}" if post else f"Comment on {c.post.title} by {name}"
            items.append(
                f"<item><title>{esc(label)}</title><link>{self.comment_link(c)}</link>"
                f"<dc:creator>{cdata(name)}</dc:creator><pubDate>{rfc822(c.published)}</pubDate>"
                f'<guid isPermaLink="false">{self.comment_guid(c)}</guid>'
                f"<description>{cdata(c.text)}</description>"
                f"<content:encoded>{cdata('<p>' + c.text + '</p>')}</content:encoded></item>"
            )
        link = self.link(post) if post else self.url
        return RSS, (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:atom="http://www.w3.org/2005/Atom" '
            'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>'
            f"<title>{esc(title)}</title><link>{link}</link>"
            f"<description>Coffee, mostly</description>"
            f"<lastBuildDate>{rfc822(T0)}</lastBuildDate>"
            f"<sy:updatePeriod>hourly</sy:updatePeriod>{''.join(items)}</channel></rss>"
        ).encode()

    def _comments_atom(self, post: Post | None, newest, title: str) -> str:
        entries = []
        for c in newest:
            name = c.author or "Anonymous"
            label = f"By: {name}" if post else f"Comment on {c.post.title} by {name}"
            uri = f"<uri>{esc(c.url)}</uri>" if c.url else ""
            if c.parent is None:
                thread = f'ref="{self.guid(c.post)}" href="{self.link(c.post)}"'
            else:
                thread = f'ref="{self.comment_guid(c.parent)}" href="{self.comment_link(c.parent)}"'
            entries.append(
                f"<entry><title>{esc(label)}</title>"
                f'<link rel="alternate" href="{self.comment_link(c)}" type="text/html" />'
                f"<author><name>{esc(name)}</name>{uri}</author>"
                f"<id>{self.comment_guid(c)}</id><updated>{rfc3339(c.published)}</updated>"
                f"<published>{rfc3339(c.published)}</published>"
                f'<content type="html" xml:base="{self.comment_link(c)}">{cdata(c.text)}</content>'
                f'<thr:in-reply-to {thread} type="text/html" /></entry>'
            )
        link = self.link(post) if post else self.url
        return (
            '<?xml version="1.0" encoding="UTF-8" ?><feed xmlns="http://www.w3.org/2005/Atom" '
            'xml:lang="en-US" xmlns:thr="http://purl.org/syndication/thread/1.0">'
            f'<title type="text">{esc(title)}</title><updated>{rfc3339(T0)}</updated>'
            f'<link rel="alternate" type="text/html" href="{link}" />'
            f"<id>{link}feed/atom/</id>{''.join(entries)}</feed>"
        )

    def _ghost_rss(self, posts: list[Post]) -> str:
        items = "".join(
            f"<item><title>{cdata(p.title)}</title><description>{cdata(p.html[:200])}"
            f"</description><link>{self.link(p)}</link>"
            f'<guid isPermaLink="false">66f{p.id:021x}</guid>'
            + "".join(f"<category>{cdata(t)}</category>" for t in p.tags)
            + f"<dc:creator>{cdata('Ana')}</dc:creator><pubDate>{rfc822(p.published)}</pubDate>"
            f"<content:encoded>{cdata(p.html)}</content:encoded></item>"
            for p in posts
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:atom="http://www.w3.org/2005/Atom" version="2.0" '
            'xmlns:media="http://search.yahoo.com/mrss/"><channel>'
            f"<title>{cdata(self.title)}</title><description>{cdata('Thoughts')}</description>"
            f"<link>{self.url}/</link><generator>{GHOST_GENERATOR}</generator>"
            f"<lastBuildDate>{rfc822(T0)}</lastBuildDate>"
            f'<atom:link href="{self.url}/rss/" rel="self" type="application/rss+xml"/>'
            f"<ttl>60</ttl>{items}</channel></rss>"
        )


def h_entry(
    content: str,
    *,
    author: tuple[str, str | None] | None = None,
    published: datetime | None = None,
    before: str = "",
) -> str:
    """A webmention source page: an h-entry with ``content`` (HTML), an optional p-author
    h-card (name, url) and dt-published; ``before`` goes ahead of the entry (a nav bar)."""
    card = ""
    if author is not None:
        name, url = author
        link = f'<a class="u-url" href="{esc(url)}">{esc(url)}</a>' if url else ""
        card = (
            f'<div class="p-author h-card"><img class="u-photo" src="/me.jpg" alt="">'
            f'<span class="p-name">{esc(name)}</span> {link}</div>'
        )
    when = ""
    if published is not None:
        when = (
            f'<time class="dt-published" datetime="{published.isoformat()}">'
            f"{published:%d %B %Y}</time>"
        )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>A note</title></head><body>'
        f'{before}<article class="h-entry">{card}{when}<div class="e-content">{content}</div>'
        "</article></body></html>"
    )


HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
