"""Celery tasks of the scoring app: ids in, one service call, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from scoring.services.imports import import_batch_run


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=300, max_retries=5
)
def import_batch_run_task(import_id: int) -> None:
    """Run an uploaded import. A finished import is left as it is, so a retry is harmless;
    an import whose worker died mid-way was rolled back and runs again."""
    import_batch_run(import_id=import_id)
