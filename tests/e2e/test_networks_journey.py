"""A member connects Mastodon, X, a blog and a Facebook page in a real browser (each against
its local fake), sees every network named on the dashboard, then disconnects all four and
nothing they brought is left. No test reaches a real network."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from allauth.socialaccount.providers.facebook import flows
from allauth.socialaccount.providers.facebook.views import FacebookOAuth2Adapter
from allauth.socialaccount.providers.twitter_oauth2.views import TwitterOAuth2Adapter

from scoring.models import Action, AlgorithmVersion, Content, NetworkAccount
from tests.conftest import requires_chromium
from tests.factories import PASSWORD, OptedInMemberFactory
from tests.scoring.blog_fake import BlogFake
from tests.scoring.facebook_fake import FacebookFake
from tests.scoring.mastodon_fake import MastodonFake
from tests.scoring.x_fake import XFake

pytestmark = [requires_chromium, pytest.mark.browser]
NOW = datetime.now(UTC).replace(microsecond=0)
GRAPH = "/v21.0"
SHOTS = Path("/tmp/journey")
NETWORKS = {
    "mastodon": "Mastodon",
    "twitter": "X/Twitter",
    "blog": "Blog",
    "facebook_page": "Facebook page",
}


# --- the fakes, with a little world each ----------------------------------------------------
@pytest.fixture
def mastodon(settings):
    fake = MastodonFake().start()
    settings.MASTODON_ALLOW_HTTP = True
    ana, bob = fake.account("ana"), fake.account("bob", domain="other.example")
    status = fake.status(ana, "Flat white ☕ #coffee", NOW - timedelta(days=3), tags=["coffee"])
    fake.favourite(status, bob, NOW - timedelta(days=2))
    fake.reblog(status, bob, NOW - timedelta(days=2, hours=3))
    fake.signed_in = ana
    yield fake
    fake.stop()


@pytest.fixture
def x():
    fake = XFake().start()
    ana, bob, cy = fake.user("ana"), fake.user("bob"), fake.user("cy")
    tweet = fake.tweet(ana, "Espresso notes #coffee", NOW - timedelta(days=4))
    fake.like(tweet, bob)
    fake.retweet(tweet, cy, NOW - timedelta(days=3))
    fake.signed_in = ana
    yield fake
    fake.stop()


@pytest.fixture
def graph():
    fake = FacebookFake().start()
    ana, bob = fake.user("Ana", permissions={"public_profile"}), fake.user("Bob")
    cafe = fake.page(ana, "Ana's Café ☕")
    fake.page(ana, "Ana's Bakery", category="Bakery")
    post = fake.post(cafe, "New beans from Huila #coffee", NOW - timedelta(days=3))
    fake.react(post, bob, "LOVE")
    fake.comment(post, bob, "Tried them, lovely", NOW - timedelta(days=2))
    fake.signed_in = ana
    yield fake
    fake.stop()


@pytest.fixture
def blog(settings):
    settings.BLOG_ALLOW_PRIVATE = True
    fake = BlogFake().start()
    post = fake.post("Flat white ☕", NOW - timedelta(days=3), slug="flat-white", tags=["Coffee"])
    fake.comment(post, "Bob", NOW - timedelta(days=2), url="https://bob.example/")
    yield fake
    fake.stop()


@pytest.fixture
def providers(settings, monkeypatch, x, graph):
    """X and Facebook logins configured, allauth's adapters sent to the fakes (the live server
    runs in this process, so it sees the patches)."""
    settings.X_API_URL = x.url
    settings.FACEBOOK_GRAPH_URL = f"{graph.url}{GRAPH}"
    settings.SOCIALACCOUNT_PROVIDERS = {
        "twitter_oauth2": {
            "APPS": [{"client_id": x.client_id, "secret": x.client_secret}],
            "SCOPE": ["tweet.read", "users.read", "like.read", "offline.access"],
        },
        "facebook": {
            "APPS": [{"client_id": "4471", "secret": "fb-app-secret"}],
            "SCOPE": ["public_profile"],
            "FIELDS": ["id", "name"],
            "METHOD": "oauth2",
        },
    }
    monkeypatch.setattr(TwitterOAuth2Adapter, "authorize_url", f"{x.url}/i/oauth2/authorize")
    monkeypatch.setattr(TwitterOAuth2Adapter, "access_token_url", f"{x.url}/2/oauth2/token")
    monkeypatch.setattr(TwitterOAuth2Adapter, "profile_url", f"{x.url}/2/users/me")
    monkeypatch.setattr(FacebookOAuth2Adapter, "authorize_url", f"{graph.url}{GRAPH}/dialog/oauth")
    monkeypatch.setattr(
        FacebookOAuth2Adapter, "access_token_url", f"{graph.url}{GRAPH}/oauth/access_token"
    )
    monkeypatch.setattr(flows, "GRAPH_API_URL", f"{graph.url}{GRAPH}")


# --- the member's steps ---------------------------------------------------------------------
class Shots:
    """Full-page screenshots, numbered in order, in tmp_path and copied to /tmp/journey/."""

    def __init__(self, page, folder: Path):
        self.page, self.folder, self.n = page, folder, 0
        SHOTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> None:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        shutil.copy(path, SHOTS / path.name)


def log_in(page, member) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(member.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Hello").wait_for()


def connect_mastodon(page, mastodon, shot) -> None:
    page.goto("/settings/")
    page.get_by_role("link", name="Connect Mastodon").click()
    page.get_by_label("Your Mastodon instance").fill(mastodon.url)
    shot("mastodon-connect")
    page.get_by_role("button", name="Continue to my instance").click()  # the fake approves
    page.get_by_role("heading", name="Mastodon:").wait_for()
    page.get_by_text("Up to date").first.wait_for()
    shot("mastodon-synced")


def connect_x(page, shot) -> None:
    page.goto("/settings/")
    page.get_by_role("link", name="Connect X/Twitter").click()
    page.get_by_role("heading", name="Connect X").wait_for()  # allauth asks before a GET
    shot("x-confirm")
    page.get_by_role("button", name="Continue").click()  # the fake approves, back to us
    page.wait_for_url(lambda url: "/twitter_oauth2/" not in url and "/i/oauth2/" not in url)
    shot("x-back")
    assert NetworkAccount.objects.filter(network="twitter", source="oauth").exists()


def connect_blog(page, blog, shot) -> None:
    page.goto("/settings/")
    page.get_by_role("link", name="Connect a blog").click()
    page.get_by_role("textbox", name="Your blog's address").fill(blog.url)
    shot("blog-connect")
    page.get_by_role("button", name="Find my feed").click()
    code = page.locator("#blog-code").inner_text().strip()
    assert code.startswith("klout-fair-")
    shot("blog-prove")
    blog.meta_code = code  # the member publishes it
    page.get_by_role("button", name="Check now").click()
    page.get_by_role("heading", name="Blog:").wait_for()
    page.get_by_text("Up to date").first.wait_for()
    shot("blog-synced")


def connect_facebook_page(page, shot) -> None:
    page.goto("/settings/")
    page.get_by_role("link", name="Connect a Facebook page").click()
    shot("facebook-login-needed")
    page.get_by_role("button", name="Continue with Facebook").click()  # Facebook Login
    page.get_by_role("heading", name="Choose the page").wait_for()
    shot("facebook-chooser")
    page.get_by_label("Ana's Café ☕").check()
    page.get_by_role("button", name="Connect this page").click()
    page.get_by_role("heading", name="Facebook page:").wait_for()
    page.get_by_text("Up to date").first.wait_for()
    shot("facebook-synced")


def disconnect(page, label: str) -> None:
    row = page.locator("#networks tbody tr").filter(
        has=page.locator("td:first-child", has_text=label)
    )
    row.locator("summary", has_text="Disconnect").click()  # it asks once more
    row.get_by_role("button", name="Disconnect").click()
    page.get_by_text(f"Disconnected {label}").wait_for()
    row.wait_for(state="detached")


@pytest.mark.django_db(transaction=True)
def test_four_networks_connected_seen_and_disconnected(page, tmp_path, mastodon, blog, providers):
    # An earlier journey's flush may have removed the version the migrations made.
    AlgorithmVersion.objects.get_or_create(
        is_active=True, defaults={"name": "v-e2e", "description": "", "parameters": {}}
    )
    member = OptedInMemberFactory()
    shot = Shots(page, tmp_path)
    log_in(page, member)

    connect_mastodon(page, mastodon, shot)
    connect_x(page, shot)
    connect_blog(page, blog, shot)
    connect_facebook_page(page, shot)
    accounts = NetworkAccount.objects.filter(member=member, network__in=NETWORKS)
    assert set(accounts.values_list("network", flat=True)) == set(NETWORKS)
    for network in NETWORKS:
        assert Action.objects.filter(subject__member=member, network=network).exists(), network
        assert Content.objects.filter(account__member=member, account__network=network).exists()
    posts = list(Content.objects.filter(account__member=member).values_list("pk", flat=True))

    page.get_by_role("link", name="My score").click()
    activity = page.locator("section", has=page.get_by_role("heading", name="What people did"))
    activity.wait_for()
    shot("dashboard")
    headers = activity.locator("thead th").all_inner_texts()
    for label in NETWORKS.values():
        assert label in headers, (label, headers)

    page.goto("/settings/#networks")
    shot("settings-connected")
    for label in NETWORKS.values():
        disconnect(page, label)
        shot(f"disconnected-{label.replace('/', '-').replace(' ', '-').lower()}")
    rows = page.locator("#networks tbody td:first-child").all_inner_texts()
    assert not set(rows) & set(NETWORKS.values()), rows
    assert not NetworkAccount.objects.filter(member=member, network__in=NETWORKS).exists()
    assert not Action.objects.filter(network__in=NETWORKS).exists()
    assert not Content.objects.filter(pk__in=posts).exists()
