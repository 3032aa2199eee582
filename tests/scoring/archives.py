"""X archives as X hands them out, built for tests: a zip with data/account.js and the
tweets files."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "scoring" / "ingest" / "samples"
TWEETS_JS = (SAMPLES / "tweets.js").read_bytes()
EMAIL = "ana.private@example.org"


def account_js(account_id: str = "1510000001", username: str = "ana") -> bytes:
    record = {
        "account": {
            "email": EMAIL,
            "createdVia": "web",
            "username": username,
            "accountId": account_id,
            "createdAt": "2022-03-01T10:00:00.000Z",
            "accountDisplayName": "Ana",
        }
    }
    return b"window.YTD.account.part0 = " + json.dumps([record], indent=2).encode()


def archive_zip(
    account_id: str = "1510000001",
    username: str = "ana",
    *,
    account: bytes | None = None,
    tweets: dict[str, bytes] | None = None,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """The bytes of an archive zip. ``account`` replaces data/account.js (b"" leaves it
    out); ``tweets`` maps file names under data/ to contents (default: the sample)."""
    files = {"Your archive.html": b"<html></html>"}
    if account != b"":
        files["data/account.js"] = (
            account if account is not None else account_js(account_id, username)
        )
    for name, content in (tweets if tweets is not None else {"tweets.js": TWEETS_JS}).items():
        files[f"data/{name}"] = content
    files.update(extra or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()
