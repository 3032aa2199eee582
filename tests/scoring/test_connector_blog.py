"""The blog connector and its safe fetcher, against a local fake WordPress (or Ghost) site:
feeds read and found, ownership codes, the posts and comments of a sync page by page,
resuming from every cursor, and the fetcher's refusals (private addresses, sizes, redirects,
time)."""

from __future__ import annotations

import gzip
import time
from datetime import UTC

import pytest

from scoring.connectors import blog, web
from scoring.connectors.base import Page, RateLimited, Refused, Unavailable
from scoring.ingest.records import ActionRecord, PostRecord
from tests.scoring.blog_fake import DAY, HOUR, T0, BlogFake

SINCE = T0 - 90 * DAY
CODE = "klout-fair-5e1f0c2a9b"


@pytest.fixture
def site():
    fake = BlogFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def ghost():
    fake = BlogFake(platform="ghost", title="Cy’s Garden").start()
    yield fake
    fake.stop()


@pytest.fixture
def world(site):
    """Three posts in the window (one without comments), one too old; Bob comments with his
    web site, Cy with a name only, someone anonymously."""
    first = site.post(
        "Flat white ☕ and a croissant 🥐",
        T0 - 3 * DAY,
        slug="flat-white",
        html="<p>Steamed <b>milk</b> &amp; espresso.</p><script>track()</script><p>Zürich</p>",
        tags=["Coffee", "Café", "coffee"],
    )
    site.comment(first, "Bob", T0 - 2 * DAY, url="https://Bob.Example/")
    site.comment(first, "Cy Twombly", T0 - 1 * DAY)
    site.comment(first, "", T0 - 20 * HOUR)
    quiet = site.post("Nothing happened here", T0 - 10 * DAY, slug="quiet", tags=["Quiet"])
    third = site.post("Espresso dial-in notes", T0 - 30 * DAY, slug="dial-in")
    site.comment(third, "Dee", T0 - 29 * DAY, url="https://dee.example")
    old = site.post("Too old to count", T0 - 200 * DAY, slug="old")
    site.comment(old, "Bob", T0 - 199 * DAY, url="https://bob.example/")
    return {"first": first, "quiet": quiet, "third": third, "old": old}


def connector(fake: BlogFake, url: str | None = None) -> blog.BlogConnector:
    return blog.BlogConnector(feed_url=url or fake.feed_url, allow_private=True)


def walk(fake: BlogFake, cursor=None, url: str | None = None):
    return list(connector(fake, url).pages(account_id=fake.feed_url, since=SINCE, cursor=cursor))


def records(pages) -> list:
    return [record for page in pages for record in page.records]


# --- reading a feed ------------------------------------------------------------------------------
def test_rss_feed_read(site, world):
    feed = blog.read_feed(site.feed_url, allow_private=True)
    assert feed == blog.Feed(
        feed_url=f"{site.url}/feed/",
        site_url=f"{site.url}/",
        title="Ana’s Coffee Notes",
        platform="wordpress",
        comments_feed=f"{site.url}/comments/feed/",
    )


def test_atom_feed_read(site, world):
    feed = blog.read_feed(f"{site.url}/feed/atom/", allow_private=True)
    assert (feed.feed_url, feed.site_url) == (f"{site.url}/feed/atom/", f"{site.url}/")
    assert feed.platform == "wordpress"  # <generator uri="https://wordpress.org/">
    pages = walk(site, url=f"{site.url}/feed/atom/")
    posts = [r for r in records(pages) if isinstance(r, PostRecord)]
    assert [p.content_id for p in posts] == [
        f"{site.url}/flat-white/",
        f"{site.url}/quiet/",
        f"{site.url}/dial-in/",
    ]
    assert posts[0].tags == ("coffee", "café")


def test_home_page_names_its_feed(site, world):
    feed = blog.read_feed(f"{site.url}/", allow_private=True)
    assert feed.feed_url == f"{site.url}/feed/"  # the first alternate, not the comments feed
    assert site.calls["/"] == 1 and site.calls["/feed/"] == 1


def test_ghost_home_page_names_a_relative_feed(ghost):
    ghost.post("Tomatoes", T0 - DAY, tags=["Garden"])
    feed = blog.read_feed(ghost.url, allow_private=True)
    assert feed.feed_url == f"{ghost.url}/rss/"
    assert (feed.platform, feed.comments_feed, feed.title) == ("ghost", None, "Cy’s Garden")


