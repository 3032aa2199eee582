from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_all_reachable_is_200(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["vendor"] == connection.vendor
    assert body["checks"]["broker"]["ok"] is True


def test_healthz_broker_unreachable_is_503(client, settings):
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    settings.HEALTHZ_BROKER_TIMEOUT_SECONDS = 1

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert "error" in body["checks"]["broker"]
    assert body["checks"]["database"]["ok"] is True


def test_healthz_database_unreachable_is_503(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise ConnectionError("database went away")

    monkeypatch.setattr(connection, "cursor", broken_cursor)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    # The public answer does not carry the reason (it can name hosts and users)...
    assert response.json()["checks"]["database"] == {"ok": False, "error": "database unreachable"}


def test_healthz_in_debug_names_the_reason(client, monkeypatch, settings):
    settings.DEBUG = True

    def broken_cursor(*args, **kwargs):
        raise ConnectionError("database went away")

    monkeypatch.setattr(connection, "cursor", broken_cursor)

    body = client.get(reverse("healthz")).json()

    assert body["checks"]["database"]["error"] == "ConnectionError: database went away"


def test_healthz_is_not_cached(client):
    assert "no-cache" in client.get(reverse("healthz"))["Cache-Control"]
