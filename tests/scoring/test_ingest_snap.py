from __future__ import annotations

import gzip
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scoring.ingest.errors import IngestError
from scoring.ingest.snap import parse_snap_activity

NOW = datetime(2026, 11, 1, tzinfo=UTC)
HIGGS = Path(__file__).resolve().parents[3] / "shared" / "data" / "higgs-twitter"


def _parse(text: str):
    return list(parse_snap_activity(text.splitlines(keepends=True), source="t.txt", now=NOW))


def test_parse_snap_reply_twinned_with_mention_counts_once():
    records = _parse("1 2 1341100972 MT\n1 2 1341100972 RE\n")
    assert [(r.actor_id, r.subject_id, r.kind) for r in records] == [("1", "2", "reply")]
    assert records[0].occurred_at == datetime.fromtimestamp(1341100972, tz=UTC)


def test_parse_snap_share_twinned_with_mention_counts_once():
    assert [r.kind for r in _parse("1 2 1341100972 RT\n1 2 1341100972 MT\n")] == ["share"]


def test_parse_snap_mention_alone_or_other_pair_is_kept():
    records = _parse("1 2 1341100972 MT\n1 3 1341100972 RE\n1 2 1341100973 RE\n")
    assert [(r.subject_id, r.kind) for r in records] == [
        ("2", "mention"),
        ("3", "reply"),
        ("2", "reply"),
    ]


def test_parse_snap_blank_lines_skipped_and_lines_numbered():
    records = _parse("\n1 2 1341100972 RT\n\n3 4 1341100980 RT\n")
    assert [r.line for r in records] == [2, 4]


@pytest.mark.parametrize(
    "line, message",
    [
        ("1 2 1341100972", "t.txt, line 1: 3 fields"),
        ("a 2 1341100972 RT", "line 1, field 'userA': not a user id: found 'a'"),
        ("1 2 yesterday RT", "field 'timestamp': not a Unix time"),
        ("1 2 1341100972 LK", "field 'interaction': unknown interaction: found 'LK'"),
        ("1 2 900000000 RT", "field 'timestamp': before 2000"),
        ("1 2 4102444800 RT", "field 'timestamp': in the future"),
    ],
)
def test_parse_snap_bad_line_names_place_and_problem(line, message):
    good = "5 6 1341100990 RT\n"
    items = _parse(line + "\n" + good)
    assert isinstance(items[0], IngestError)
    assert message in str(items[0])
    assert items[1].line == 2  # the parser goes on; the caller decides whether to stop


@pytest.mark.skipif(not HIGGS.is_dir(), reason=f"the SNAP Higgs data is not at {HIGGS}")
def test_parse_snap_real_higgs_log_matches_published_counts():
    """563,069 rows. Every RE and 3,549 RT rows have an MT twin (one MT twins both an RE and
    an RT), so 40,450 mentions are the same act as a reply or share: 130,787 remain."""
    with gzip.open(HIGGS / "higgs-activity_time.txt.gz", "rt") as lines:
        kinds = Counter(r.kind for r in parse_snap_activity(lines, now=NOW))
    assert kinds == {"share": 354_930, "reply": 36_902, "mention": 171_237 - (36_902 + 3_549 - 1)}
    assert sum(kinds.values()) == 522_619