def test_feed_url_is_canonical_after_redirects(site, world):
    site.redirect("/old-feed", f"{site.url}/feed/")
    messy = f"HTTP://127.0.0.1:{site.server.server_address[1]}/old-feed#top"
    feed = blog.read_feed(messy, allow_private=True)
    assert feed.feed_url == f"{site.url}/feed/"
    assert web.canonical("HTTPS://Example.COM:443#x") == "https://example.com/"
    assert web.canonical("http://Example.com:8080/A?b=C#d") == "http://example.com:8080/A?b=C"


def test_a_page_that_is_no_feed_is_refused(site):
    url = site.page("/about/", "<html><head><title>About</title></head><body>Hi</body></html>")
    with pytest.raises(blog.NotAFeed) as caught:
        blog.read_feed(url, allow_private=True)
    assert isinstance(caught.value, Refused)
    assert f"{url} is not an RSS or Atom feed" in caught.value.message
    site.feed_link = False
    with pytest.raises(blog.NotAFeed):
        blog.read_feed(site.url, allow_private=True)
    data = site.page("/data.json", '{"a": 1}', content_type="application/json")
    with pytest.raises(blog.NotAFeed):
        blog.read_feed(data, allow_private=True)


def test_a_page_naming_something_else_than_a_feed_is_refused(site):
    site.page("/fake.xml", "<html><body>nope</body></html>")
    url = site.page(
        "/home",
        '<html><head><link rel="alternate" type="application/rss+xml" href="/fake.xml">'
        "</head><body></body></html>",
    )
    with pytest.raises(blog.NotAFeed) as caught:
        blog.read_feed(url, allow_private=True)
    assert f"{site.url}/fake.xml, which is not an RSS or Atom feed" in caught.value.message


def test_profile_is_the_canonical_feed(site, world):
    profile = connector(site, f"{site.url}/").profile("")
    assert (profile.account_id, profile.handle) == (f"{site.url}/feed/", "Ana’s Coffee Notes")


# --- the ownership code --------------------------------------------------------------------------
def test_code_found_in_a_post(site, world):
    site.post("Claiming my blog", T0, slug="claim", html=f"<p>My code: {CODE}</p>")
    feed = blog.read_feed(site.feed_url, allow_private=True)
    assert blog.code_found(feed, CODE, allow_private=True) == f"a post: {site.url}/claim/"
    assert site.calls["/"] == 0  # found in the feed: the home page is not asked


def test_code_found_in_the_meta_tag(site, world):
    site.meta_code = CODE
    feed = blog.read_feed(site.feed_url, allow_private=True)
    assert blog.code_found(feed, f"  {CODE} ", allow_private=True) == "the site's <meta> tag"


def test_code_not_found(site, world):
    site.meta_code = "klout-fair-someone-else"
    site.post("Near miss", T0, html="<p>klout-fair-5e1f0c2a9</p>")
    feed = blog.read_feed(site.feed_url, allow_private=True)
    assert blog.code_found(feed, CODE, allow_private=True) is None
    with pytest.raises(ValueError, match="at least"):
        blog.code_found(feed, "abc", allow_private=True)


# --- a sync --------------------------------------------------------------------------------------
def test_posts_in_the_window_with_tags_and_unicode(site, world):
    posts = [r for r in records(walk(site)) if isinstance(r, PostRecord)]
    assert [p.content_id for p in posts] == [
        f"{site.url}/flat-white/",
        f"{site.url}/quiet/",
        f"{site.url}/dial-in/",
    ]
    first = posts[0]
    assert first.network == "blog" and first.account_id == site.feed_url
    assert first.text == "Flat white ☕ and a croissant 🥐\nSteamed milk & espresso.\nZürich"
    assert first.tags == ("coffee", "café")
    assert first.posted_at == T0 - 3 * DAY and first.posted_at.tzinfo is UTC
    assert posts[1].tags == ("quiet",)


