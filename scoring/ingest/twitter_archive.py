"""An X/Twitter account archive's ``tweets.js``: ``window.YTD.tweets.part0 = [ {...}, ... ]``.

The archive is the member's own: every tweet is a post of ``account_id``. What it says about
engagement is only counts, so each retweet and like counted on an original tweet becomes an
action by an unknown person at the tweet's time (the archive does not say when they came).
The member's own acts become actions on other people: a retweet (``RT @user:``) shares that
user's content, a reply or mention acts on the users named. Objects are decoded one at a
time from a sliding buffer, so memory is bounded by the largest tweet, not the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime

from scoring.ingest.checks import Place, check_time, split_tags
from scoring.ingest.errors import IngestError
from scoring.ingest.records import ActionRecord, PostRecord

PREFIX_RE = re.compile(r"^\s*window\.YTD\.tweets?\.part\d+\s*=\s*\[", re.ASCII)
TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"  # "Wed Oct 10 20:19:24 +0000 2018"
Item = ActionRecord | PostRecord | IngestError
_decoder = json.JSONDecoder()


def _objects(lines: Iterable[str], source: str) -> Iterator[tuple[int, object]]:
    """Yield (line where it starts, decoded object) for each element of the array."""
    numbered = enumerate(lines, start=1)
    buffer, consumed_line = "", 1
    for _, text in numbered:
        buffer += text
        if "[" in buffer:
            break
    match = PREFIX_RE.match(buffer)
    if not match:
        raise IngestError(
            source=source,
            line=1,
            problem="not a tweets.js file",
            value=buffer.strip()[:40] or None,
            expected="window.YTD.tweets.part0 = [ ... ]",
        )
    consumed_line += buffer[: match.end()].count("\n")
    buffer = buffer[match.end() :]
    while True:
        stripped = buffer.lstrip(" \t\r\n,")
        consumed_line += buffer[: len(buffer) - len(stripped)].count("\n")
        buffer = stripped
        if buffer.startswith("]"):
            return
        try:
            value, end = _decoder.raw_decode(buffer)
        except json.JSONDecodeError:
            more = next(numbered, None)
            if more is None:
                raise IngestError(
                    source=source,
                    line=consumed_line,
                    problem="the JSON array is cut short or invalid from here",
                    expected="complete tweet objects and a closing ]",
                ) from None
            buffer += more[1]
            continue
        yield consumed_line, value
        consumed_line += buffer[:end].count("\n")
        buffer = buffer[end:]


def _count(place: Place, tweet: dict, key: str) -> int:
    raw = tweet.get(key, 0)
    text = str(raw).strip()
    if not text.isdigit():
        raise place.error(key, "not a count", raw, "a whole number")
    return int(text)


def _tweet_items(
    tweet: dict, place: Place, account_id: str, network: str, now: datetime | None
) -> Iterator[ActionRecord | PostRecord]:
    tweet_id = str(tweet.get("id_str") or tweet.get("id") or "").strip()
    if not tweet_id:
        raise place.error("id_str", "missing", expected="the tweet's id")
    try:
        posted_at = datetime.strptime(str(tweet.get("created_at", "")), TIME_FORMAT)
    except ValueError:
        raise place.error(
            "created_at",
            "not a tweet time",
            tweet.get("created_at"),
            "like 'Wed Oct 10 20:19:24 +0000 2018'",
        ) from None
    check_time(place, "created_at", posted_at, now)
    text = str(tweet.get("full_text") or tweet.get("text") or "")
    entities = tweet.get("entities") or {}
    mentioned = [
        str(m.get("id_str")) for m in entities.get("user_mentions") or [] if m.get("id_str")
    ]
    common = {"network": network, "occurred_at": posted_at, "line": place.line}
    if text.startswith("RT @") and mentioned:
        yield ActionRecord(
            actor_id=account_id,
            subject_id=mentioned[0],
            kind="share",
            action_id=f"{tweet_id}:owner-share",
            **common,
        )
        return
    tags = split_tags([h.get("text", "") for h in entities.get("hashtags") or []])
    yield PostRecord(
        network=network,
        account_id=account_id,
        content_id=tweet_id,
        text=text,
        tags=tags,
        posted_at=posted_at,
        line=place.line,
    )
    replied_to = str(tweet.get("in_reply_to_user_id_str") or "")
    for user_id in dict.fromkeys(mentioned + ([replied_to] if replied_to else [])):
        if user_id == account_id:
            continue
        kind = "reply" if user_id == replied_to else "mention"
        yield ActionRecord(
            actor_id=account_id,
            subject_id=user_id,
            kind=kind,
            action_id=f"{tweet_id}:owner-{kind}:{user_id}",
            **common,
        )
    for kind, key in (("share", "retweet_count"), ("like", "favorite_count")):
        for n in range(_count(place, tweet, key)):
            yield ActionRecord(
                actor_id=None,
                subject_id=account_id,
                kind=kind,
                content_id=tweet_id,
                action_id=f"{tweet_id}:{kind}:{n}",
                **common,
            )


def parse_tweets_js(
    lines: Iterable[str],
    *,
    account_id: str,
    source: str = "tweets.js",
    network: str = "twitter",
    now: datetime | None = None,
) -> Iterator[Item]:
    """Yield posts and actions of the archive of ``account_id`` (the member's own id on the
    network), or an IngestError per tweet that cannot be read."""
    for line, value in _objects(lines, source):
        place = Place(source, line)
        tweet = value.get("tweet", value) if isinstance(value, dict) else None
        if not isinstance(tweet, dict):
            yield place.error(None, "not a tweet object", type(value).__name__, '{"tweet": {...}}')
            continue
        try:
            yield from list(_tweet_items(tweet, place, account_id, network, now))
        except IngestError as error:
            yield error
