"""A blog end to end against the local fake site (tests/scoring/blog_fake.py): claimed by its
feed, proven by a one-time code, synced (posts and comments), Webmentions received and
verified, disconnected. No test reaches the internet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from scoring.models import Action, BlogSite, Content, NetworkAccount, SyncState, SyncStatus
from scoring.services import sync
from scoring.services.blogs import blog_claim_prove, blog_claim_start, webmention_store
from scoring.services.members import network_account_disconnect
from tests.factories import OptedInMemberFactory
from tests.scoring.blog_fake import BlogFake, h_entry

pytestmark = pytest.mark.django_db
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def site(settings):
    settings.BLOG_ALLOW_PRIVATE = True
    fake = BlogFake().start()
    first = fake.post("Flat white ☕", NOW - timedelta(days=3), slug="flat-white", tags=["Coffee"])
    fake.comment(first, "Bob", NOW - timedelta(days=2), url="https://bob.example/")
    fake.comment(first, "Cy", NOW - timedelta(days=1))
    fake.post("Nothing happened", NOW - timedelta(days=10), slug="quiet")
    fake.post("Too old", NOW - timedelta(days=200), slug="old")
    fake.first = first
    yield fake
    fake.stop()


def _claim(client, site) -> BlogSite:
    response = client.post(reverse("blog_connect"), {"url": site.url})
    assert response.status_code == 302, response.content.decode()
    return BlogSite.objects.get()


@pytest.fixture
def proven(client, site, opted_in_member, django_capture_on_commit_callbacks):
    client.force_login(opted_in_member.user)
    claim = _claim(client, site)
    site.meta_code = claim.code
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("blog_prove", args=[claim.pk]))
    account = NetworkAccount.objects.get(network="blog")
    assert response["Location"] == reverse("network_sync", args=[account.pk])
    return account


def test_a_claim_finds_the_feed_from_the_home_page_and_gives_a_code(client, site, opted_in_member):
    client.force_login(opted_in_member.user)
    claim = _claim(client, site)
    assert claim.feed_url == site.feed_url and claim.site_host == "127.0.0.1"
    assert claim.code.startswith("klout-fair-") and claim.account is None
    page = client.get(reverse("blog_prove", args=[claim.pk])).content.decode()
    assert claim.code in page and "klout-fair-verification" in page
    assert _claim(client, site).code == claim.code  # claiming again: the same code


def test_without_the_code_nothing_is_connected_or_read(client, site, opted_in_member):
    client.force_login(opted_in_member.user)
    claim = _claim(client, site)
    response = client.post(reverse("blog_prove", args=[claim.pk]))
    assert response.status_code == 200
    assert "The code is not on your blog yet" in response.content.decode()
    assert not NetworkAccount.objects.filter(network="blog").exists()
    assert site.calls["/comments/feed/"] == 0 and not Content.objects.exists()


def test_the_code_in_a_post_proves_it_too(client, site, opted_in_member):
    client.force_login(opted_in_member.user)
    claim = _claim(client, site)
    site.post("Claiming", NOW, slug="claim", html=f"<p>{claim.code}</p>")
    client.post(reverse("blog_prove", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.account.source == "site" and claim.proof.startswith("a post:")


def test_a_proven_blog_syncs_its_posts_and_comments(proven, site):
    state = SyncState.objects.get(account=proven)
    assert state.status == SyncStatus.OK
    posts = Content.objects.filter(account=proven)
    assert posts.count() == 2  # the one too old is outside the window
    first = posts.get(external_id__endswith="/flat-white/")
    assert "coffee" in first.tags and first.text.startswith("Flat white ☕")
    comments = Action.objects.filter(subject=proven, kind="comment")
    assert comments.count() == 2 and {c.content_id for c in comments} == {first.pk}


def test_a_second_sync_stores_nothing_more(proven):
    before = Action.objects.count()
    state = sync.network_account_sync(account_id=proven.pk)
    assert state.status == SyncStatus.OK and Action.objects.count() == before


def test_an_unproven_blog_account_is_never_read(site, opted_in_member):
    account = NetworkAccount.objects.create(
        member=opted_in_member, network="blog", external_id=site.feed_url, source="import"
    )
    state = sync.network_account_sync(account_id=account.pk)
    assert state.status == SyncStatus.REFUSED and "not proven" in state.detail
    assert site.calls["/feed/"] == 0


def test_a_feed_naming_another_site_is_held_to_its_own_host(site):
    site.channel_link = "https://victim.example/"  # any feed may name any home page
    member = OptedInMemberFactory()
    claim = blog_claim_start(member=member, url=site.feed_url)
    assert claim.site_host == "127.0.0.1" and claim.site_url.rstrip("/") == site.url
    site.meta_code = claim.code
    account = blog_claim_prove(member=member, site_id=claim.pk)  # its <meta>, not victim's
    assert account.external_id == site.feed_url


# --- webmentions ----------------------------------------------------------------------------
def _mention(client, source: str, target: str):
    return client.post(reverse("webmention"), {"source": source, "target": target})


def test_a_webmention_linking_to_a_post_is_verified_and_stored(
    client, proven, site, django_capture_on_commit_callbacks
):
    target = f"{site.url}/flat-white/"
    source = site.page(
        "/elsewhere/liked",
        h_entry(
            f'<a class="u-like-of" href="{target}">liked</a>',
            author=("Dee", "https://dee.example/"),
            published=NOW - timedelta(hours=2),
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _mention(client, source, target)
    assert response.status_code == 202
    liked = Action.objects.get(subject=proven, kind="like")
    assert liked.content.external_id == target
    assert liked.occurred_at == NOW - timedelta(hours=2)
    assert liked.actor_anonymous is not None  # a keyed hash, never Dee's address


def test_a_webmention_whose_source_does_not_link_is_not_stored(
    client, proven, site, django_capture_on_commit_callbacks
):
    source = site.page("/elsewhere/nothing", h_entry("<p>no link here</p>"))
    with django_capture_on_commit_callbacks(execute=True):
        assert _mention(client, source, f"{site.url}/flat-white/").status_code == 202
    assert not Action.objects.filter(subject=proven, kind__in=["like", "mention"]).exists()


def test_a_webmention_sent_again_after_the_link_is_gone_deletes_it(proven, site):
    target = f"{site.url}/flat-white/"
    source = site.page("/elsewhere/post", h_entry(f'<a href="{target}">a good read</a>'))
    assert webmention_store(source=source, target=target) == "stored"
    assert webmention_store(source=source, target=target) == "already stored"
    site.page("/elsewhere/post", h_entry("<p>edited: the link is gone</p>"))
    assert webmention_store(source=source, target=target) == "deleted"
    assert not Action.objects.filter(subject=proven, kind="mention").exists()


@pytest.mark.parametrize(
    ("source", "target", "words"),
    [
        ("", "https://x.example/", "source"),
        ("https://a.example/", "ftp://b.example/", "target"),
        ("https://a.example/p", "https://a.example/p", "different"),
        ("https://a.example/p", "https://not-connected.example/post", "not a page of a blog"),
    ],
)
def test_a_bad_webmention_request_is_a_400_naming_the_problem(client, source, target, words):
    response = _mention(client, source, target)
    assert response.status_code == 400 and words in response.content.decode()


def test_webmentions_from_one_address_are_limited(client, monkeypatch):
    from scoring.views import sites

    monkeypatch.setattr(sites, "WEBMENTIONS_PER_MINUTE", 2)
    codes = [_mention(client, "", "https://x.example/").status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_the_webmention_endpoint_explains_itself(client):
    response = client.get(reverse("webmention"))
    assert response.status_code == 200 and b"source" in response.content


def test_disconnect_deletes_everything_it_brought(proven, site):
    target = f"{site.url}/flat-white/"
    source = site.page("/elsewhere/post", h_entry(f'<a href="{target}">read</a>'))
    webmention_store(source=source, target=target)
    network_account_disconnect(account=proven)
    assert not Action.objects.filter(network="blog").exists()
    assert not Content.objects.filter(account__network="blog").exists()
    assert not BlogSite.objects.exists()
    assert webmention_store(source=source, target=target).startswith("ignored")


def test_the_statement_names_the_blog(proven):
    from scoring.selectors.members import member_activity_summary

    summary = member_activity_summary(member=proven.member)
    assert set(summary.by_network_kind) == {"Blog"}


def test_the_api_claims_and_proves_a_blog(
    site, opted_in_member, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(opted_in_member.user)
    claimed = api.post("/api/v1/me/networks/blog/", {"url": site.url}, format="json")
    assert claimed.status_code == 201 and claimed.json()["connected"] is False
    body = claimed.json()
    early = api.post(f"/api/v1/me/networks/blog/{body['id']}/prove/")
    assert early.status_code == 409 and early.json()["error"]["code"] == "site_not_proven"
    site.meta_code = body["code"]
    with django_capture_on_commit_callbacks(execute=True):
        proven = api.post(f"/api/v1/me/networks/blog/{body['id']}/prove/")
    assert proven.status_code == 201 and proven.json()["network"] == "blog"
    bad = api.post("/api/v1/me/networks/blog/", {"url": "http://10.0.0.1/feed"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["fields"]


def test_staff_see_claims_without_their_codes(admin_client, proven):
    page = admin_client.get("/admin/scoring/blogsite/").content.decode()
    assert proven.external_id in page
    detail = admin_client.get(f"/admin/scoring/blogsite/{proven.blog_site.pk}/change/")
    assert detail.status_code == 200
    assert proven.blog_site.code not in detail.content.decode()