def test_comments_mapped(site, world):
    comments = [r for r in records(walk(site)) if isinstance(r, ActionRecord)]
    first = world["first"]
    by_time = sorted(comments, key=lambda r: r.occurred_at)
    assert [(r.actor_id, r.content_id, r.occurred_at) for r in by_time] == [
        ("https://dee.example/", f"{site.url}/dial-in/", T0 - 29 * DAY),
        ("https://bob.example/", f"{site.url}/flat-white/", T0 - 2 * DAY),
        ("name:cy twombly", f"{site.url}/flat-white/", T0 - DAY),
        (None, f"{site.url}/flat-white/", T0 - 20 * HOUR),
    ]
    bob = by_time[1]
    assert (bob.kind, bob.subject_id, bob.network) == ("comment", site.feed_url, "blog")
    assert bob.action_id == f"comment {site.url}/?p={first.id}#comment-{first.comments[0].id}"
    # The Atom form was read (it names commenters' sites); the post without comments was
    # not asked for; the old post is outside the window.
    assert site.calls["/flat-white/feed/atom/"] == 1 and site.calls["/flat-white/feed/"] == 0
    assert site.calls["/quiet/feed/atom/"] == 0 and site.calls["/old/feed/atom/"] == 0


def test_the_rss_form_when_the_atom_form_is_missing(site, world):
    site.fault("/flat-white/feed/atom/", 404)
    comments = [r for r in records(walk(site)) if r.content_id == f"{site.url}/flat-white/"]
    actors = [r.actor_id for r in comments if isinstance(r, ActionRecord)]
    assert actors == [None, "name:cy twombly", "name:bob"]  # RSS names no web sites
    first = world["first"]
    assert comments[-1].action_id == (  # the same act as read from the Atom form
        f"comment {site.url}/?p={first.id}#comment-{first.comments[0].id}"
    )


def test_a_comments_feed_that_404s_is_noted(site, world):
    site.fault("/flat-white/feed/atom/", 404)
    site.fault("/flat-white/feed/", 404)
    pages = walk(site)
    notes = [n for page in pages for n in page.notes]
    assert any(f"{site.url}/flat-white/feed/ could not be read" in n and "404" in n for n in notes)
    comments = [r for r in records(pages) if isinstance(r, ActionRecord)]
    assert [r.actor_id for r in comments] == ["https://dee.example/"]  # the walk went on
    assert pages[-1] == Page([], {"done": True}, 0)


def test_a_failing_comments_feed_stops_the_walk_for_a_retry(site, world):
    site.fault("/dial-in/feed/atom/", 500)
    pages = []
    with pytest.raises(Unavailable):
        for page in connector(site).pages(account_id=site.feed_url, since=SINCE, cursor=None):
            pages.append(page)
    site.faults.clear()
    resumed = walk(site, pages[-1].cursor)
    assert records(pages) + records(resumed) == records(walk(site))


def test_a_busy_post_notes_the_comments_its_feed_left_out(site, world):
    first = world["first"]
    first.count = 14  # WordPress counts them all; its feed holds the newest 10
    notes = [n for page in walk(site) for n in page.notes]
    assert any("holds 3 of its 14 comments" in n for n in notes)


def test_the_site_comments_feed_when_posts_name_none(site, world):
    for post in site.posts:
        post.wfw = False
    reply = site.comment(world["first"], "Eve", T0 - 10 * HOUR, parent=world["first"].comments[0])
    pages = walk(site)
    comments = [r for r in records(pages) if isinstance(r, ActionRecord)]
    assert site.calls["/comments/feed/atom/"] == 1 and site.calls["/flat-white/feed/atom/"] == 0
    assert {(r.actor_id, r.content_id) for r in comments} == {
        ("https://dee.example/", f"{site.url}/dial-in/"),
        ("https://bob.example/", f"{site.url}/flat-white/"),
        ("name:cy twombly", f"{site.url}/flat-white/"),
        (None, f"{site.url}/flat-white/"),
        ("name:eve", f"{site.url}/flat-white/"),  # a reply to a comment: on the same post
    }
    assert any(r.action_id.endswith(f"#comment-{reply.id}") for r in comments)
    assert any("1 comments in" in n and "outside the window" in n for p in pages for n in p.notes)


def test_paged_feeds_are_followed_while_in_the_window(site):
    site.per_page = 3
    for day in range(1, 9):  # eight posts in the window, two older
        site.post(f"Day {day}", T0 - day * DAY, slug=f"day-{day}")
    site.post("Older", T0 - 100 * DAY, slug="older-1")
    site.post("Oldest", T0 - 120 * DAY, slug="older-2")
    pages = walk(site)
    posts = [r for r in records(pages) if isinstance(r, PostRecord)]
    assert [p.content_id for p in posts] == [f"{site.url}/day-{d}/" for d in range(1, 9)]
    assert [p for p in site.paths if p.startswith("/feed/")] == [
        "/feed/",
        "/feed/?paged=2",
        "/feed/?paged=3",
    ]
    assert [page.cursor for page in pages[:3]] == [
        {"phase": "posts", "page": 2},
        {"phase": "posts", "page": 3},
        {"phase": "comments", "pages": 3, "post": None},
    ]


