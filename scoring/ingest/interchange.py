"""The interchange format: CSV with a header, or JSON Lines with the same keys.

Required: ``network, actor_id, subject_id, kind, occurred_at``. Optional: ``content_id,
content_text, content_tags, action_id, actor_created_at`` (when the actor's account was
created, as ``occurred_at``; only its minute is kept, as a keyed hash). An empty
``actor_id`` is an action by an unknown person. ``occurred_at`` is ISO 8601 with an offset,
or Unix seconds. ``content_tags`` is ``;``-separated (a JSON list in JSON Lines). Unknown
columns are refused, so a misspelt one is not silently ignored.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from scoring.ingest.checks import (
    MAX_TEXT_LENGTH,
    Place,
    check_id,
    check_kind,
    check_network,
    parse_time,
    split_tags,
)
from scoring.ingest.errors import IngestError
from scoring.ingest.records import ActionRecord

REQUIRED = ("network", "actor_id", "subject_id", "kind", "occurred_at")
OPTIONAL = ("content_id", "content_text", "content_tags", "action_id", "actor_created_at")
COLUMNS = REQUIRED + OPTIONAL
Item = ActionRecord | IngestError


def _content(values: dict, place: Place) -> tuple[str | None, str | None, tuple[str, ...]]:
    """The content acted on: its id, text and tags (text and tags only with an id)."""
    content_id = check_id(place, "content_id", values.get("content_id"), required=False)
    text = values.get("content_text")
    text = None if text is None or str(text) == "" else str(text)
    if text is not None and content_id is None:
        raise place.error("content_text", "given without content_id", expected="a content_id")
    tags = split_tags(values.get("content_tags"), place)
    if tags and content_id is None:
        raise place.error("content_tags", "given without content_id", expected="a content_id")
    if text is not None and len(text) > MAX_TEXT_LENGTH:
        raise place.error("content_text", "too long", text, f"at most {MAX_TEXT_LENGTH:,} chars")
    return content_id, text, tags


def _actor_created_at(
    values: dict, place: Place, actor_id: str | None, occurred_at: datetime, now
) -> datetime | None:
    """When the actor's account was created (aware), if given: only for a known actor, and
    no later than the action."""
    created = values.get("actor_created_at")
    if created is None or not str(created).strip():
        return None
    if actor_id is None:
        raise place.error("actor_created_at", "given for an unknown actor", expected="an actor_id")
    actor_created_at = parse_time(place, "actor_created_at", str(created), now)
    if actor_created_at > occurred_at:
        raise place.error(
            "actor_created_at",
            "after the action",
            str(created),
            f"a time no later than occurred_at ({occurred_at.isoformat()})",
        )
    return actor_created_at


def record_from_fields(values: dict, place: Place, now: datetime | None) -> ActionRecord:
    """One validated record from a mapping of the interchange keys. Raises IngestError."""
    content_id, text, tags = _content(values, place)
    raw_time = values.get("occurred_at")
    occurred_at = parse_time(place, "occurred_at", "" if raw_time is None else str(raw_time), now)
    actor_id = check_id(place, "actor_id", values.get("actor_id"), required=False)
    actor_created_at = _actor_created_at(values, place, actor_id, occurred_at, now)
    return ActionRecord(
        network=check_network(place, values.get("network")),
        actor_id=actor_id,
        subject_id=check_id(place, "subject_id", values.get("subject_id"), required=True),
        kind=check_kind(place, values.get("kind")),
        occurred_at=occurred_at,
        content_id=content_id,
        content_text=text,
        content_tags=tags,
        action_id=check_id(place, "action_id", values.get("action_id"), required=False),
        line=place.line,
        actor_created_at=actor_created_at,
    )


def _check_header(header: list[str], source: str) -> list[str]:
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    unknown = [h for h in names if h not in COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        raise IngestError(
            source=source,
            line=1,
            problem="; ".join(parts),
            expected=f"a header with {', '.join(REQUIRED)} (and optionally {', '.join(OPTIONAL)})",
        )
    return names


def parse_csv(
    lines: Iterable[str], *, source: str = "<csv>", now: datetime | None = None
) -> Iterator[Item]:
    """Yield a record or an IngestError per data row. A bad header raises at once."""
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise IngestError(source=source, line=0, problem="the file is empty")
        names = _check_header(header, source)
        for row in reader:
            place = Place(source, reader.line_num)
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(names):
                yield place.error(
                    None, f"{len(row)} fields", expected=f"{len(names)} as in the header"
                )
                continue
            try:
                yield record_from_fields(dict(zip(names, row, strict=True)), place, now)
            except IngestError as error:
                yield error
    except csv.Error as exc:
        raise IngestError(
            source=source, line=reader.line_num, problem=f"not valid CSV ({exc})"
        ) from None


def parse_jsonl(
    lines: Iterable[str], *, source: str = "<jsonl>", now: datetime | None = None
) -> Iterator[Item]:
    """Yield a record or an IngestError per line holding one JSON object."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        place = Place(source, number)
        try:
            values = json.loads(line)
        except json.JSONDecodeError as exc:
            yield place.error(None, f"not JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(values, dict):
            yield place.error(None, "not a JSON object", type(values).__name__, "{...}")
            continue
        unknown = sorted(set(values) - set(COLUMNS))
        if unknown:
            yield place.error(unknown[0], "unknown key", expected=", ".join(COLUMNS))
            continue
        try:
            yield record_from_fields(values, place, now)
        except IngestError as error:
            yield error
