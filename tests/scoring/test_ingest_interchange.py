from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.ingest.errors import IngestError
from scoring.ingest.interchange import parse_csv, parse_jsonl
from scoring.ingest.records import ActionRecord

NOW = datetime(2026, 11, 1, tzinfo=UTC)
HEADER = (
    "network,actor_id,subject_id,kind,occurred_at,content_id,content_text,content_tags,action_id\n"
)


def _csv(*rows: str, header: str = HEADER) -> list:
    return list(
        parse_csv(io.StringIO(header + "".join(r + "\n" for r in rows)), source="a.csv", now=NOW)
    )


def test_parse_csv_valid_rows_with_aliases_and_optional_fields():
    items = _csv(
        "twitter,11,500,retweet,2024-05-01T10:00:00Z,p1,Hello #coffee,#coffee; beans ;,",
        "Twitter,,500,favourite,1714557600,,,,",
        "blog,7,site,upvote,2024-05-01T12:00:00+02:00,,,,c-9",
    )
    assert [(i.network, i.actor_id, i.kind) for i in items] == [
        ("twitter", "11", "share"),
        ("twitter", None, "like"),
        ("blog", "7", "like"),
    ]
    assert items[0].content_tags == ("coffee", "beans")
    assert items[0].occurred_at == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert items[1].occurred_at == datetime.fromtimestamp(1714557600, tz=UTC)
    assert items[2].occurred_at == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert items[2].action_id == "c-9"
    assert [i.line for i in items] == [2, 3, 4]


@pytest.mark.parametrize(
    "row, where, problem",
    [
        ("twit ter,1,2,share,2024-05-01T10:00:00Z,,,,", "field 'network'", "not a network"),
        ("twitter,1,,share,2024-05-01T10:00:00Z,,,,", "field 'subject_id'", "missing"),
        ("twitter,1,2,zap,2024-05-01T10:00:00Z,,,,", "field 'kind'", "unknown kind: found 'zap'"),
        ("twitter,1,2,share,2024-05-01T10:00:00,,,,", "field 'occurred_at'", "has no UTC offset"),
        ("twitter,1,2,share,yesterday,,,,", "field 'occurred_at'", "not a time"),
        ("twitter,1,2,share,1999-12-31T23:59:59Z,,,,", "field 'occurred_at'", "before 2000"),
        ("twitter,1,2,share,2027-01-01T00:00:00Z,,,,", "field 'occurred_at'", "in the future"),
        (
            "twitter,1,2,share,2024-05-01T10:00:00Z,,text,,",
            "field 'content_text'",
            "without content_id",
        ),
        ("twitter,1,2,share,2024-05-01T10:00:00Z,,,", "line 2", "8 fields"),
    ],
)
def test_parse_csv_bad_field_names_line_field_and_problem(row, where, problem):
    items = _csv(row, "twitter,1,2,share,2024-05-01T10:00:00Z,,,,")
    assert isinstance(items[0], IngestError)
    message = str(items[0])
    assert message.startswith("a.csv, line 2")
    assert where in message and problem in message
    assert isinstance(items[1], ActionRecord)  # the caller decides whether to go on


def test_parse_csv_header_missing_and_unknown_columns_fail_at_once():
    with pytest.raises(IngestError) as error:
        _csv("x", header="network,actor_id,subject,kind,ocurred_at\n")
    message = str(error.value)
    assert "a.csv, line 1: missing column(s) subject_id, occurred_at" in message
    assert "unknown column(s) subject, ocurred_at" in message


def test_parse_csv_snap_file_given_as_csv_is_a_header_error():
    with pytest.raises(IngestError, match="line 1: missing column"):
        list(parse_csv(io.StringIO("223789 213163 1341100972 MT\n"), source="a.csv"))


