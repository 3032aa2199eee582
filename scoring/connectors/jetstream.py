"""Bluesky's Jetstream: every public commit on the network as JSON over a WebSocket, read
from a cursor (``time_us``, microseconds). See the bluesky-social/jetstream README.

``EventReader`` turns the events that concern watched accounts (members) into the same
records a sync yields, with the same identities, so a sync and the stream store each action
once: a like or repost of a watched account's post, a reply to it, a post quoting it, and
the watched accounts' own new posts. Every other event is dropped after reading its JSON,
before any database work. Deletions are not applied: an action is a fact of its time.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import urlencode

from scoring.connectors.base import Record
from scoring.connectors.bluesky import NETWORK, author_of, like_id, repost_id, tags_of, when
from scoring.ingest.records import ActionRecord, PostRecord

LIKE, REPOST, POST = "app.bsky.feed.like", "app.bsky.feed.repost", "app.bsky.feed.post"
COLLECTIONS = (LIKE, REPOST, POST)
QUOTE_EMBEDS = ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia")
TIME_US = re.compile(r'"time_us"\s*:\s*(\d+)')


def time_us_of(message: str) -> int | None:
    """An event's ``time_us``, read without parsing the rest of it."""
    found = TIME_US.search(message)
    return int(found.group(1)) if found else None


def subscribe_url(base: str, *, cursor_us: int | None) -> str:
    """The subscription for likes, reposts and posts, from ``cursor_us`` when given."""
    params = [("wantedCollections", c) for c in COLLECTIONS]
    if cursor_us:
        params.append(("cursor", str(cursor_us)))
    return f"{base}{'&' if '?' in base else '?'}{urlencode(params)}"


class EventReader:
    """Reads Jetstream events for the watched accounts (their DIDs)."""

    def __init__(self, watched: set[str]) -> None:
        self.watched = watched

    def read(self, message: str | bytes) -> tuple[int | None, list[Record]]:
        """The event's ``time_us`` (None when it has none) and the records it holds for
        the watched accounts (usually none)."""
        message = _text(message)
        return time_us_of(message), self.records(message)

    def records(self, message: str | bytes) -> list[Record]:
        """The records an event holds for the watched accounts. Most events name nobody
        watched and are dropped without parsing their JSON; a message that is not a JSON
        object shaped like an event gives none."""
        message = _text(message)
        if "\\/" not in message and not names_watched(message, self.watched):
            return []  # (escaped slashes, legal JSON that Jetstream does not send, are parsed)
        try:
            event = json.loads(message)
            if event.get("kind") != "commit":
                return []
            commit = event["commit"]
            if commit.get("operation") != "create":
                return []
            return self._records(event["did"], commit, event.get("time_us"))
        except (ValueError, TypeError, KeyError, AttributeError):
            return []

    def _records(self, actor: str, commit: dict, time_us) -> list[Record]:
        collection, record = commit.get("collection"), commit.get("record") or {}
        if collection in (LIKE, REPOST):
            subject = record["subject"]["uri"]
            owner = author_of(subject)
            if owner not in self.watched:
                return []
            kind, name = ("like", like_id) if collection == LIKE else ("share", repost_id)
            at = when(record.get("createdAt"), fallback=_at(time_us))
            return [_action(actor, owner, kind, at, subject, name(actor, subject))]
        if collection == POST:
            return self._post(actor, commit, record, time_us)
        return []

    def _post(self, actor: str, commit: dict, record: dict, time_us) -> list[Record]:
        uri = f"at://{actor}/{POST}/{commit['rkey']}"
        at = when(record.get("createdAt"), fallback=_at(time_us))
        found: list[Record] = []
        if actor in self.watched:
            text, tags = record.get("text") or "", tags_of(record)
            found.append(PostRecord(NETWORK, actor, uri, text, tags, at))
        parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
        if parent and author_of(parent) in self.watched:
            found.append(_action(actor, author_of(parent), "reply", at, parent, uri))
        quoted = _quoted(record.get("embed"))
        if quoted and author_of(quoted) in self.watched:
            found.append(_action(actor, author_of(quoted), "share", at, quoted, uri))
        return found


def names_watched(message: str, watched: set[str]) -> bool:
    """Whether a DID the event names is watched: the authority of any ``at://`` URI in it,
    or any ``"did"`` field's value. Plain string searches: every event on the network goes
    through here, and they cost a third of parsing the JSON (a regular expression cost more
    than parsing)."""
    find = message.find
    at = find("at://")
    while at != -1:
        end = find("/", at + 5)
        if end == -1:
            break
        if message[at + 5 : end] in watched:
            return True
        at = find("at://", end)
    key = find('"did"')
    while key != -1:
        start = find('"', key + 5)
        end = find('"', start + 1) if start != -1 else -1
        if end == -1:
            break
        if message[start + 1 : end] in watched:
            return True
        key = find('"did"', end + 1)
    return False


def _text(message: str | bytes) -> str:
    if isinstance(message, bytes | bytearray):
        return bytes(message).decode("utf-8", errors="replace")
    return message


def _quoted(embed) -> str | None:
    if not isinstance(embed, dict) or embed.get("$type") not in QUOTE_EMBEDS:
        return None
    inner = embed.get("record") or {}
    if embed["$type"] == QUOTE_EMBEDS[1]:
        inner = inner.get("record") or {}
    uri = inner.get("uri")
    return uri if isinstance(uri, str) and "/app.bsky.feed.post/" in uri else None


def _at(time_us) -> datetime | None:
    return datetime.fromtimestamp(time_us / 1_000_000, tz=UTC) if isinstance(time_us, int) else None


def _action(actor, owner, kind, at, content, action_id) -> ActionRecord:
    return ActionRecord(
        network=NETWORK,
        actor_id=actor,
        subject_id=owner,
        kind=kind,
        occurred_at=at or datetime.now(UTC),
        content_id=content,
        action_id=action_id,
    )
