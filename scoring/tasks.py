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


@shared_task(bind=True, max_retries=3)
def score_run_task(self, run_id: int | None = None, shadow: bool = False) -> int:
    """Run the scores (periodic through beat; after a member's own import). Without a run
    id a new run of the active version starts; a retry always goes on with the same run."""
    from scoring.services.runs.execute import score_run_execute, score_run_start

    try:
        if run_id is None:
            run_id = score_run_start(shadow=shadow).pk
        return score_run_execute(run_id=run_id).pk
    except OperationalError as error:  # the database went away before the run was taken
        raise self.retry(
            exc=error, kwargs={"run_id": run_id, "shadow": shadow}, countdown=60
        ) from error


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=300, max_retries=5
)
def content_topics_refresh_task() -> int:
    """Match posts against the current topic tree (after staff edited topics). Batches
    commit as they go, so a retry continues where the last attempt stopped."""
    from scoring.services.topics import content_topics_refresh

    return content_topics_refresh()


@shared_task(bind=True, max_retries=8)
def network_account_sync_task(self, account_id: int) -> str | None:
    """Sync one live network account (connect, "Sync now", the daily round). A passing
    fault retries with backoff and the walk goes on from its stored cursor; a rate limit
    comes back when the network says."""
    from scoring.connectors.base import Unavailable
    from scoring.services.sync import network_account_sync

    try:
        state = network_account_sync(account_id=account_id)
    except (Unavailable, OperationalError) as error:
        raise self.retry(exc=error, countdown=min(1800, 30 * 2**self.request.retries)) from error
    return state.status if state is not None else None


@shared_task
def network_accounts_sync_due_task() -> int:
    """Daily (beat, before the nightly score run): queue every account not synced in a day,
    spread out, to backfill what the stream missed."""
    from scoring.services.sync import accounts_sync_due

    return accounts_sync_due()


@shared_task(bind=True, max_retries=3)
def network_token_revoke_task(self, network: str, sealed: str) -> bool:
    """After a disconnect: ask the network to revoke the member's access (sealed, as it was
    stored). Best effort; a network that does not answer is retried a few times."""
    from scoring.services.network_tokens import token_revoke

    return token_revoke(network=network, sealed=sealed)


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=300, max_retries=5
)
def webmention_verify_task(source: str, target: str) -> str:
    """Verify a webmention received (its source must link to its target) and store it, or
    delete the one stored before when the source no longer links. Safe to run twice."""
    from scoring.services.blogs import webmention_store

    return webmention_store(source=source, target=target)