def test_a_feed_whose_last_page_is_full_ends_on_404(site):
    site.per_page = 3
    for day in range(1, 7):
        site.post(f"Day {day}", T0 - day * DAY, slug=f"day-{day}")
    posts = [r for r in records(walk(site)) if isinstance(r, PostRecord)]
    assert len(posts) == 6
    assert site.paths.count("/feed/?paged=3") == 1  # 404: the end


def test_pages_are_bounded(site, monkeypatch):
    monkeypatch.setattr(blog, "MAX_PAGES", 2)
    site.per_page = 2
    for day in range(1, 8):
        site.post(f"Day {day}", T0 - day * DAY, slug=f"day-{day}")
    pages = walk(site)
    assert len([r for r in records(pages) if isinstance(r, PostRecord)]) == 4
    assert any("Only the newest 4 posts" in n for p in pages for n in p.notes)
    assert "/feed/?paged=3" not in site.paths


def test_ghost_contributes_posts_only(ghost):
    ghost.post("Tomatoes 🍅", T0 - DAY, tags=["Garden"], html="<p>Red &amp; ripe</p>")
    pages = walk(ghost)
    (post,) = records(pages)
    assert (post.text, post.tags) == ("Tomatoes 🍅\nRed & ripe", ("garden",))
    assert pages[-1].cursor == {"done": True} and pages[-1].records == []
    assert "Ghost publishes no comments feed" in pages[-1].notes[0]
    assert set(ghost.calls) == {"/rss/"}


def test_requests_are_counted(site, world):
    pages = walk(site)
    assert sum(page.requests for page in pages) == sum(site.calls.values())
    assert pages[-1] == Page([], {"done": True}, 0)


def test_resume_from_every_cursor_gives_the_same_records(site, world):
    site.per_page = 2  # pages 1 and 2 hold the window's three posts
    full = walk(site)
    assert [p.cursor["phase"] for p in full[:-1]] == ["posts", "comments", "comments", "comments"]
    for number, page in enumerate(full[:-1]):
        resumed = walk(site, page.cursor)
        assert records(resumed) == records(full[number + 1 :]), page.cursor
        assert resumed[-1].cursor == {"done": True}
    again = walk(site, full[-1].cursor)  # a finished walk's cursor starts the next walk
    assert records(again) == records(full)


def test_resume_in_the_site_comments_phase(site, world):
    for post in site.posts:
        post.wfw = False
    full = walk(site)
    assert full[-2].cursor == {"phase": "comments", "pages": 1, "post": None, "site": True}
    for number, page in enumerate(full[:-1]):
        assert records(walk(site, page.cursor)) == records(full[number + 1 :])


def test_a_moved_feed_is_noted(site, world):
    pages = list(
        connector(site).pages(account_id=f"{site.url}/old/feed/", since=SINCE, cursor=None)
    )
    assert f"now answers at {site.url}/feed/" in pages[0].notes[0]
    assert records(pages)[0].account_id == f"{site.url}/old/feed/"


# --- the fetcher ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/feed/",
        "http://localhost:{port}/feed/",
        "http://10.0.0.1/feed/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://0.0.0.0:{port}/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
    ],
)
def test_private_addresses_are_refused(site, url):
    url = url.format(port=site.server.server_address[1])
    started = time.monotonic()
    with pytest.raises(web.AddressRefused) as caught:
        web.fetch(url)
    assert isinstance(caught.value, Refused)
    assert url in caught.value.message and "not a public web site" in caught.value.message
    assert time.monotonic() - started < 2  # refused before connecting
    assert not site.calls
    with pytest.raises(Refused):
        blog.read_feed(url)


@pytest.mark.parametrize(
    "url, words",
    [
        ("ftp://example.com/feed", "not an http or https URL"),
        ("file:///etc/passwd", "not an http or https URL"),
        ("http://ana:secret@example.com/", "user name or password"),
        ("http:///feed", "names no host"),
        ("http://example.com:99999/", "not a valid URL"),
    ],
)
def test_urls_that_are_not_fetched(url, words):
    with pytest.raises(web.AddressRefused, match=words):
        web.fetch(url)


