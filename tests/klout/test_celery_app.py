from __future__ import annotations

import logging
import os

import pytest
from celery import current_app

from core.tasks import sessions_clear_expired

without_a_broker = pytest.mark.skipif(
    bool(os.environ.get("CELERY_BROKER_URL")), reason="about running with no broker configured"
)


@without_a_broker
def test_celery_app_without_a_broker_looks_for_no_server(caplog, db):
    with caplog.at_level(logging.WARNING, logger="kombu"):
        with current_app.connection_for_write() as connection:
            info = connection.info()
        sessions_clear_expired.apply_async(countdown=1)  # runs in process
    assert info["transport"] == "memory"
    assert [r.getMessage() for r in caplog.records if r.name.startswith("kombu")] == []
