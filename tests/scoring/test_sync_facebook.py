"""A Facebook page end to end against the local Graph fake (tests/scoring/facebook_fake.py):
Facebook Login through allauth with the page permissions, the page chosen among those the
member manages, its sync, disconnect. No test reaches Facebook."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.providers.facebook import flows
from allauth.socialaccount.providers.facebook.views import FacebookOAuth2Adapter
from django.urls import reverse

from core.sealing import unseal
from scoring.connectors import facebook
from scoring.models import Action, Content, NetworkAccount, NetworkSession, SyncState, SyncStatus
from scoring.services import sync
from scoring.services.members import network_account_disconnect
from tests.scoring.facebook_fake import FacebookFake

pytestmark = pytest.mark.django_db
GRAPH = "/v21.0"


@pytest.fixture
def graph(settings, monkeypatch):
    fake = FacebookFake().start()
    settings.FACEBOOK_GRAPH_URL = f"{fake.url}{GRAPH}"
    settings.SOCIALACCOUNT_PROVIDERS = {
        "facebook": {
            "APPS": [{"client_id": "4471", "secret": "fb-app-secret"}],
            "SCOPE": ["public_profile"],
            "FIELDS": ["id", "name"],
            "METHOD": "oauth2",
        }
    }
    # allauth's Facebook adapter names Facebook's own addresses; the test uses the fake's.
    monkeypatch.setattr(FacebookOAuth2Adapter, "authorize_url", f"{fake.url}{GRAPH}/dialog/oauth")
    monkeypatch.setattr(
        FacebookOAuth2Adapter, "access_token_url", f"{fake.url}{GRAPH}/oauth/access_token"
    )
    monkeypatch.setattr(flows, "GRAPH_API_URL", f"{fake.url}{GRAPH}")
    yield fake
    fake.stop()


@pytest.fixture
def world(graph):
    now = datetime.now(UTC)
    ana = graph.user("Ana", permissions={"public_profile"})
    bob, cy = graph.user("Bob"), graph.user("Cy")
    cafe = graph.page(ana, "Ana's Café ☕")
    graph.page(ana, "Ana's Bakery", category="Bakery")
    first = graph.post(cafe, "New beans from Huila #coffee", now - timedelta(days=3))
    graph.react(first, bob, "LOVE")
    graph.react(first, cy)
    graph.comment(first, bob, "Tried them, lovely", now - timedelta(days=2))
    graph.comment(first, cy, "Hidden author", now - timedelta(days=1), hidden_author=True)
    graph.post(cafe, "Closed on Monday", now - timedelta(days=9))
    graph.signed_in = ana
    return {"ana": ana, "cafe": cafe, "first": first}


def _facebook_login(client, graph, capture, *, scope: str = ""):
    url = f"{reverse('facebook_login')}?process=connect"
    if scope:
        url += f"&scope={scope}&next={reverse('facebook_page_connect')}"
    response = client.post(url)
    assert response.status_code == 302, response.content
    back = requests.get(response["Location"], allow_redirects=False, timeout=5)
    parts = urlsplit(back.headers["Location"])
    with capture(execute=True):
        return client.get(f"{parts.path}?{parts.query}")


@pytest.fixture
def logged_in(client, graph, world, opted_in_member, django_capture_on_commit_callbacks):
    client.force_login(opted_in_member.user)
    _facebook_login(client, graph, django_capture_on_commit_callbacks)
    return opted_in_member


def test_without_page_permissions_the_member_is_sent_to_grant_them(client, logged_in, world):
    page = client.get(reverse("facebook_page_connect")).content.decode()
    assert "Continue with Facebook" in page
    assert "pages_show_list" in page and "pages_read_user_content" in page
    assert not NetworkAccount.objects.filter(network="facebook_page").exists()


@pytest.fixture
def granted(client, graph, logged_in, django_capture_on_commit_callbacks):
    _facebook_login(
        client, graph, django_capture_on_commit_callbacks, scope=",".join(facebook.SCOPES)
    )
    return logged_in


def test_the_pages_the_member_manages_are_offered(client, granted, world):
    page = client.get(reverse("facebook_page_connect")).content.decode()
    assert "Ana&#x27;s Café ☕" in page and "Ana&#x27;s Bakery" in page


@pytest.fixture
def connected(client, granted, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("facebook_page_connect"), {"page": world["cafe"].id})
    account = NetworkAccount.objects.get(network="facebook_page")
    assert response["Location"] == reverse("network_sync", args=[account.pk])
    return account


def test_a_chosen_page_is_connected_by_proof_and_synced(connected, world):
    assert (connected.external_id, connected.source) == (world["cafe"].id, "oauth")
    assert SyncState.objects.get(account=connected).status == SyncStatus.OK
    kinds = sorted(Action.objects.filter(subject=connected).values_list("kind", flat=True))
    assert kinds == ["comment", "comment", "like", "like"]
    assert Content.objects.filter(account=connected).count() == 2
    post = Content.objects.get(external_id=world["first"].id)
    assert "coffee" in post.tags
    hidden = Action.objects.get(
        subject=connected,
        kind="comment",
        occurred_at__gt=post.posted_at + timedelta(days=1, hours=12),
    )
    assert hidden.actor_account is None and hidden.actor_anonymous is None  # unknown person


def test_the_page_token_is_stored_sealed(connected, world):
    sealed = NetworkSession.objects.get(account=connected).sealed
    assert world["cafe"].token not in sealed
    assert json.loads(unseal(sealed))["token"] == world["cafe"].token


def test_a_page_the_member_does_not_manage_is_refused(client, granted, graph):
    stranger = graph.page(graph.user("Eve"), "Eve's page")
    response = client.post(reverse("facebook_page_connect"), {"page": stranger.id})
    assert response.status_code == 200
    assert not NetworkAccount.objects.filter(network="facebook_page").exists()


def test_an_expired_page_token_asks_to_connect_again(connected, graph, world):
    graph.expire(world["cafe"])
    state = sync.network_account_sync(account_id=connected.pk)
    assert state.status == SyncStatus.SESSION_EXPIRED


def test_a_second_sync_stores_nothing_more(connected):
    before = Action.objects.count()
    assert sync.network_account_sync(account_id=connected.pk).status == SyncStatus.OK
    assert Action.objects.count() == before


def test_disconnect_deletes_everything_the_page_brought(connected):
    network_account_disconnect(account=connected)
    assert not Action.objects.filter(network="facebook_page").exists()
    assert not Content.objects.filter(account__network="facebook_page").exists()
    assert not NetworkSession.objects.filter(account_id=connected.pk).exists()


def test_the_statement_names_the_page(connected):
    from scoring.selectors.members import member_activity_summary

    summary = member_activity_summary(member=connected.member)
    assert set(summary.by_network_kind) == {"Facebook page"}


def test_the_api_lists_and_connects_pages(granted, world, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(granted.user)
    listed = api.get("/api/v1/me/networks/facebook-pages/")
    assert listed.status_code == 200
    assert {p["name"] for p in listed.json()} == {"Ana's Café ☕", "Ana's Bakery"}
    with django_capture_on_commit_callbacks(execute=True):
        made = api.post(
            "/api/v1/me/networks/facebook-pages/", {"page": world["cafe"].id}, format="json"
        )
    assert made.status_code == 201 and made.json()["external_id"] == world["cafe"].id


def test_the_api_says_when_facebook_login_is_needed(opted_in_member, graph):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(opted_in_member.user)
    answer = api.get("/api/v1/me/networks/facebook-pages/")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "facebook_login_needed"
