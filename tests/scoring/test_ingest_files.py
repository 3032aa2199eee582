from __future__ import annotations

import gzip
import io

import pytest

from scoring.ingest.errors import IngestError
from scoring.ingest.files import LineSource


def _lines(data: bytes, name: str = "f.csv") -> list[str]:
    return list(LineSource(io.BytesIO(data), name=name))


def test_line_source_plain_and_gzip_read_the_same():
    data = "a,b\n1,2\nü,3\n".encode()
    assert _lines(data) == _lines(gzip.compress(data)) == ["a,b\n", "1,2\n", "ü,3\n"]


def test_line_source_empty_file_is_an_error():
    with pytest.raises(IngestError, match="f.csv, line 0: the file is empty"):
        _lines(b"")


def test_line_source_truncated_gzip_names_the_last_good_line():
    data = gzip.compress(b"".join(b"%d,x\n" % i for i in range(50_000)))
    with pytest.raises(IngestError, match="gzip data is truncated or damaged after line"):
        _lines(data[: len(data) // 2])


def test_line_source_bad_encoding_names_line_and_bytes():
    with pytest.raises(IngestError) as error:
        _lines(b"ok\ncaf\xe9 latin-1\n")
    assert error.value.line == 2
    assert "f.csv, line 2: not UTF-8 text" in str(error.value)
    assert "expected a file saved as UTF-8" in str(error.value)


def test_line_source_byte_order_mark_is_dropped():
    assert _lines(b"\xef\xbb\xbfnetwork\n") == ["network\n"]


def test_line_source_counts_stored_bytes_for_progress():
    data = gzip.compress(b"x\n" * 1000)
    stream = io.BytesIO(data)
    source = LineSource(stream, name="f")
    list(source)
    assert source.bytes_read == len(data)
