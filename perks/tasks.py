"""Celery tasks of the perks app: ids in, one service call, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=60, max_retries=8
)
def claims_fulfil_pending_task() -> int:
    """Sweep the fulfilment outbox (started by claims, at most once a second, and every
    minute by beat): e-mail codes and next steps for the claims not yet sent."""
    from perks.services.fulfilment import claims_fulfil_pending

    return claims_fulfil_pending()


@shared_task
def claim_fulfil_task(claim_id: int) -> int:
    """Kept for messages queued before the outbox (one per claim): sweeps the outbox, which
    holds that claim if it has not been sent."""
    from perks.services.fulfilment import claims_fulfil_pending

    return claims_fulfil_pending()


@shared_task
def addresses_forget_task() -> int:
    """Daily (beat): shipping addresses are deleted once their retention time has passed."""
    from perks.services.fulfilment import addresses_forget_due

    return addresses_forget_due()


@shared_task
def lotteries_draw_task() -> int:
    """Every few minutes (beat): draw the perks whose claim window has closed."""
    from perks.services.lottery import lotteries_draw_due

    return lotteries_draw_due()


@shared_task
def lottery_wins_expire_task() -> int:
    """Hourly (beat): unconfirmed wins pass to the next in line."""
    from perks.services.lottery import wins_expire_due

    return wins_expire_due()


@shared_task
def campaigns_settle_task() -> int:
    """Hourly (beat): retry failed refunds, and release the budget held back at a campaign's
    end for claims that were outstanding then, once they are all settled."""
    from perks.services.settlement import campaigns_settle_due

    return campaigns_settle_due()
