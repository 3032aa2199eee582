"""Webmention verification against source pages served by the local fake blog: the link
found or not (absolute, relative, through <base>, in a <link>), deleted sources, the kinds
microformats2 gives (like-of, repost-of, in-reply-to), the author's h-card and the time, and
the checks on the request itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scoring.connectors import web, webmention
from scoring.connectors.base import Refused, Unavailable
from scoring.connectors.webmention import Mention, check_request, verify
from tests.scoring.blog_fake import T0, BlogFake, h_entry


@pytest.fixture
def site():
    fake = BlogFake().start()
    fake.post("Flat white", T0, slug="flat-white")
    yield fake
    fake.stop()


@pytest.fixture
def target(site) -> str:
    return f"{site.url}/flat-white/"


def check(site, path: str, page: str, target: str) -> Mention | None:
    return verify(site.page(path, page), target, allow_private=True)


# --- the link ------------------------------------------------------------------------------------
def test_a_link_found(site, target):
    published = datetime(2026, 11, 2, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    page = h_entry(
        f'<p>Read <a href="{target}">this</a>.</p>',
        author=("Bob Ross", "https://Bob.Example/"),
        published=published,
    )
    source = site.page("/notes/1", page)
    assert verify(source, target, allow_private=True) == Mention(
        source=source,
        target=target,
        kind="mention",
        author_url="https://bob.example/",
        author_name="Bob Ross",
        published=datetime(2026, 11, 2, 7, 30, tzinfo=UTC),
    )


def test_no_link_is_no_mention(site, target):
    assert check(site, "/n/1", h_entry("<p>No link here, only flat-white/.</p>"), target) is None
    other = h_entry(f'<a href="{site.url}/other-post/">another post</a>')
    assert check(site, "/n/2", other, target) is None
    text_only = h_entry(f"<p>{target} as plain text is not a link in HTML</p>")
    assert check(site, "/n/3", text_only, target) is None
    commented = h_entry(f'<!-- <a href="{target}">x</a> --><p>hidden</p>')
    assert check(site, "/n/4", commented, target) is None


def test_a_relative_href_is_resolved_against_the_source(site, target):
    mention = check(site, "/notes/2", h_entry('<a href="../flat-white/">that</a>'), target)
    assert mention is not None and mention.kind == "mention"
    assert check(site, "/notes/3", h_entry('<a href="/flat-white/#comments">x</a>'), target)


def test_the_base_element_is_honoured(site, target):
    page = (
        f'<html><head><base href="{site.url}/"></head>'
        '<body><a href="flat-white/">x</a></body></html>'
    )
    assert check(site, "/deep/er/page", page, target) is not None


def test_spelling_of_scheme_and_host_does_not_matter(site, target):
    port = site.server.server_address[1]
    page = h_entry(f'<a href="HTTP://127.0.0.1:{port}/flat-white/#top">x</a>')
    assert check(site, "/n/5", page, target) is not None
    assert check(site, "/n/6", h_entry(f'<a href="{target}">x</a>'), target.upper()) is None


def test_a_link_element_counts(site, target):
    page = f'<html><head><link rel="canonical" href="{target}"></head><body></body></html>'
    assert check(site, "/n/7", page, target).kind == "mention"


def test_a_deleted_source_is_no_mention(site, target):
    site.fault("/gone", 410)
    site.fault("/missing", 404)
    assert verify(f"{site.url}/gone", target, allow_private=True) is None
    assert verify(f"{site.url}/missing", target, allow_private=True) is None


def test_a_failing_source_raises(site, target):
    site.fault("/down", 503)
    site.fault("/private", 403)
    with pytest.raises(Unavailable):
        verify(f"{site.url}/down", target, allow_private=True)
    with pytest.raises(web.HttpError):
        verify(f"{site.url}/private", target, allow_private=True)


def test_a_source_after_a_redirect(site, target):
    site.page("/n/final", h_entry('<a href="/flat-white/">x</a>'))
    site.redirect("/n/short", "/n/final")
    mention = verify(f"{site.url}/n/short", target, allow_private=True)
    assert mention is not None and mention.source == f"{site.url}/n/short"


def test_plain_text_and_other_types(site, target):
    text = site.page("/n.txt", f"see {target}\n", content_type="text/plain")
    assert verify(text, target, allow_private=True).kind == "mention"
    image = site.page("/n.png", b"\x89PNG" + target.encode(), content_type="image/png")
    assert verify(image, target, allow_private=True) is None


# --- kinds ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cls, kind",
    [("u-like-of", "like"), ("u-repost-of", "share"), ("u-in-reply-to", "reply"), ("", "mention")],
)
def test_kinds_from_the_linking_element(site, target, cls, kind):
    page = h_entry(f'<a class="{cls}" href="{target}">this post</a>', author=("Cy", None))
    assert check(site, f"/k/{kind}", page, target).kind == kind


def test_a_reply_through_a_cited_entry(site, target):
    """In reply to an h-cite: the kind from the citing property, and the author is the
    entry's own, not the cited post's."""
    page = h_entry(
        '<div class="u-in-reply-to h-cite">'
        f'<a class="u-url" href="{target}">Flat white</a> by '
        '<span class="p-author h-card"><a class="u-url" href="https://ana.example/">Ana</a>'
        "</span></div><p>Lovely!</p>",
        author=("Dee", "https://dee.example/"),
    )
    mention = check(site, "/k/cite", page, target)
    assert (mention.kind, mention.author_name, mention.author_url) == (
        "reply",
        "Dee",
        "https://dee.example/",
    )


def test_the_strongest_kind_when_several_links(site, target):
    page = h_entry(
        f'<p>As <a href="{target}">Ana says</a>:</p><data class="u-in-reply-to" value="{target}">'
    )
    assert check(site, "/k/both", page, target).kind == "reply"


def test_a_link_like_property_without_href(site, target):
    page = h_entry(f'<data class="u-like-of" value="{target}"></data><p>♥</p>')
    assert check(site, "/k/data", page, target).kind == "like"


# --- author and time -----------------------------------------------------------------------------
def test_an_author_card_with_implied_url_and_name(site, target):
    page = (
        '<html><body><article class="h-entry">'
        '<a class="p-author h-card" href="https://eve.example">Eve Example</a>'
        f'<time class="dt-published" datetime="2026-11-03T08:00:00Z">Nov 3</time>'
        f'<a class="u-like-of" href="{target}">♥</a></article></body></html>'
    )
    mention = check(site, "/a/1", page, target)
    assert (mention.author_name, mention.author_url) == ("Eve Example", "https://eve.example/")
    assert mention.published == datetime(2026, 11, 3, 8, tzinfo=UTC)


def test_no_author_no_time(site, target):
    mention = check(site, "/a/2", h_entry(f'<a href="{target}">x</a>'), target)
    assert (mention.author_url, mention.author_name, mention.published) == (None, None, None)
    bare = f'<html><body><p><a href="{target}">x</a></p></body></html>'  # no h-entry at all
    assert check(site, "/a/3", bare, target) == Mention(
        f"{site.url}/a/3", target, "mention", None, None, None
    )


def test_a_plain_author_and_a_naive_or_bad_time(site, target):
    page = (
        '<div class="h-entry"><span class="p-author">Fay</span>'
        '<time class="dt-published">2026-11-04 10:00</time>'
        f'<a href="{target}">x</a></div>'
    )
    mention = check(site, "/a/4", page, target)
    assert (mention.author_name, mention.author_url) == ("Fay", None)
    assert mention.published == datetime(2026, 11, 4, 10, tzinfo=UTC)
    bad = page.replace("2026-11-04 10:00", "last Tuesday")
    assert check(site, "/a/5", bad, target).published is None


def test_a_deeply_nested_page(site, target):
    page = "<div>" * 50_000 + f'<a class="u-repost-of" href="{target}">x</a>'
    assert check(site, "/deep", page, target).kind == "share"
    lists = "<ul>" + "<li>item" * 20_000 + f'<li><a href="{target}">x</a></ul>'
    assert check(site, "/lists", lists, target).kind == "mention"


# --- safety and the request ----------------------------------------------------------------------
def test_a_private_source_is_refused(site, target):
    source = site.page("/n/p", h_entry(f'<a href="{target}">x</a>'))
    with pytest.raises(Refused, match="not a public web site"):
        verify(source, target)
    assert site.calls["/n/p"] == 0


def test_a_huge_source_is_refused(site, target):
    site.fault("/huge", "huge")
    with pytest.raises(web.TooLarge, match=f"{webmention.MAX_BYTES:,} bytes"):
        verify(f"{site.url}/huge", target, allow_private=True)


@pytest.mark.parametrize(
    "source, target, words",
    [
        ("ftp://a.example/x", "https://b.example/y", "source must be an http or https URL"),
        ("https://a.example/x", "mailto:ana@b.example", "target must be an http or https URL"),
        ("", "https://b.example/y", "source is missing"),
        ("https://a.example/x", None, "target is missing"),
        ("https:///x", "https://b.example/y", "source must be an http or https URL"),
        ("https://a.example:99999/", "https://b.example/y", "source is not a valid URL"),
        ("https://a.example/" + "x" * 2100, "https://b.example/y", "source is longer than 2048"),
        ("https://B.example/y#top", "https://b.example/y", "must be different"),
    ],
)
def test_check_request(source, target, words):
    with pytest.raises(ValueError, match=words):
        check_request(source, target)


def test_check_request_accepts_a_good_request():
    assert check_request("https://a.example/notes/1", "https://b.example/post/") is None
