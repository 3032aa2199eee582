"""The SNAP Higgs Twitter activity log: ``userA userB timestamp RT|MT|RE``, one per line.

``userA`` acted on ``userB``. The log writes a reply (RE) and a retweet (RT) a second time as a
mention (MT) with the same pair and second, because the reply or retweet text names ``@userB``.
That twin is the same act, so it is counted once, as the reply or retweet. The file is sorted
by time, so only the lines of one second are held at once: memory does not grow with the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from scoring.ingest.checks import Place, check_time
from scoring.ingest.errors import IngestError
from scoring.ingest.records import ActionRecord

SNAP_KINDS = {"RT": "share", "RE": "reply", "MT": "mention"}
Item = ActionRecord | IngestError


def _parse_line(raw: str, place: Place, now: datetime | None, last: list) -> tuple:
    """The fields of one line, checked. ``last`` holds the previous line's second and its
    time: the log is sorted by time, so most lines reuse it instead of converting again."""
    fields = raw.split()
    if len(fields) != 4:
        raise place.error(
            None, f"{len(fields)} fields", raw.strip(), "4 fields: userA userB timestamp RT|MT|RE"
        )
    actor, subject, stamp, code = fields
    for name, value in (("userA", actor), ("userB", subject)):
        if not value.isdigit():
            raise place.error(name, "not a user id", value, "a non-negative integer")
    if not stamp.isdigit():
        raise place.error("timestamp", "not a Unix time", stamp, "whole seconds since 1970 UTC")
    second = int(stamp)
    if second == last[0]:
        occurred_at = last[1]
    else:
        try:
            occurred_at = datetime.fromtimestamp(second, tz=UTC)
        except (OverflowError, ValueError, OSError):
            raise place.error("timestamp", "out of range", stamp, "Unix seconds") from None
        check_time(place, "timestamp", occurred_at, now)
        last[:] = [second, occurred_at]
    kind = SNAP_KINDS.get(code)
    if kind is None:
        raise place.error("interaction", "unknown interaction", code, "RT, MT or RE")
    return actor, subject, second, kind, occurred_at


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
) -> Iterator[Item]:
    """Yield a record per action, or an IngestError per bad line (blank lines are skipped).
    ``now`` (aware) rejects timestamps in the future."""
    group: list[tuple] = []
    group_stamp: int | None = None
    last: list = [None, None]
    for lineno, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            actor, subject, stamp, kind, occurred_at = _parse_line(
                raw, Place(source, lineno), now, last
            )
        except IngestError as error:
            yield error
            continue
        if stamp != group_stamp and group:
            yield from _collapse(group, network)
            group = []
        group_stamp = stamp
        group.append((actor, subject, stamp, kind, occurred_at, lineno))
    if group:
        yield from _collapse(group, network)
