"""The input formats, by name: how to recognise a file and which parser reads it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from scoring.ingest.errors import IngestError
from scoring.ingest.interchange import parse_csv, parse_jsonl
from scoring.ingest.records import ActionRecord, PostRecord
from scoring.ingest.snap import parse_snap_activity
from scoring.ingest.twitter_archive import parse_tweets_js

Item = ActionRecord | PostRecord | IngestError


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    suffixes: tuple[str, ...]
    needs_account: bool = False  # one account's tweets, whose id the file itself lacks


FORMATS = {
    f.name: f
    for f in (
        Format("csv", "Interchange CSV (with a header)", (".csv",)),
        Format("jsonl", "Interchange JSON Lines", (".jsonl", ".ndjson")),
        Format("snap", "SNAP Higgs activity log", (".txt",)),
        Format(
            "twitter-archive",
            "X/Twitter archive (the .zip, or its tweets.js)",
            (".zip", ".js"),
            needs_account=True,  # a tweets.js does; a zip names its account in account.js
        ),
    )
}


def detect_format(filename: str) -> str | None:
    """The format a file name suggests (``.gz`` is looked through), or None."""
    name = filename.lower().removesuffix(".gz")
    for fmt in FORMATS.values():
        if name.endswith(fmt.suffixes):
            return fmt.name
    return None


def parse(
    format_name: str,
    lines: Iterable[str],
    *,
    source: str,
    now: datetime | None,
    network: str | None = None,
    account_id: str | None = None,
) -> Iterator[Item]:
    if format_name == "csv":
        return parse_csv(lines, source=source, now=now)
    if format_name == "jsonl":
        return parse_jsonl(lines, source=source, now=now)
    if format_name == "snap":
        return parse_snap_activity(lines, source=source, network=network or "twitter", now=now)
    if format_name == "twitter-archive":
        if not account_id:
            raise ValueError("a twitter-archive import needs the account it belongs to")
        return parse_tweets_js(
            lines, account_id=account_id, source=source, network=network or "twitter", now=now
        )
    raise ValueError(f"unknown format {format_name!r}: use one of {', '.join(FORMATS)}")
