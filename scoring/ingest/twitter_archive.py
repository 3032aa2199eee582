"""An X/Twitter account archive's ``tweets.js``: ``window.YTD.tweets.part0 = [ {...}, ... ]``.

The archive is the member's own: every tweet is a post of ``account_id``. What it says about
engagement is only counts, so each retweet and like counted on an original tweet becomes an
action by an unknown person at the tweet's time (the archive does not say when they came).
The member's own acts become actions on other people: a retweet (``RT @user:``) shares that
user's content, a reply or mention acts on the users named. Objects are cut out one at a
time by a single scan (quotes, escapes, brace depth), so memory is bounded by the largest
tweet and a malformed tweet is rejected alone, without slowing the rest of the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime

from scoring.ingest.checks import Place, check_id, check_time, split_tags
from scoring.ingest.errors import IngestError
from scoring.ingest.records import ActionRecord, PostRecord

PREFIX_RE = re.compile(r"^\s*window\.YTD\.tweets?\.part\d+\s*=\s*\[", re.ASCII)
TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"  # "Wed Oct 10 20:19:24 +0000 2018"
Item = ActionRecord | PostRecord | IngestError
MAX_TWEET_CHARS = 1_000_000
# Engagement counts are expanded into that many nameless actions; above this, the burst rule
# gives them no weight anyway, so a larger (or forged) count only costs memory.
MAX_COUNT_EXPANDED = 1_000


_TOKEN_RE = re.compile(r'["{}\[\]\\]')


class _Scanner:
    """Finds where each top-level element of the array ends, in one pass: it tracks string
    quotes, escapes and brace depth, so a malformed tweet costs its own length, not the
    rest of the file."""

    def __init__(self) -> None:
        self.depth, self.in_string, self.escaped = 0, False, False

    def end_of_object(self, text: str, start: int) -> int:
        """Index just after the object that completes in ``text[start:]``, or -1."""
        i = start
        while True:
            if self.escaped:
                self.escaped, i = False, i + 1
                continue
            match = _TOKEN_RE.search(text, i)
            if match is None:
                return -1
            char, i = match.group(), match.end()
            if self.in_string:
                if char == "\\":
                    self.escaped = True
                elif char == '"':
                    self.in_string = False
            elif char == '"':
                self.in_string = True
            elif char in "{[":
                self.depth += 1
            elif char in "}]":
                self.depth -= 1
                if self.depth == 0:
                    return i


def _after_opening_bracket(numbered: Iterator[tuple[int, str]], source: str) -> tuple[str, int]:
    """Read the head ``window.YTD.tweets.part0 = [`` (within its first 4 KiB); return the
    text just after the ``[`` and the number of the line it is on. Raises IngestError."""
    head, line = "", 0
    for number, text in numbered:
        head, line = head + text, number
        if "[" in head or len(head) > 4096:
            break
    match = PREFIX_RE.match(head)
    if not match:
        raise IngestError(
            source=source,
            line=1,
            problem="not a tweets.js file",
            value=head.strip()[:40] or None,
            expected="window.YTD.tweets.part0 = [ ... ]",
        )
    rest = head[match.end() :]
    return rest, line - rest.count("\n")


def _skip_separators(text: str, position: int, line: int) -> tuple[int, int]:
    """Skip the blanks and commas between elements: the next position and its line."""
    while position < len(text) and text[position] in " \t\r\n,":
        if text[position] == "\n":
            line += 1
        position += 1
    return position, line


def _check_tweet_length(pending: str, source: str, start_line: int) -> None:
    """Refuse a tweet object still open after MAX_TWEET_CHARS (memory stays bounded)."""
    if len(pending) > MAX_TWEET_CHARS:
        raise IngestError(
            source=source,
            line=start_line,
            problem=f"a tweet object longer than {MAX_TWEET_CHARS:,} characters",
            expected="complete tweet objects",
        )


def _objects(lines: Iterable[str], source: str) -> Iterator[tuple[int, str]]:
    """Yield (line where it starts, text) for each element of the array."""
    numbered = enumerate(lines, start=1)
    # Go on from just after "[": the rest of the head, then the following lines.
    text, line = _after_opening_bracket(numbered, source)
    position, scanner, pending, start_line = 0, _Scanner(), "", line
    while True:
        if not pending:
            position, line = _skip_separators(text, position, line)
            if position < len(text) and text[position] == "]":
                return
            start_line = line
        if position < len(text):
            end = scanner.end_of_object(text, position)
            if end >= 0:
                yield start_line, pending + text[position:end]
                line += text[position:end].count("\n")
                pending, position = "", end
                continue
            pending += text[position:]
            _check_tweet_length(pending, source, start_line)
        following = next(numbered, None)
        if following is None:
            raise IngestError(
                source=source,
                line=start_line,
                problem="the JSON array is cut short or invalid from here",
                expected="complete tweet objects and a closing ]",
            )
        line, text, position = following[0], following[1], 0


def _count(place: Place, tweet: dict, key: str) -> int:
    raw = tweet.get(key, 0)
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()):
        raise place.error(key, "not a count", raw, "a whole number")
    return min(int(text), MAX_COUNT_EXPANDED)


def _tweet_time(tweet: dict, place: Place, now: datetime | None) -> datetime:
    """The tweet's ``created_at``, aware, checked not to be in the future."""
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
    return posted_at


def _mentioned_ids(entities: dict, place: Place) -> list[str]:
    """The ids of the users the tweet mentions, in order, each checked."""
    return [
        check_id(place, "user_mentions.id_str", m.get("id_str"), required=True)
        for m in entities.get("user_mentions") or []
        if isinstance(m, dict) and m.get("id_str")
    ]


def _owner_replies_and_mentions(
    tweet: dict, place: Place, tweet_id: str, account_id: str, mentioned: list[str], common
) -> Iterator[ActionRecord]:
    """The member's acts on others in a tweet: a reply to the user replied to, a mention of
    each user named (once per user; never on the member themself)."""
    replied_to = (
        check_id(
            place, "in_reply_to_user_id_str", tweet.get("in_reply_to_user_id_str"), required=False
        )
        or ""
    )
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


def _nameless_engagement(
    tweet: dict, place: Place, tweet_id: str, account_id: str, common
) -> Iterator[ActionRecord]:
    """Each retweet and like counted on the tweet, as an action by an unknown person at the
    tweet's time (at most MAX_COUNT_EXPANDED of each)."""
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


def _tweet_items(
    tweet: dict, place: Place, account_id: str, network: str, now: datetime | None
) -> Iterator[ActionRecord | PostRecord]:
    """The records of one tweet of the member ``account_id``: a retweet is one share of the
    user retweeted; any other tweet is a post, the member's replies and mentions, and the
    nameless engagement counted on it. Raises IngestError (the caller drops the tweet)."""
    tweet_id = check_id(place, "id_str", tweet.get("id_str") or tweet.get("id"), required=True)
    posted_at = _tweet_time(tweet, place, now)
    text = str(tweet.get("full_text") or tweet.get("text") or "")
    entities = tweet.get("entities") or {}
    mentioned = _mentioned_ids(entities, place)
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
    yield from _owner_replies_and_mentions(tweet, place, tweet_id, account_id, mentioned, common)
    yield from _nameless_engagement(tweet, place, tweet_id, account_id, common)


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
    for line, text in _objects(lines, source):
        place = Place(source, line)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield place.error(None, f"not a valid tweet object ({exc.msg})")
            continue
        tweet = value.get("tweet", value) if isinstance(value, dict) else None
        if not isinstance(tweet, dict):
            yield place.error(None, "not a tweet object", type(value).__name__, '{"tweet": {...}}')
            continue
        try:
            yield from list(_tweet_items(tweet, place, account_id, network, now))
        except IngestError as error:
            yield error
