"""The live stream: Bluesky's Jetstream read in micro-batches into the action log.

A batch's records go through the import path (consent-filtered, deduplicated by each
action's unique key) and the stream's cursor moves to the batch's last event in the same
transaction. So a consumer killed at any moment loses nothing and stores nothing twice: on
restart it resumes ``REWIND`` before the stored cursor, and what it reads again is absorbed
by the unique keys. The accounts watched are reread every ``WATCH_REFRESH``; an account
disconnected meanwhile gets nothing stored anyway, since the import path stores only what
concerns an opted-in member's account.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from scoring.connectors import bluesky
from scoring.connectors.base import Record
from scoring.connectors.jetstream import EventReader, subscribe_url, time_us_of
from scoring.models import NetworkAccount, StreamCursor
from scoring.services.actions import ImportSummary, actions_import

logger = logging.getLogger(__name__)

JETSTREAM = "bluesky-jetstream"
REWIND_US = 5_000_000  # read again this much before the stored cursor on a restart
BATCH_EVENTS = 20_000  # most events concern nobody watched: a batch holds few records
BATCH_SECONDS = 1.0
WATCH_REFRESH = 10.0
BACKOFF = (1, 2, 4, 8, 15, 30, 60)


def watched_accounts(network: str = bluesky.NETWORK) -> set[str]:
    """The network ids of opted-in members' accounts: the only ones the stream keeps."""
    rows = NetworkAccount.objects.filter(network=network, member__opted_in_at__isnull=False)
    return set(rows.values_list("external_id", flat=True))


def stream_resume_at(name: str = JETSTREAM) -> int | None:
    stored = StreamCursor.objects.filter(name=name).values_list("position", flat=True).first()
    return max(stored - REWIND_US, 1) if stored else None


def stream_batch_store(
    *, records: list[Record], position: int, events: int, name: str = JETSTREAM
) -> ImportSummary:
    """Store a batch's records and move the stream's cursor forward to ``position`` (the
    ``time_us`` of its last event; 0 moves nothing), in one transaction."""
    with transaction.atomic():
        summary = actions_import(records=records) if records else ImportSummary()
        cursor, _ = StreamCursor.objects.select_for_update().get_or_create(name=name)
        moved = {}
        if position > cursor.position:
            moved = {
                "position": position,
                "event_at": datetime.fromtimestamp(position / 1_000_000, tz=UTC),
            }
        StreamCursor.objects.filter(pk=cursor.pk).update(
            **moved,
            stored_at=timezone.now(),
            events=F("events") + events,
            actions_stored=F("actions_stored") + summary.stored,
        )
    return summary


@dataclass
class _Batch:
    records: list[Record] = field(default_factory=list)
    events: int = 0
    last: str | bytes | None = None  # the newest message: its time_us is the batch's cursor
    opened: float = field(default_factory=time.monotonic)


class JetstreamConsumer:
    """Reads the stream from where the last run stored, batch by batch, reconnecting with
    backoff. ``connect(url)`` opens a WebSocket (the ``websockets`` library's sync client
    unless a test hands another); ``stop()`` is asked between messages."""

    def __init__(
        self,
        *,
        url: str,
        connect: Callable | None = None,
        stop: Callable[[], bool] = lambda: False,
        sleep: Callable[[float], None] = time.sleep,
        name: str = JETSTREAM,
    ) -> None:
        if connect is None:
            from websockets.sync.client import connect
        self.url, self.connect, self.stop, self.sleep, self.name = url, connect, stop, sleep, name
        self.reader = EventReader(set())
        self.watch_read_at = 0.0
        self.stored = 0

    def run(self) -> None:
        failures = 0
        while not self.stop():
            url = subscribe_url(self.url, cursor_us=stream_resume_at(self.name))
            try:
                with self.connect(url) as socket:
                    failures = 0
                    self._consume(socket)
            except (OSError, EOFError, ConnectionError) as error:
                self._pause(failures, error)
                failures += 1
            except Exception as error:  # the library's ConnectionClosed and the like
                if type(error).__module__.split(".")[0] != "websockets":
                    raise
                self._pause(failures, error)
                failures += 1

    def _pause(self, failures: int, error: Exception) -> None:
        wait = BACKOFF[min(failures, len(BACKOFF) - 1)]
        logger.warning("jetstream: %s; reconnecting in %ss", error, wait)
        if not self.stop():
            self.sleep(wait)

    def _consume(self, socket) -> None:
        """Read until the connection ends or ``stop()``; store a batch when it holds
        BATCH_EVENTS events or BATCH_SECONDS have passed since it began. The loop is the
        stream's hot path (every event on the network goes through it), hence its shape."""
        batch, records_of, stop = _Batch(), self.reader.records, self.stop
        self._watch()
        try:
            while not stop():
                try:
                    message = socket.recv(timeout=BATCH_SECONDS)
                except TimeoutError:
                    message = None
                if message is not None:
                    batch.events += 1
                    batch.last = message
                    found = records_of(message)
                    if found:
                        batch.records += found
                now = time.monotonic()
                if now - self.watch_read_at >= WATCH_REFRESH:
                    self._watch()
                if batch.events and (
                    batch.events >= BATCH_EVENTS or now - batch.opened >= BATCH_SECONDS
                ):
                    self._flush(batch)
                    batch = _Batch()
        finally:
            if batch.events:  # whole events already read: store them before going
                self._flush(batch)

    def _flush(self, batch: _Batch) -> None:
        """Store the batch; its cursor is its newest event's time (Jetstream's times only
        grow). A newest message without one leaves the cursor where it was: what follows
        is read again after a restart, and stored once."""
        last = (
            batch.last.decode("utf-8", "replace") if isinstance(batch.last, bytes) else batch.last
        )
        summary = stream_batch_store(
            records=batch.records,
            position=time_us_of(last or "") or 0,
            events=batch.events,
            name=self.name,
        )
        self.stored += summary.stored

    def _watch(self) -> None:
        self.reader.watched = watched_accounts()
        self.watch_read_at = time.monotonic()
