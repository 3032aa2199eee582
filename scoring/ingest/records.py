"""The validated action record every parser yields, and the keyed hashes that name people
who are not members. Pure: the hash key is handed in, never read from settings."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

KINDS = ("share", "reply", "comment", "mention", "like")


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """One action: ``actor_id`` acted (``kind``) on ``subject_id``'s content at ``occurred_at``.

    ``actor_id`` None means an unknown person. ``line`` is where the record came from, for
    error messages.
    """

    network: str
    actor_id: str | None
    subject_id: str
    kind: str
    occurred_at: datetime
    content_id: str | None = None
    content_text: str | None = None
    content_tags: tuple[str, ...] = field(default_factory=tuple)
    action_id: str | None = None
    line: int = 0
    # When the actor's account was created, when the source says (rule "accounts created
    # together"); only its minute is kept, as a keyed hash.
    actor_created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PostRecord:
    """A post by the account ``account_id``, stored whether or not anyone acted on it."""

    network: str
    account_id: str
    content_id: str
    text: str
    tags: tuple[str, ...]
    posted_at: datetime | None
    line: int = 0


@lru_cache(maxsize=8)
def _keyed(key: str):
    """A BLAKE2b state already keyed (the key block compressed once); copied per hash."""
    return hashlib.blake2b(key=hashlib.sha256(key.encode("utf-8")).digest(), digest_size=16)


def keyed_hash(key: str, *parts: str) -> str:
    """A 128-bit keyed BLAKE2b MAC of the parts, as 32 hex digits (stored as a UUID: compact
    to index). Parts are joined with a separator that no id contains; without the key it
    cannot be reversed or recomputed."""
    mac = _keyed(key).copy()
    mac.update("\x1f".join(parts).encode("utf-8"))
    return mac.hexdigest()


def actor_key(key: str, network: str, external_id: str) -> str:
    """The anonymous name of (network, external id): stable for the same key."""
    return keyed_hash(key, "actor", network, external_id)


def cohort_key(key: str, record: ActionRecord) -> int | None:
    """Which accounts were created together: a keyed hash of the network and the minute the
    actor's account was created, as a non-negative 63-bit number (None when the record does
    not say). Equal for accounts of the same minute; says nothing else about them."""
    if record.actor_created_at is None:
        return None
    minute = str(int(record.actor_created_at.timestamp()) // 60)
    digest = bytes.fromhex(keyed_hash(key, "cohort", record.network, minute))
    return int.from_bytes(digest[:8], "big", signed=True) & (2**63 - 1)


def dedupe_key(key: str, record: ActionRecord) -> str:
    """The identity of an action: its own id on the network when it has one, else who did
    what to which content at which second. Keyed, so it reveals no external ids."""
    if record.action_id:
        return keyed_hash(key, "action-id", record.network, record.action_id)
    return keyed_hash(
        key,
        "action",
        record.network,
        record.actor_id or "",
        record.subject_id,
        record.kind,
        str(int(record.occurred_at.timestamp())),
        record.content_id or "",
    )
