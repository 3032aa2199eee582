"""Celery tasks of the perks app: ids in, one service call, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=300, max_retries=8
)
def claim_fulfil_task(claim_id: int) -> str:
    from perks.services.fulfilment import claim_fulfil

    return claim_fulfil(claim_id=claim_id).status


@shared_task
def addresses_forget_task() -> int:
    """Daily (beat): shipping addresses are deleted once their retention time has passed."""
    from perks.services.fulfilment import addresses_forget_due

    return addresses_forget_due()
