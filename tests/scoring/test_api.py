from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from scoring.models import Member, NetworkAccount
from tests.factories import PASSWORD, ActionFactory, NetworkAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(opted_in_member):
    client = APIClient()
    token = Token.objects.create(user=opted_in_member.user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.member = opted_in_member
    return client


def test_me_get_with_token_returns_profile(api):
    data = api.get(reverse("api_me")).json()
    assert data["email"] == api.member.user.email
    assert data["is_opted_in"] is True
    assert data["visibility"] == "private"


def test_me_without_credentials_is_401_with_error_body():
    response = APIClient().get(reverse("api_me"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()["error"]
    assert body["status"] == response.status_code
    assert body["code"] == "not_authenticated"
    assert "credentials" in body["message"]


def test_me_patch_bad_visibility_is_400_naming_the_field(api):
    response = api.patch(reverse("api_me"), {"visibility": "everyone"}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "visibility" in error["fields"]
    assert error["message"].startswith("visibility:")
    api.member.refresh_from_db()
    assert api.member.visibility == "private"


def test_me_patch_visibility_changes_it(api):
    response = api.patch(reverse("api_me"), {"visibility": "brands"}, format="json")
    assert response.status_code == 200
    assert response.json()["visibility"] == "brands"


def test_consent_api_opt_out_then_in(api):
    assert (
        api.post(reverse("api_consent"), {"opt_in": False}, format="json").json()["is_opted_in"]
        is False
    )
    assert (
        api.post(reverse("api_consent"), {"opt_in": True}, format="json").json()["is_opted_in"]
        is True
    )
    assert api.member.consent_events.count() == 2


def test_consent_api_missing_field_is_400(api):
    response = api.post(reverse("api_consent"), {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"opt_in": ["This field is required."]}


def test_networks_list_and_disconnect(api, django_assert_max_num_queries):
    accounts = NetworkAccountFactory.create_batch(3, member=api.member)
    for account in accounts:
        ActionFactory.create_batch(2, subject=account)

    with django_assert_max_num_queries(4):
        data = api.get(reverse("api_networks")).json()

    assert [row["actions_received"] for row in data] == [2, 2, 2]
    response = api.delete(reverse("api_network_disconnect", args=[accounts[0].pk]))
    assert response.status_code == 204
    assert not NetworkAccount.objects.filter(pk=accounts[0].pk).exists()


def test_networks_disconnect_someone_elses_is_404_and_changes_nothing(api):
    stranger = NetworkAccountFactory()
    response = api.delete(reverse("api_network_disconnect", args=[stranger.pk]))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert NetworkAccount.objects.filter(pk=stranger.pk).exists()


def test_activity_api_counts_distinct_people(api):
    account = NetworkAccountFactory(member=api.member)
    fan = NetworkAccountFactory()
    ActionFactory.create_batch(3, subject=account, actor_account=fan)
    ActionFactory(subject=account)  # unknown actor

    data = api.get(reverse("api_activity")).json()

    assert data["actions"] == 4
    assert data["known_people"] == 1
    assert data["unknown_actions"] == 1


def test_account_delete_api_wrong_password_is_400(api):
    response = api.post(
        reverse("api_account_delete"), {"confirm": "DELETE", "password": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["password"] == ["That is not your password."]
    assert Member.objects.filter(pk=api.member.pk).exists()


def test_account_delete_api_deletes(api):
    response = api.post(
        reverse("api_account_delete"), {"confirm": "DELETE", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 204
    assert not Member.objects.filter(pk=api.member.pk).exists()


def test_method_not_allowed_has_error_body(api):
    response = api.delete(reverse("api_me"))
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_schema_and_docs_served_without_cdn(client):
    schema = client.get(reverse("api_schema"))
    assert schema.status_code == 200
    assert b"/api/v1/me/" in schema.content
    docs = client.get(reverse("api_docs")).content.decode()
    assert "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs


def test_me_patch_display_name_is_normalised(api):
    response = api.patch(reverse("api_me"), {"display_name": "  Ada   Lovelace "}, format="json")
    assert response.json()["display_name"] == "Ada Lovelace"
    assert response.json()["visibility"] == "private"


def test_unknown_api_path_is_json_404(api):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_unhandled_api_error_is_json_500(api, monkeypatch):
    from scoring.selectors import members as selectors

    def boom(**kwargs):
        raise RuntimeError("kaput")

    monkeypatch.setattr(selectors, "member_activity_summary", boom)
    api.raise_request_exception = False

    response = api.get(reverse("api_activity"))

    assert response.status_code == 500
    assert response.json()["error"] == {
        "status": 500,
        "code": "server_error",
        "message": "Server error.",
        "fields": {},
    }
    assert "kaput" not in response.content.decode()
