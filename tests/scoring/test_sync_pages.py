"""Connecting Bluesky and following a sync, as pages and over the API."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient

from scoring.models import NetworkAccount, SyncState, SyncStatus
from tests.factories import NetworkAccountFactory
from tests.scoring.conftest import PASSWORD


def test_bluesky_connect_page_connects_and_shows_the_sync(
    member_client, world, django_capture_on_commit_callbacks
):
    page = member_client.get(reverse("bluesky_connect")).content.decode()
    assert "app password" in page.lower() and "never store it" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            reverse("bluesky_connect"), {"handle": "ana.bsky.social", "app_password": PASSWORD}
        )
    account = NetworkAccount.objects.get(network="bluesky")
    assert response.url == reverse("network_sync", args=[account.pk])
    page = member_client.get(response.url).content.decode()
    assert "Up to date" in page and "Sync now" in page
    settings_page = member_client.get(reverse("member_settings")).content.decode()
    assert reverse("network_sync", args=[account.pk]) in settings_page


def test_bluesky_connect_page_wrong_password_says_so_next_to_the_field(member_client, world):
    response = member_client.post(
        reverse("bluesky_connect"), {"handle": "ana.bsky.social", "app_password": "wrong"}
    )
    assert response.status_code == 200
    assert "did not accept that handle and app password" in response.content.decode()
    assert not NetworkAccount.objects.filter(network="bluesky").exists()


def test_network_sync_pages_are_the_members_own(member_client, fake):
    other = NetworkAccountFactory(network="bluesky", external_id="did:plc:other")
    for name in ("network_sync", "network_sync_progress"):
        assert member_client.get(reverse(name, args=[other.pk])).status_code == 404
    assert member_client.post(reverse("network_sync_now", args=[other.pk])).status_code == 404


def test_network_sync_progress_and_sync_now(
    member_client, connected, django_capture_on_commit_callbacks
):
    progress = member_client.get(reverse("network_sync_progress", args=[connected.pk])).json()
    assert progress["status"] == "ok" and progress["actions_stored"] == 8
    assert progress["running"] is False
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(reverse("network_sync_now", args=[connected.pk]))
    again = member_client.post(reverse("network_sync_now", args=[connected.pk]), follow=True)
    assert "You can sync again from" in again.content.decode()


def test_api_bluesky_connect_and_sync(opted_in_member, world, django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_authenticate(opted_in_member.user)
    bad = api.post(reverse("api_bluesky"), {"handle": "ana.bsky.social"}, format="json")
    assert bad.status_code == 400 and "app_password" in bad.json()["error"]["fields"]
    with django_capture_on_commit_callbacks(execute=True):
        made = api.post(
            reverse("api_bluesky"),
            {"handle": "ana.bsky.social", "app_password": PASSWORD},
            format="json",
        )
    assert made.status_code == 201 and made.json()["handle"] == "ana.bsky.social"
    assert "app_password" not in made.json()
    account_id = made.json()["id"]
    state = api.get(reverse("api_network_sync", args=[account_id])).json()
    assert (state["status"], state["actions_stored"]) == ("ok", 8)
    with django_capture_on_commit_callbacks(execute=True):
        asked = api.post(reverse("api_network_sync", args=[account_id]))
    assert asked.status_code == 202 and asked.json()["status"] == "queued"
    too_soon = api.post(reverse("api_network_sync", args=[account_id]))
    assert too_soon.status_code == 429 and too_soon.json()["error"]["code"] == "sync_too_soon"
    assert SyncState.objects.get(account_id=account_id).status == SyncStatus.OK


def test_api_bluesky_connect_refused_sign_in_is_a_400_naming_the_field(opted_in_member, world):
    api = APIClient()
    api.force_authenticate(opted_in_member.user)
    refused = api.post(
        reverse("api_bluesky"), {"handle": "ana.bsky.social", "app_password": "x"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "network_connect_failed"
    assert "app_password" in refused.json()["error"]["fields"]
