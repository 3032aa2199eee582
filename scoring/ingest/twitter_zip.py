"""A whole X/Twitter archive, as X hands it out: a zip with ``data/account.js`` and the
tweets in ``data/tweets.js`` (``data/tweets-part1.js``, ... for large accounts; ``tweet.js``
in older archives).

``account.js`` is the archive's own account record: its ``accountId`` says whose archive it
is, which is what lets a member add the account without anyone typing an id. Only the id and
the username are read from it (it also holds the e-mail address, which is never kept).

Memory and time stay bounded whatever the zip claims: the number of entries is read from the
zip's end record before its directory is loaded, ``account.js`` is read up to a fixed size,
and the tweets' expanded text counts against one budget for the whole archive.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from scoring.ingest.checks import MAX_ID_LENGTH
from scoring.ingest.errors import IngestError
from scoring.ingest.files import LineSource
from scoring.ingest.records import ActionRecord, PostRecord
from scoring.ingest.twitter_archive import parse_tweets_js

ZIP_MAGIC = b"PK\x03\x04"
MAX_ENTRIES = 200_000  # a full archive with media has thousands; the directory stays small
ACCOUNT_MAX_BYTES = 1024 * 1024
ACCOUNT_PREFIX_RE = re.compile(r"^\s*window\.YTD\.account\.part0\s*=\s*", re.ASCII)
TWEETS_RE = re.compile(r"(?:^|/)data/tweets?(?:-part(\d+))?\.js$")
ACCOUNT_RE = re.compile(r"(?:^|/)data/account\.js$")
Item = ActionRecord | PostRecord | IngestError


def is_zip(raw: BinaryIO, name: str = "") -> bool:
    """Whether the (seekable) file is meant as a zip: it starts like one, or its name says
    so (then reading it says what is wrong with it). The position is left at 0."""
    head = raw.read(len(ZIP_MAGIC))
    raw.seek(0)
    return head == ZIP_MAGIC or name.lower().endswith(".zip")


@dataclass(frozen=True)
class ArchiveAccount:
    account_id: str
    username: str


def _entry_count(raw: BinaryIO) -> int | None:
    """The number of entries the zip's end record declares (zip64 too), or None when the
    end record cannot be found. Read before ``zipfile`` loads the whole directory."""
    size = raw.seek(0, 2)
    tail_start = max(size - (22 + 65535), 0)
    raw.seek(tail_start)
    tail = raw.read()
    raw.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    count = struct.unpack("<H", tail[at + 10 : at + 12])[0]
    locator = tail[at - 20 : at] if at >= 20 else b""
    if count == 0xFFFF and locator[:4] == b"PK\x06\x07":  # zip64: the count is further on
        (record_at,) = struct.unpack("<Q", locator[8:16])
        raw.seek(record_at)
        record = raw.read(56)
        raw.seek(0)
        if record[:4] != b"PK\x06\x06" or len(record) < 56:
            return None
        count = struct.unpack("<Q", record[32:40])[0]
    return count


class TwitterArchiveZip:
    """The account record and the tweets of an archive zip. Raises IngestError, naming the
    archive and the entry, for a zip that cannot be read or is not an X archive."""

    def __init__(self, raw: BinaryIO, *, name: str, max_bytes: int | None = None) -> None:
        self.name, self.max_bytes, self._raw = name, max_bytes, raw
        self.text_bytes = 0
        count = _entry_count(raw)
        if count is None:
            raise self._error(name, "not a readable zip (no end of archive record)")
        if count > MAX_ENTRIES:
            raise self._error(
                name,
                f"the zip has {count:,} entries",
                expected=f"at most {MAX_ENTRIES:,} (an X archive's data folder)",
            )
        try:
            self._zip = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
            raise self._error(name, f"not a readable zip ({exc})") from None
        names = [info.filename for info in self._zip.infolist() if not info.is_dir()]
        self._account_name = next((n for n in names if ACCOUNT_RE.search(n)), None)
        parts = [(n, TWEETS_RE.search(n)) for n in names]
        self._tweets = sorted(
            (int(m.group(1) or 0), n) for n, m in parts if m and "/deleted" not in n
        )

    @property
    def bytes_read(self) -> int:
        return self._raw.tell()

    @staticmethod
    def _error(source: str, problem: str, *, line: int = 0, **kwargs) -> IngestError:
        return IngestError(source=source, line=line, problem=problem, **kwargs)

    def account(self) -> ArchiveAccount:
        """The archive's own account: ``accountId`` and ``username`` of data/account.js."""
        if self._account_name is None:
            raise self._error(
                self.name,
                "the zip has no data/account.js",
                expected="the archive zip exactly as X made it (data/account.js says whose "
                "archive it is)",
            )
        source = f"{self.name}:{self._account_name}"
        info = self._zip.getinfo(self._account_name)
        if info.file_size > ACCOUNT_MAX_BYTES:
            raise self._error(source, f"{info.file_size:,} bytes; an account record is small")
        try:
            with self._zip.open(info) as entry:
                raw = entry.read(ACCOUNT_MAX_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            raise self._error(source, f"cannot be unpacked ({exc})") from None
        if len(raw) > ACCOUNT_MAX_BYTES:
            raise self._error(source, f"longer than {ACCOUNT_MAX_BYTES:,} bytes")
        return _account_record(raw, source)

    def items(self, *, account_id: str, network: str, now: datetime | None) -> Iterator[Item]:
        """The records of every tweets file in the archive, in part order."""
        if not self._tweets:
            raise self._error(
                self.name, "the zip has no data/tweets.js", expected="the archive's tweets"
            )
        for _, entry_name in self._tweets:
            source = f"{self.name}:{entry_name}"
            with self._zip.open(entry_name) as entry:
                left = None if self.max_bytes is None else self.max_bytes - self.text_bytes
                lines = LineSource(entry, name=source, max_bytes=left)
                try:
                    yield from parse_tweets_js(
                        lines, account_id=account_id, source=source, network=network, now=now
                    )
                except (zipfile.BadZipFile, EOFError, OSError) as exc:
                    raise self._error(source, f"cannot be unpacked ({exc})") from None
                self.text_bytes += lines.text_bytes


def _account_record(raw: bytes, source: str) -> ArchiveAccount:
    """Read ``window.YTD.account.part0 = [{"account": {...}}]``: one account, its id digits."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IngestError(source=source, line=1, problem="not UTF-8 text") from None
    match = ACCOUNT_PREFIX_RE.match(text)
    if not match:
        raise IngestError(
            source=source,
            line=1,
            problem="not an account.js file",
            value=text.strip()[:40] or None,
            expected="window.YTD.account.part0 = [ ... ]",
        )
    try:
        entries = json.loads(text[match.end() :])
    except json.JSONDecodeError as exc:
        problem = f"invalid JSON ({exc.msg})"
        raise IngestError(source=source, line=exc.lineno, problem=problem) from None
    record = entries[0].get("account") if isinstance(entries, list) and len(entries) == 1 else None
    if not isinstance(record, dict):
        raise IngestError(
            source=source, line=1, problem="not one account", expected='[{"account": {...}}]'
        )
    account_id = str(record.get("accountId") or "").strip()
    if not (account_id.isascii() and account_id.isdigit() and len(account_id) <= MAX_ID_LENGTH):
        raise IngestError(
            source=source,
            line=1,
            field="accountId",
            problem="not an X account id",
            value=account_id or None,
            expected="digits",
        )
    username = str(record.get("username") or "").strip().lstrip("@")[:191]
    return ArchiveAccount(account_id=account_id, username=username)
