from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_anonymous_shows_join(client):
    body = client.get(reverse("home")).content.decode()
    assert "Join" in body and "/static/css/app.css" in body


def test_home_signed_in_goes_to_dashboard(member_client):
    assert member_client.get(reverse("home"))["Location"] == reverse("dashboard")


def test_unknown_page_is_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.content.decode()


def test_stylesheet_served_locally(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert b"--accent" in b"".join(response.streaming_content)


def test_base_layout_has_no_external_assets(client):
    body = client.get(reverse("account_login")).content.decode()
    assert "https://" not in body and "//cdn" not in body
