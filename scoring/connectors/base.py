"""The interface every live connector satisfies, as the import files' parsers do.

A connector reads one account of one network through the network's own client library and
yields :class:`Page` objects: the records it found (the same :class:`ActionRecord` and
:class:`PostRecord` the parsers yield) and the cursor to resume from once they are stored.
The caller stores a page's records and its cursor in one transaction, so a sync killed at
any moment resumes where its last stored page ended: nothing lost, nothing stored twice (an
action's unique key absorbs a page read again). Network I/O only: no database, no Django.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from scoring.ingest.records import ActionRecord, PostRecord

Record = ActionRecord | PostRecord


@dataclass(frozen=True)
class Page:
    """What one step of a sync found. ``cursor`` is plain JSON (the connector's own), to be
    stored with the records; None means the walk is complete, and so does a cursor with
    ``"done": true``, which is kept and handed to the next walk (a mark such as the last
    notification read). ``requests`` counts the calls
    made for this page; ``notes`` says what was skipped and why (nothing is skipped
    silently)."""

    records: list[Record]
    cursor: dict | None
    requests: int = 1
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Profile:
    """The account as the network states it: its stable id, handle and creation time."""

    account_id: str
    handle: str
    created_at: datetime | None = None
    posts: int | None = None


class Connector(Protocol):
    network: str

    def profile(self, account: str) -> Profile:
        """The account named by its id or handle; raises AccountNotFound."""
        ...

    def pages(self, *, account_id: str, since: datetime, cursor: dict | None) -> Iterator[Page]:
        """Every post of the account made since ``since`` and every action taken on them,
        page by page, resuming after ``cursor`` (a cursor a previous page gave)."""
        ...


class ConnectorError(Exception):
    """The network refused or failed. ``message`` is written for the member to read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AccountNotFound(ConnectorError):
    """No such account (a handle that does not resolve, an account deleted)."""


class RateLimited(ConnectorError):
    """The network asks us to wait until ``until`` (aware UTC)."""

    def __init__(self, message: str, *, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class SessionExpired(ConnectorError):
    """The stored session no longer works: the member must connect again."""


class Refused(ConnectorError):
    """The network refused the request for good (bad credentials, forbidden)."""


class Unavailable(ConnectorError):
    """A passing fault (a 5xx, a network error): worth retrying with backoff."""
