"""Live networks: connecting an account by proof, and syncing it through its connector.

A sync walks the account's window page by page (scoring.connectors). Pages go, a few at a
time, through the import path (``actions_import``: consent-filtered, deduplicated by each
action's unique key) and, in the same transaction, the last page's cursor and the counts are
stored. So a sync killed at any moment resumes after its last stored page, a page read twice
adds nothing, and an account disconnected (or a member who opts out) mid-sync stops it at
its next batch: each batch takes the account's sync row lock, and nothing is stored once the
account is gone.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.sealing import SealBroken, seal, unseal
from scoring.connectors import bluesky
from scoring.connectors.base import (
    AccountNotFound,
    ConnectorError,
    Page,
    RateLimited,
    Refused,
    SessionExpired,
    Unavailable,
)
from scoring.engine.model import Parameters
from scoring.errors import NetworkConnectFailed, SyncNotPossible, SyncTooSoon
from scoring.models import Member, NetworkAccount, NetworkSession, SyncState, SyncStatus
from scoring.services.actions import actions_import
from scoring.services.connectors import LIVE_NETWORKS, connector_for, syncs
from scoring.services.members import network_account_connect

NOTES_KEPT = 50
BATCH_RECORDS = 5000  # pages stored together, up to this many records ...
BATCH_PAGES = 200  # ... or pages ...
BATCH_SECONDS = 2.0  # ... or this long after the first
# Pages the network reader may run ahead of the database: about two batches, so it keeps
# reading while a batch is stored (at 16 it stalled at every batch; bench/sync.py: 2.90x ->
# 2.49x the import's time per action). At most 100 records a page: memory stays bounded.
READ_AHEAD = 400
STALE_RUN = timedelta(hours=2)  # a run this old was left by a dead worker: take it again


def bluesky_connect(*, member: Member, handle: str, app_password: str) -> NetworkAccount:
    """Connect a Bluesky account by signing in to it with an app password: the password is
    used for that one call and never stored; the session is stored sealed. Queues the
    first sync (the backfill of the window)."""
    handle = (handle or "").strip().removeprefix("@")
    if not handle:
        raise NetworkConnectFailed("Enter your Bluesky handle.", field="handle")
    if not app_password:
        raise NetworkConnectFailed("Enter an app password.", field="app_password")
    try:  # a network call: made before any transaction or lock
        session = bluesky.session_create(
            service_url=settings.BLUESKY_SERVICE_URL, handle=handle, app_password=app_password
        )
    except ConnectorError as error:
        raise NetworkConnectFailed(_sign_in_refusal(error), field="app_password") from None
    with transaction.atomic():
        account = network_account_connect(
            member=member,
            network=bluesky.NETWORK,
            external_id=session.account_id,
            handle=session.handle,
            source=NetworkAccount.Source.SESSION,
        )
        now = timezone.now()
        NetworkSession.objects.update_or_create(
            account=account,
            defaults={"sealed": seal(session.session_string), "refreshed_at": now},
        )
        SyncState.objects.get_or_create(account=account)
        sync_queue(account.pk, now)
    return account


def _sign_in_refusal(error: ConnectorError) -> str:
    if isinstance(error, SessionExpired | Refused | AccountNotFound):
        return (
            "Bluesky did not accept that handle and app password. Check both, or create a "
            "new app password and use it here."
        )
    return error.message


@transaction.atomic
def demo_account_attach(*, network: str, external_id: str, handle: str) -> NetworkAccount:
    """A clearly flagged demo member holding a public account (staff and CLI only, for
    demos: the flag ``import_actions --demo-members`` sets). An account a member already
    holds is returned as it is."""
    existing = NetworkAccount.objects.filter(network=network, external_id=external_id).first()
    if existing is not None:
        return existing
    member = Member.objects.create(
        is_demo=True, opted_in_at=timezone.now(), display_name=f"Demo {network} {handle}"
    )
    account = NetworkAccount.objects.create(
        member=member,
        network=network,
        external_id=external_id,
        handle=handle,
        source=NetworkAccount.Source.DEMO,
    )
    SyncState.objects.create(account=account)
    return account


def network_account_sync_request(*, account: NetworkAccount) -> SyncState:
    """ "Sync now": at most once per SYNC_NOW_INTERVAL_MINUTES per account."""
    if not syncs(account.network):
        raise SyncNotPossible(f"{account.network_label} accounts are not read live yet.")
    now = timezone.now()
    gap = timedelta(minutes=settings.SYNC_NOW_INTERVAL_MINUTES)
    with transaction.atomic():
        state, _ = SyncState.objects.select_for_update().get_or_create(account=account)
        if state.requested_at and now - state.requested_at < gap:
            again = timezone.localtime(state.requested_at + gap)
            raise SyncTooSoon(f"You can sync again from {again:%H:%M} UTC.")
        state.requested_at = now
        state.save(update_fields=["requested_at"])
        if state.status != SyncStatus.RUNNING:
            sync_queue(account.pk, now)
    state.refresh_from_db()
    return state


def sync_queue(account_id: int, now: datetime) -> None:
    from scoring.tasks import network_account_sync_task

    SyncState.objects.filter(account_id=account_id).exclude(status=SyncStatus.RUNNING).update(
        status=SyncStatus.QUEUED, detail="Waiting to sync."
    )
    transaction.on_commit(lambda: network_account_sync_task.delay(account_id))


def network_account_sync(*, account_id: int) -> SyncState | None:
    """Sync one account: its posts in the score window and every action on them, resuming
    an unfinished walk from its cursor. Returns the state, or None when the account is
    gone, its member is not opted in, or another run holds it. A refusal, a rate limit or
    an expired session ends the run with a status the member reads; Unavailable (a passing
    fault) is raised for the task to retry with backoff, its cursor kept."""
    account = _sync_begin(account_id)
    if account is None:
        return None
    batch = _Pages()
    try:
        _session_renew(account)
        window = timedelta(days=Parameters().window_days)
        state = SyncState.objects.get(account_id=account_id)
        pages = connector_for(account).pages(
            account_id=account.external_id, since=timezone.now() - window, cursor=state.cursor
        )
        for page in read_ahead(pages):
            batch.add(page)
            if batch.full() and not _pages_store(account_id, batch.take()):
                return None  # disconnected, or the member opted out: stop at once
        if not _pages_store(account_id, batch.take()):
            return None
    except ConnectorError as error:
        # What was read before the refusal is whole: store it, so the retry goes on after it.
        if not _pages_store(account_id, batch.take()):
            return None
        _sync_end(account_id, *_status_of(error))
        if isinstance(error, Unavailable):
            raise
        return SyncState.objects.filter(account_id=account_id).first()
    before = SyncState.objects.filter(account_id=account_id).first()
    _sync_end(account_id, SyncStatus.OK, "Up to date.", synced=True)
    _score_soon(before)
    return SyncState.objects.filter(account_id=account_id).first()


def _score_soon(state: SyncState | None) -> None:
    """A first backfill, or a sync the member asked for, shows in their score at once (as
    their own import does), not at the next nightly run. The daily round waits for it."""
    if state is None or not state.actions_stored:
        return
    asked = state.requested_at is not None and (
        state.last_synced_at is None or state.requested_at > state.last_synced_at
    )
    if state.last_synced_at is None or asked:
        from scoring.tasks import score_run_task

        transaction.on_commit(lambda: score_run_task.delay())


_DONE = object()


def read_ahead(pages: Iterator[Page], depth: int = READ_AHEAD) -> Iterator[Page]:
    """The same pages, read by a thread of their own up to ``depth`` ahead, so the network
    is read while the database stores (the connector does no database work). An error the
    reader meets comes out here, in order, after the pages read before it; leaving early
    stops the reader."""
    ahead: queue.Queue = queue.Queue(maxsize=depth)
    leaving = threading.Event()

    def offer(item) -> bool:
        while not leaving.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for page in pages:
                if not offer(page):
                    return
            offer(_DONE)
        except BaseException as error:  # handed over to the consumer, in order
            offer(error)

    reader = threading.Thread(target=read, name="sync-read-ahead", daemon=True)
    reader.start()
    try:
        while (item := ahead.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        leaving.set()
        reader.join(timeout=5)


class _Pages:
    """Pages read and not yet stored: stored together (with the last one's cursor) once
    they hold BATCH_RECORDS records or BATCH_PAGES pages, or BATCH_SECONDS have passed, so a
    sync of thousands of small pages is not thousands of transactions."""

    def __init__(self) -> None:
        self.pages: list[Page] = []
        self.records = 0
        self.opened = time.monotonic()

    def add(self, page: Page) -> None:
        self.pages.append(page)
        self.records += len(page.records)

    def full(self) -> bool:
        return (
            self.records >= BATCH_RECORDS
            or len(self.pages) >= BATCH_PAGES
            or time.monotonic() - self.opened >= BATCH_SECONDS
        )

    def take(self) -> list[Page]:
        pages, self.pages, self.records, self.opened = self.pages, [], 0, time.monotonic()
        return pages


def _status_of(error: ConnectorError) -> tuple[str, str, datetime | None]:
    if isinstance(error, RateLimited):
        until = timezone.localtime(error.until)
        return SyncStatus.RATE_LIMITED, f"Rate limited until {until:%H:%M} UTC.", error.until
    if isinstance(error, Unavailable):
        return SyncStatus.RETRYING, error.message, None
    if isinstance(error, SessionExpired):
        return SyncStatus.SESSION_EXPIRED, "Session expired: connect again.", None
    if isinstance(error, AccountNotFound):
        return SyncStatus.NOT_FOUND, error.message, None
    return SyncStatus.REFUSED, error.message, None


def _sync_begin(account_id: int) -> NetworkAccount | None:
    """Take the account's sync (one run at a time; a run left by a dead worker is taken
    again after STALE_RUN); None when there is nothing to do."""
    now = timezone.now()
    account = NetworkAccount.objects.select_related("member").filter(pk=account_id).first()
    if account is None or not account.member.is_opted_in:
        return None
    SyncState.objects.get_or_create(account=account)
    free = SyncState.objects.filter(account_id=account_id).exclude(
        status=SyncStatus.RUNNING, started_at__gt=now - STALE_RUN
    )
    taken = free.exclude(retry_at__gt=now).update(
        status=SyncStatus.RUNNING,
        detail="Syncing.",
        started_at=now,
        retry_at=None,
        **_fresh_counts(account_id),
    )
    return account if taken else None


def _fresh_counts(account_id: int) -> dict:
    """A new walk starts its counts at 0; a resumed one keeps counting."""
    state = SyncState.objects.filter(account_id=account_id).values("cursor").first()
    if state and state["cursor"] and not state["cursor"].get("done"):
        return {}
    zero = ("pages", "requests", "actions_stored", "posts_stored", "duplicates")
    return {**dict.fromkeys(zero, 0), "notes": []}


def _session_renew(account: NetworkAccount) -> None:
    """Renew the member's session, as proof that it still stands (an account whose
    session is gone stops syncing until the member connects again)."""
    stored = NetworkSession.objects.filter(account=account).first()
    if stored is None or account.network != bluesky.NETWORK:
        return  # a public account read for a demo or by staff, or a token that does not expire
    try:
        text = unseal(stored.sealed)
    except SealBroken:
        raise SessionExpired("Your session can no longer be read: connect again.") from None
    renewed = bluesky.session_refresh(service_url=settings.BLUESKY_SERVICE_URL, session_string=text)
    NetworkSession.objects.filter(pk=stored.pk).update(
        sealed=seal(renewed.session_string), refreshed_at=timezone.now()
    )


def _pages_store(account_id: int, pages: list[Page]) -> bool:
    """Store pages' records and the last one's cursor in one transaction; False (storing
    nothing) when the account is gone or its member no longer opted in."""
    if not pages:
        return True
    with transaction.atomic():
        state = (
            SyncState.objects.select_for_update()
            .select_related("account__member")
            .filter(account_id=account_id)
            .first()
        )
        if state is None or not state.account.member.is_opted_in:
            return False
        summary = actions_import(records=[r for page in pages for r in page.records])
        notes = [note for page in pages for note in page.notes]
        SyncState.objects.filter(pk=state.pk).update(
            cursor=pages[-1].cursor,
            pages=F("pages") + len(pages),
            requests=F("requests") + sum(page.requests for page in pages),
            actions_stored=F("actions_stored") + summary.stored,
            posts_stored=F("posts_stored") + summary.posts,
            duplicates=F("duplicates") + summary.duplicates,
            notes=(state.notes + notes)[-NOTES_KEPT:] if notes else state.notes,
        )
    return True


def _sync_end(
    account_id: int,
    status: str,
    detail: str,
    retry_at: datetime | None = None,
    *,
    synced: bool = False,
) -> None:
    changes = {"status": status, "detail": detail[:300], "retry_at": retry_at}
    if synced:  # the walk is complete; a mark the connector keeps for the next one stays
        stored = SyncState.objects.filter(account_id=account_id).values("cursor").first()
        kept = stored["cursor"] if stored and (stored["cursor"] or {}).get("done") else None
        changes.update(last_synced_at=timezone.now(), cursor=kept)
    SyncState.objects.filter(account_id=account_id).update(**changes)
    if retry_at is not None:  # rate limited: the walk goes on from its cursor then
        from scoring.tasks import network_account_sync_task

        transaction.on_commit(
            lambda: network_account_sync_task.apply_async((account_id,), eta=retry_at)
        )


def accounts_sync_due(*, now: datetime | None = None, spread_seconds: int = 5400) -> int:
    """Queue every live-read account not synced in the last day (beat, daily, before the
    nightly score run), spread over ``spread_seconds`` so the network sees a trickle, not a
    burst; returns how many."""
    now = now or timezone.now()
    due = (
        SyncState.objects.filter(account__network__in=LIVE_NETWORKS)
        .filter(account__member__opted_in_at__isnull=False)
        .exclude(last_synced_at__gt=now - timedelta(hours=23))
        .exclude(status__in=[SyncStatus.RUNNING, SyncStatus.SESSION_EXPIRED])
        .values_list("account_id", flat=True)
    )
    from scoring.tasks import network_account_sync_task

    queued = 0
    for account_id in due.iterator():
        delay = (account_id * 7919) % max(spread_seconds, 1)  # the same slot every day
        network_account_sync_task.apply_async((account_id,), countdown=delay)
        queued += 1
    return queued
