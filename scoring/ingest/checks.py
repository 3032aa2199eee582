"""Field checks shared by the parsers. Each raises IngestError naming the place."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from scoring.ingest.errors import IngestError

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_ID_LENGTH = 191
MAX_TEXT_LENGTH = 20_000
NETWORK_RE = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
KIND_ALIASES = {
    "share": "share",
    "retweet": "share",
    "reshare": "share",
    "repost": "share",
    "reply": "reply",
    "comment": "comment",
    "mention": "mention",
    "like": "like",
    "favourite": "like",
    "favorite": "like",
    "upvote": "like",
}


class Place:
    """Where a value came from: the source, the line and, once known, the field."""

    __slots__ = ("source", "line")

    def __init__(self, source: str, line: int) -> None:
        self.source, self.line = source, line

    def error(self, field: str | None, problem: str, value=None, expected=None) -> IngestError:
        return IngestError(
            source=self.source,
            line=self.line,
            field=field,
            problem=problem,
            value=None if value is None else str(value),
            expected=expected,
        )


def check_time(place: Place, field: str, moment: datetime, now: datetime | None) -> datetime:
    if moment < EARLIEST:
        raise place.error(field, "before 2000", moment.isoformat(), "a time from 2000 on")
    if now is not None and moment > now:
        raise place.error(field, "in the future", moment.isoformat(), "a time that has passed")
    return moment


def parse_time(place: Place, field: str, raw: str, now: datetime | None) -> datetime:
    """ISO 8601 with a UTC offset, or Unix seconds."""
    text = raw.strip()
    if not text:
        raise place.error(field, "missing", expected="ISO 8601 with an offset, or Unix seconds")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        try:
            moment = datetime.fromtimestamp(float(text), tz=UTC)
        except (OverflowError, ValueError, OSError):
            raise place.error(field, "out of range", text, "Unix seconds") from None
        return check_time(place, field, moment, now)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise place.error(
            field, "not a time", text, "ISO 8601 such as 2024-05-01T12:00:00+00:00, or Unix seconds"
        ) from None
    if moment.tzinfo is None:
        raise place.error(field, "has no UTC offset", text, "an offset such as +00:00 or Z")
    return check_time(place, field, moment.astimezone(UTC), now)


def check_id(place: Place, field: str, raw, *, required: bool) -> str | None:
    if isinstance(raw, dict | list | bool | float):
        raise place.error(
            field, f"a {type(raw).__name__}, not an id", expected="text or a whole number"
        )
    text = "" if raw is None else str(raw).strip()
    if not text:
        if required:
            raise place.error(field, "missing", expected="an id")
        return None
    if len(text) > MAX_ID_LENGTH:
        raise place.error(field, "too long", text, f"at most {MAX_ID_LENGTH} characters")
    return text


def check_network(place: Place, raw, field: str = "network") -> str:
    text = "" if raw is None else str(raw).strip().lower()
    if not NETWORK_RE.match(text):
        raise place.error(
            field, "not a network", raw, "a slug such as twitter, facebook, linkedin, blog"
        )
    return text


def check_kind(place: Place, raw, field: str = "kind") -> str:
    kind = KIND_ALIASES.get(str(raw or "").strip().lower())
    if kind is None:
        raise place.error(
            field,
            "unknown kind",
            raw,
            "share (retweet, reshare), reply, comment, mention or like (favourite, upvote)",
        )
    return kind


def split_tags(raw, place: Place | None = None) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, list):
        if place is not None and not all(isinstance(t, str) for t in raw):
            raise place.error("content_tags", "tags must be text", expected='["tag", ...]')
        items = raw
    elif isinstance(raw, str):
        items = raw.split(";")
    else:
        if place is not None:
            raise place.error("content_tags", "not tags", raw, "tag;tag or a JSON list")
        items = [str(raw)]
    tags = (str(t).strip().lstrip("#").strip() for t in items)
    return tuple(dict.fromkeys(t for t in tags if t))
