"""Pages and endpoints run the same number of queries however much data there is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.models import ImportBatch
from scoring.services.runs.execute import score_run_execute, score_run_start
from tests.factories import ActionFactory, NetworkAccountFactory

pytestmark = pytest.mark.django_db
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def _engaged_account(n_engagers: int):
    account = NetworkAccountFactory()
    for i in range(n_engagers):
        ActionFactory(
            subject=account,
            actor_account=NetworkAccountFactory(),
            occurred_at=AS_OF - timedelta(hours=i + 1),
        )
    return account


def _queries(get, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = get(url)
    assert response.status_code == 200
    return len(captured)


def test_member_pages_and_score_api_queries_do_not_grow_with_engagement(client):
    small, large = _engaged_account(2), _engaged_account(15)
    score_run_execute(run_id=score_run_start(as_of=AS_OF).pk)
    counts = {}
    for name, account in (("small", small), ("large", large)):
        client.force_login(account.member.user)
        api = APIClient()
        api.force_authenticate(account.member.user)
        counts[name] = (
            _queries(client.get, reverse("dashboard")),
            _queries(client.get, reverse("member_settings")),
            _queries(api.get, reverse("api_score")),
            _queries(api.get, reverse("api_score_history")),
            _queries(api.get, reverse("api_networks")),
        )
    assert counts["small"] == counts["large"]


def test_import_lists_queries_do_not_grow_with_imports(admin_client, admin_user):
    api = APIClient()
    api.force_authenticate(admin_user)

    def measure():
        return (
            _queries(admin_client.get, reverse("staff_imports")),
            _queries(api.get, reverse("api_imports")),
        )

    ImportBatch.objects.create(created_by=admin_user, original_name="a.csv", format="csv")
    few = measure()
    for i in range(15):
        ImportBatch.objects.create(created_by=admin_user, original_name=f"f{i}.csv", format="csv")
    assert measure() == few
