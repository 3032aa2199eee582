"""Reachability checks for /healthz: the database and the Celery broker."""

from __future__ import annotations

import logging
import time

from celery import current_app  # the project's app, configured at start-up
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


def _failure(what: str, exc: Exception, **extra) -> dict:
    """A failed check. The reason goes to the log; the public answer names it only in
    development, since it can hold host names and user names."""
    logger.warning("healthz: %s unreachable: %s: %s", what, type(exc).__name__, exc)
    detail = f"{type(exc).__name__}: {exc}" if settings.DEBUG else f"{what} unreachable"
    return {"ok": False, **extra, "error": detail}


def check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not reachable"
        return _failure("database", exc)
    return {
        "ok": True,
        "vendor": connection.vendor,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def check_broker() -> dict:
    if not settings.CELERY_BROKER_URL:
        return {"ok": True, "mode": "eager", "detail": "no broker configured: tasks run in process"}
    started = time.perf_counter()
    try:
        with current_app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.HEALTHZ_BROKER_TIMEOUT_SECONDS)
            transport = conn.transport_cls
    except Exception as exc:  # any failure means "not reachable"
        return _failure("broker", exc, mode="broker")
    return {
        "ok": True,
        "mode": "broker",
        "transport": str(transport),
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }
