"""Mastodon members' notifications, live: one follower per connected account, streaming where
the instance allows it and polling its notifications API otherwise.

Cursor discipline, as for the Bluesky stream: each notification's records and the account's
mark (the id of the last notification stored, a StreamCursor named ``mastodon:<account>``)
are stored in one transaction, the mark only ever moving forward. On (re)start a follower
first reads, through the API, everything after its mark (what arrived while nobody listened),
then listens. So a kill at any moment loses nothing, and what is read twice is stored once
(the unique key of each act). The daily sync's own notification mark moves with it, so the
sync does not read the same notifications again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from scoring.connectors import mastodon
from scoring.connectors.base import ConnectorError, Record, SessionExpired
from scoring.connectors.mastodon_stream import NotificationFollower, StreamingRefused
from scoring.models import NetworkAccount, StreamCursor, SyncState
from scoring.services.actions import ImportSummary, actions_import
from scoring.services.connectors import mastodon_access

logger = logging.getLogger(__name__)
POLL_SECONDS = 60.0  # an instance that does not stream is asked this often
WATCH_REFRESH = 10.0
REST_AFTER_END = 3600.0  # a follower that ended (access refused) is not restarted sooner
READ_JOIN = 5.0
BACKOFF = (1, 2, 4, 8, 15, 30, 60, 120, 300)


def mark_name(account_id: int) -> str:
    return f"mastodon:{account_id}"


def _number(notification_id: str) -> int | None:
    return int(notification_id) if notification_id.isdigit() else None


def mastodon_mark(account_id: int) -> str | None:
    """Where the account's notifications were stored up to: the stream's mark, or the
    sync's when the stream has none yet."""
    stored = StreamCursor.objects.filter(name=mark_name(account_id)).first()
    if stored is not None and stored.position:
        return str(stored.position)
    cursor = SyncState.objects.filter(account_id=account_id).values_list("cursor", flat=True)
    seen = (cursor.first() or {}).get("seen") if cursor else None
    return str(seen) if seen not in (None, "0") else None


def mastodon_notification_store(
    *, account_id: int, notification_id: str, records: list[Record]
) -> ImportSummary | None:
    """Store one notification's records and move the account's marks to it, in one
    transaction; None (storing nothing) when the account is gone or its member opted out."""
    position = _number(notification_id)
    with transaction.atomic():
        state = (
            SyncState.objects.select_for_update()
            .select_related("account__member")
            .filter(account_id=account_id)
            .first()
        )
        if state is None or not state.account.member.is_opted_in:
            return None
        summary = actions_import(records=records) if records else ImportSummary()
        if position is None:
            return summary
        cursor, _ = StreamCursor.objects.get_or_create(name=mark_name(account_id))
        StreamCursor.objects.filter(pk=cursor.pk, position__lt=position).update(
            position=position, event_at=timezone.now()
        )
        StreamCursor.objects.filter(pk=cursor.pk).update(
            stored_at=timezone.now(),
            events=F("events") + 1,
            actions_stored=F("actions_stored") + summary.stored,
        )
        finished = state.cursor or {}
        if finished.get("done") and (_number(str(finished.get("seen") or "")) or 0) < position:
            SyncState.objects.filter(pk=state.pk).update(cursor={**finished, "seen": str(position)})
    return summary


class AccountFollower:
    """Follows one account until ``stop()``: catch up from the mark, then stream (or poll).
    ``follower`` builds the network side (a test hands its own)."""

    def __init__(
        self,
        account_id: int,
        *,
        stop: Callable[[], bool],
        sleep: Callable[[float], None] = time.sleep,
        poll_seconds: float = POLL_SECONDS,
        follower: NotificationFollower | None = None,
    ) -> None:
        self.account_id, self.stop, self.sleep = account_id, stop, sleep
        self.poll_seconds, self.follower = poll_seconds, follower
        self.stored, self.streaming = 0, None

    def _build(self) -> NotificationFollower:
        account = NetworkAccount.objects.get(pk=self.account_id)
        access = mastodon_access(account)
        return NotificationFollower(
            base_url=access["instance"],
            access_token=access["token"],
            account_id=account.external_id,
        )

    def _store(self, notification_id: str, records: list[Record]) -> None:
        summary = mastodon_notification_store(
            account_id=self.account_id, notification_id=notification_id, records=records
        )
        if summary is None:  # disconnected or opted out: this follower has nothing to do
            raise _Gone
        self.stored += summary.stored

    def catch_up(self) -> None:
        for notification_id, records in self.follower.since(mastodon_mark(self.account_id)):
            self._store(notification_id, records)

    def run(self) -> None:
        failures = 0
        while not self.stop():
            try:
                self.follower = self.follower or self._build()
                self.catch_up()
                self._listen()
                failures = 0
            except (_Gone, SessionExpired, NetworkAccount.DoesNotExist):
                return  # the member reconnects; the daily sync shows them why
            except ConnectorError as error:
                wait = BACKOFF[min(failures, len(BACKOFF) - 1)]
                logger.warning("mastodon %s: %s; again in %ss", self.account_id, error, wait)
                failures += 1
                self._nap(wait)

    def _listen(self) -> None:
        if self.streaming is not False:
            try:
                self.follower.listen(self._store, self.stop)
                self.streaming = True
                return
            except StreamingRefused:
                self.streaming = False  # poll from now on
        self._nap(self.poll_seconds)

    def _nap(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stop() and time.monotonic() < end:
            self.sleep(min(1.0, end - time.monotonic()))


class _Gone(Exception):
    pass


def followed_accounts() -> set[int]:
    """Opted-in members' Mastodon accounts that have an access to read with."""
    return set(
        NetworkAccount.objects.filter(
            network=mastodon.NETWORK,
            member__opted_in_at__isnull=False,
            network_session__isnull=False,
        ).values_list("pk", flat=True)
    )


class MastodonStreams:
    """A follower thread per followed account, started and stopped as accounts come and go
    (reread every WATCH_REFRESH)."""

    def __init__(self, *, stop: Callable[[], bool], poll_seconds: float = POLL_SECONDS) -> None:
        self.stop, self.poll_seconds = stop, poll_seconds
        self.threads: dict[int, tuple[threading.Thread, threading.Event]] = {}
        self.resting: dict[int, float] = {}  # account -> when it may be followed again

    def run(self) -> None:
        while not self.stop():
            self.refresh()
            close_old_connections()
            end = time.monotonic() + WATCH_REFRESH
            while not self.stop() and time.monotonic() < end:
                time.sleep(0.2)
        for _, leaving in self.threads.values():
            leaving.set()
        for thread, _ in self.threads.values():
            thread.join(timeout=READ_JOIN)

    def refresh(self) -> None:
        wanted = followed_accounts()
        for account_id in set(self.threads) - wanted:
            self.threads.pop(account_id)[1].set()
        now = time.monotonic()
        for account_id, (thread, _) in list(self.threads.items()):
            if not thread.is_alive():
                del self.threads[account_id]
                self.resting[account_id] = now + REST_AFTER_END
        for account_id in wanted - set(self.threads):
            if self.resting.get(account_id, 0) > now:
                continue
            leaving = threading.Event()
            thread = threading.Thread(
                target=_follow,
                args=(account_id, leaving, self.stop, self.poll_seconds),
                name=f"mastodon-{account_id}",
                daemon=True,
            )
            self.threads[account_id] = (thread, leaving)
            thread.start()


def _follow(account_id: int, leaving: threading.Event, stop, poll_seconds: float) -> None:
    try:
        AccountFollower(
            account_id, stop=lambda: leaving.is_set() or stop(), poll_seconds=poll_seconds
        ).run()
    except Exception:  # one account's failure never takes the others down
        logger.exception("mastodon follower %s failed", account_id)
    finally:
        connection.close()