def test_a_redirect_to_a_private_address_is_refused(site, monkeypatch):
    """Each hop is checked as the first: here 127.0.0.1 passes for public, 10.0.0.1 not."""
    monkeypatch.setattr(web, "refusal", lambda a: None if a == "127.0.0.1" else "a private address")
    site.redirect("/go", "http://10.0.0.1/admin")
    with pytest.raises(web.AddressRefused, match=r"http://10\.0\.0\.1/admin is not fetched"):
        web.fetch(f"{site.url}/go")
    assert site.calls["/go"] == 1


def test_the_connected_peer_is_checked_too(site, monkeypatch):
    """A name that resolved public but connects private (DNS rebinding) gets no further."""
    monkeypatch.setattr(web, "_resolve", lambda url, host, port: None)
    with pytest.raises(web.AddressRefused, match="127.0.0.1"):
        web.fetch(site.feed_url)
    assert not site.calls


def test_the_body_is_capped(site, world):
    site.fault("/huge", "huge")
    with pytest.raises(web.TooLarge) as caught:
        web.fetch(f"{site.url}/huge", allow_private=True)
    assert "larger than the limit of 2,000,000 bytes" in caught.value.message
    assert f"{site.url}/huge" in caught.value.message
    with pytest.raises(web.TooLarge, match="1,000 bytes"):
        web.fetch(site.feed_url, allow_private=True, max_bytes=1000)
    site.fault("/declared", "huge-declared")
    with pytest.raises(web.TooLarge):
        web.fetch(f"{site.url}/declared", allow_private=True)
    with pytest.raises(Refused, match="2,000,000 bytes"):
        blog.read_feed(f"{site.url}/huge", allow_private=True)


def test_a_compressed_bomb_is_capped_once_inflated(site):
    bomb = gzip.compress(b"\0" * 3_000_000)
    assert len(bomb) < 10_000
    site.page("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(web.TooLarge, match="2,000,000 bytes"):
        web.fetch(f"{site.url}/bomb", allow_private=True)
    site.page("/small.gz", gzip.compress(b"<p>hello</p>"), headers={"Content-Encoding": "gzip"})
    assert web.fetch(f"{site.url}/small.gz", allow_private=True).body == b"<p>hello</p>"


def test_redirects_are_followed_at_most_five_times(site, world):
    got = web.fetch(site.redirect_chain(5), allow_private=True)
    assert got.url == site.feed_url and got.status == 200
    site.pages.clear()
    with pytest.raises(web.TooManyRedirects) as caught:
        web.fetch(site.redirect_chain(6), allow_private=True)
    assert "redirected more than 5 times" in caught.value.message
    assert site.calls["/feed/"] == 1


@pytest.mark.parametrize("fault", ["slow", "trickle"])
def test_total_time_is_bounded(site, fault):
    site.fault("/feed/", fault)
    started = time.monotonic()
    with pytest.raises(web.FetchUnavailable, match="did not answer within 0.5 seconds"):
        web.fetch(site.feed_url, allow_private=True, timeout=0.5)
    assert time.monotonic() - started < 1.5


def test_statuses(site):
    site.fault("/gone", 404)
    site.fault("/down", 503)
    site.page("/busy", "slow down", status=429, headers={"Retry-After": "120"})
    with pytest.raises(web.HttpError) as caught:
        web.fetch(f"{site.url}/gone", allow_private=True)
    assert caught.value.status == 404 and isinstance(caught.value, Refused)
    assert f"{site.url}/gone answered 404" in caught.value.message
    with pytest.raises(Unavailable, match="failed on its side"):
        web.fetch(f"{site.url}/down", allow_private=True)
    with pytest.raises(RateLimited) as limited:
        web.fetch(f"{site.url}/busy", allow_private=True)
    assert limited.value.until > T0 and isinstance(limited.value, web.FetchError)


def test_wrong_type_and_what_is_sent(site):
    url = site.page("/img.png", b"\x89PNG", content_type="image/png")
    with pytest.raises(web.WrongType, match="is image/png, not text/html"):
        web.fetch(url, allow_private=True, types=("text/html",))
    text = site.page("/t", "é", content_type="text/plain; charset=utf-8")
    got = web.fetch(text, allow_private=True)
    assert got.text() == "é" and got.content_type == "text/plain" and got.charset == "utf-8"
    assert site.headers[-1]["User-Agent"].startswith("KloutFair/")


def test_an_unreachable_site_is_unavailable():
    with pytest.raises(Unavailable, match="could not be reached"):
        web.fetch("http://127.0.0.1:9/", allow_private=True, timeout=2)