def test_parse_jsonl_valid_and_invalid_lines():
    text = "\n".join(
        [
            json.dumps(
                {
                    "network": "twitter",
                    "actor_id": "1",
                    "subject_id": "2",
                    "kind": "like",
                    "occurred_at": 1714557600,
                    "content_id": "p",
                    "content_tags": ["a", "#b"],
                }
            ),
            "{not json",
            "[1, 2]",
            json.dumps(
                {
                    "network": "twitter",
                    "subject_id": "2",
                    "kind": "like",
                    "occurred_at": 1714557600,
                    "colour": "red",
                }
            ),
        ]
    )
    items = list(parse_jsonl(io.StringIO(text), source="a.jsonl", now=NOW))
    assert items[0].content_tags == ("a", "b") and items[0].actor_id == "1"
    assert "a.jsonl, line 2: not JSON" in str(items[1])
    assert "line 3: not a JSON object" in str(items[2])
    assert "line 4, field 'colour': unknown key" in str(items[3])


ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)
records = st.builds(
    ActionRecord,
    network=st.sampled_from(["twitter", "facebook", "linkedin", "blog"]),
    actor_id=st.none() | ids,
    subject_id=ids,
    kind=st.sampled_from(["share", "reply", "comment", "mention", "like"]),
    occurred_at=st.integers(946_684_800, 1_790_000_000).map(
        lambda s: datetime.fromtimestamp(s, tz=UTC)
    ),
    content_id=st.none() | ids,
    content_tags=st.lists(ids, max_size=3, unique=True).map(tuple),
    action_id=st.none() | ids,
)


@given(st.lists(records, min_size=1, max_size=20))
def test_parse_csv_reads_back_what_was_written(written):
    """Any valid records written in the interchange format read back equal."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER.strip().split(","))
    for r in written:
        tags = r.content_tags if r.content_id else ()
        writer.writerow(
            [
                r.network,
                r.actor_id or "",
                r.subject_id,
                r.kind,
                r.occurred_at.isoformat(),
                r.content_id or "",
                "",
                ";".join(tags),
                r.action_id or "",
            ]
        )
    out.seek(0)
    read = list(parse_csv(out, source="p.csv", now=NOW + timedelta(days=3650)))
    expected = [
        ActionRecord(
            network=r.network,
            actor_id=r.actor_id,
            subject_id=r.subject_id,
            kind=r.kind,
            occurred_at=r.occurred_at,
            content_id=r.content_id,
            content_tags=r.content_tags if r.content_id else (),
            action_id=r.action_id,
            line=n + 2,
        )
        for n, r in enumerate(written)
    ]
    assert read == expected


def test_parse_jsonl_non_scalar_ids_and_tags_are_refused():
    rows = [
        {
            "network": "twitter",
            "actor_id": {"a": 1},
            "subject_id": "2",
            "kind": "like",
            "occurred_at": 1714557600,
        },
        {
            "network": "twitter",
            "actor_id": "1",
            "subject_id": "2",
            "kind": "like",
            "occurred_at": 1714557600,
            "content_id": "p",
            "content_tags": [1, 2],
        },
        {
            "network": "twitter",
            "actor_id": "1",
            "subject_id": "2",
            "kind": "like",
            "occurred_at": 1714557600,
            "content_tags": ["a"],
        },
    ]
    items = list(parse_jsonl(io.StringIO("\n".join(map(json.dumps, rows))), source="a.jsonl"))
    assert "field 'actor_id': a dict, not an id" in str(items[0])
    assert "field 'content_tags': tags must be text" in str(items[1])
    assert "field 'content_tags': given without content_id" in str(items[2])


def test_parse_actor_created_at_kept_checked_and_named_in_errors():
    header = "network,actor_id,subject_id,kind,occurred_at,actor_created_at\n"
    good, after, unknown, bad = _csv(
        "twitter,11,500,like,2024-05-01T10:00:00Z,2024-04-30T09:15:42Z",
        "twitter,12,500,like,2024-05-01T10:00:00Z,2024-05-02T00:00:00Z",
        "twitter,,500,like,2024-05-01T10:00:00Z,2024-04-30T09:15:00Z",
        "twitter,13,500,like,2024-05-01T10:00:00Z,yesterday",
        header=header,
    )
    assert good.actor_created_at == datetime(2024, 4, 30, 9, 15, 42, tzinfo=UTC)
    for error, problem in ((after, "after the action"), (unknown, "unknown actor")):
        assert isinstance(error, IngestError) and error.field == "actor_created_at"
        assert problem in error.problem
    assert isinstance(bad, IngestError) and bad.field == "actor_created_at" and bad.value
    (plain,) = _csv("twitter,14,500,like,2024-05-01T10:00:00Z,", header=header)
    assert plain.actor_created_at is None
