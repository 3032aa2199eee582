"""The SNAP Higgs Twitter activity log: ``userA userB timestamp RT|MT|RE``, one per line.

``userA`` acted on ``userB``. The log writes a reply (RE) and a retweet (RT) a second time as a
mention (MT) with the same pair and second, because the reply or retweet text names ``@userB``.
That twin is the same act, so it is counted once, as the reply or retweet. The file is sorted
by time, so only the lines of one second are held at once: memory does not grow with the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from scoring.ingest.errors import IngestError
from scoring.ingest.records import ActionRecord

SNAP_KINDS = {"RT": "share", "RE": "reply", "MT": "mention"}
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def _parse_line(raw: str, lineno: int, source: str, now: datetime | None) -> tuple:
    fields = raw.split()
    if len(fields) != 4:
        raise IngestError(
            source=source,
            line=lineno,
            problem=f"{len(fields)} fields",
            value=raw.strip(),
            expected="4 fields: userA userB timestamp RT|MT|RE",
        )
    actor, subject, stamp, code = fields
    for name, value in (("userA", actor), ("userB", subject)):
        if not value.isdigit():
            raise IngestError(
                source=source,
                line=lineno,
                field=name,
                problem="not a user id",
                value=value,
                expected="a non-negative integer",
            )
    if not stamp.isdigit():
        raise IngestError(
            source=source,
            line=lineno,
            field="timestamp",
            problem="not a Unix time",
            value=stamp,
            expected="whole seconds since 1970-01-01 UTC",
        )
    occurred_at = datetime.fromtimestamp(int(stamp), tz=UTC)
    if occurred_at < EARLIEST or (now is not None and occurred_at > now):
        raise IngestError(
            source=source,
            line=lineno,
            field="timestamp",
            problem="out of range",
            value=stamp,
            expected="a time between 2000-01-01 and now",
        )
    kind = SNAP_KINDS.get(code)
    if kind is None:
        raise IngestError(
            source=source,
            line=lineno,
            field="interaction",
            problem="unknown interaction",
            value=code,
            expected="RT, MT or RE",
        )
    return actor, subject, int(stamp), kind, occurred_at


def _collapse(group: list[tuple], network: str) -> Iterator[ActionRecord]:
    """Yield the actions of one second, dropping a mention twinned with a reply or share."""
    acts = {(a, s, k) for a, s, _, k, _, _ in group}
    for actor, subject, _, kind, occurred_at, lineno in group:
        if kind == "mention" and (
            (actor, subject, "reply") in acts or (actor, subject, "share") in acts
        ):
            continue
        yield ActionRecord(
            network=network,
            actor_id=actor,
            subject_id=subject,
            kind=kind,
            occurred_at=occurred_at,
            line=lineno,
        )


def parse_snap_activity(
    lines: Iterable[str],
    *,
    source: str = "<snap>",
    network: str = "twitter",
    now: datetime | None = None,
) -> Iterator[ActionRecord]:
    """Stream validated records. Raises IngestError at the first bad line; blank lines are
    skipped. ``now`` (aware) rejects timestamps in the future."""
    group: list[tuple] = []
    group_stamp: int | None = None
    for lineno, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        actor, subject, stamp, kind, occurred_at = _parse_line(raw, lineno, source, now)
        if stamp != group_stamp and group:
            yield from _collapse(group, network)
            group = []
        group_stamp = stamp
        group.append((actor, subject, stamp, kind, occurred_at, lineno))
    if group:
        yield from _collapse(group, network)
