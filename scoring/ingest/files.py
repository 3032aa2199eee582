"""Reading an input file as numbered text lines: gzip-aware, strict UTF-8, progress in bytes.

Handed an open binary file; reads it once, in order, holding one line at a time.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from scoring.ingest.errors import IngestError

GZIP_MAGIC = b"\x1f\x8b"


class LineSource:
    """Numbered lines of text from a (possibly gzipped) binary file.

    ``bytes_read`` counts bytes of the file as stored (compressed, for gzip), so that it can
    be compared with the file's size for a progress bar.
    """

    def __init__(self, raw: BinaryIO, *, name: str, max_bytes: int | None = None) -> None:
        self.name = name
        self.max_bytes = max_bytes  # of text, after decompression: a gzip bomb stops here
        self.text_bytes = 0
        self._raw = raw
        head = raw.read(2)
        raw.seek(0)
        self.is_gzip = head == GZIP_MAGIC
        self.is_empty = head == b""
        self._stream: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb") if self.is_gzip else raw
        self.line = 0

    @property
    def bytes_read(self) -> int:
        return self._raw.tell()

    def _error(self, problem: str, **kwargs) -> IngestError:
        return IngestError(source=self.name, line=self.line, problem=problem, **kwargs)

    def __iter__(self) -> Iterator[str]:
        if self.is_empty:
            raise IngestError(source=self.name, line=0, problem="the file is empty")
        while True:
            try:
                raw_line = self._stream.readline()
            except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
                raise self._error(
                    f"the gzip data is truncated or damaged after line {self.line} ({exc})"
                ) from None
            if not raw_line:
                return
            self.line += 1
            self.text_bytes += len(raw_line)
            if self.max_bytes is not None and self.text_bytes > self.max_bytes:
                raise self._error(
                    f"the file expands to more than {self.max_bytes:,} bytes of text",
                    expected="a file that is not a compression bomb",
                )
            if self.line == 1 and raw_line.startswith(b"\xef\xbb\xbf"):
                raw_line = raw_line[3:]  # a UTF-8 byte order mark
            try:
                yield raw_line.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = raw_line[max(exc.start - 10, 0) : exc.end + 10]
                raise self._error(
                    "not UTF-8 text",
                    value=bad.decode("utf-8", "backslashreplace"),
                    expected="a file saved as UTF-8",
                ) from None
