"""Reachability checks for /healthz: the database and the Celery broker."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection


def check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not reachable"; the reason is reported
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {
        "ok": True,
        "vendor": connection.vendor,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def check_broker() -> dict:
    if not settings.CELERY_BROKER_URL:
        return {"ok": True, "mode": "eager", "detail": "no broker configured: tasks run in process"}
    from klout.celery import app

    started = time.perf_counter()
    try:
        with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.HEALTHZ_BROKER_TIMEOUT_SECONDS)
            transport = conn.transport_cls
    except Exception as exc:  # any failure means "not reachable"; the reason is reported
        return {"ok": False, "mode": "broker", "error": f"{type(exc).__name__}: {exc}"}
    return {
        "ok": True,
        "mode": "broker",
        "transport": str(transport),
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }
