from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scoring.ingest.errors import IngestError
from scoring.ingest.records import ActionRecord, PostRecord
from scoring.ingest.twitter_archive import parse_tweets_js

SAMPLE = Path(__file__).resolve().parents[2] / "scoring" / "ingest" / "samples" / "tweets.js"
OWNER = "1510000001"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _parse(text: str) -> list:
    return list(parse_tweets_js(io.StringIO(text), account_id=OWNER, source="tweets.js", now=NOW))


def test_parse_tweets_js_sample_posts_and_engagement():
    items = list(parse_tweets_js(SAMPLE.open(), account_id=OWNER, now=NOW))
    posts = [i for i in items if isinstance(i, PostRecord)]
    actions = [i for i in items if isinstance(i, ActionRecord)]

    # The retweet is not the member's post: three posts of their own.
    assert [p.content_id for p in posts] == [
        "1722634005611225455",
        "1722640102334001151",
        "1724102938475520011",
    ]
    assert posts[0].tags == ("coffee", "SpecialtyCoffee")
    assert posts[0].posted_at == datetime(2023, 11, 9, 15, 41, 38, tzinfo=UTC)
    received = Counter((a.content_id, a.kind) for a in actions if a.subject_id == OWNER)
    assert received == {
        ("1722634005611225455", "share"): 3,
        ("1722634005611225455", "like"): 12,
        ("1722640102334001151", "like"): 2,
    }
    assert all(a.actor_id is None for a in actions if a.subject_id == OWNER)
    given = {(a.subject_id, a.kind) for a in actions if a.actor_id == OWNER}
    assert given == {("90211876", "reply"), ("33310945", "share")}
    assert len({a.action_id for a in actions}) == len(actions)  # stable, distinct ids


def test_parse_tweets_js_lines_point_at_each_tweet():
    items = list(parse_tweets_js(SAMPLE.open(), account_id=OWNER, now=NOW))
    lines = sorted({i.line for i in items})
    assert lines[0] == 2 and len(lines) == 4


def test_parse_tweets_js_not_an_archive():
    with pytest.raises(IngestError, match="tweets.js, line 1: not a tweets.js file"):
        _parse("network,actor_id\n[1]\n")


def test_parse_tweets_js_cut_short():
    text = SAMPLE.read_text()
    with pytest.raises(IngestError, match="cut short or invalid"):
        _parse(text[: len(text) // 2])


def test_parse_tweets_js_bad_tweet_is_rejected_alone():
    text = (
        "window.YTD.tweets.part0 = [\n"
        '{"tweet": {"id_str": "1", "created_at": "Thu Nov 09 15:41:38 +0000 2023",'
        ' "full_text": "a", "retweet_count": "many", "favorite_count": "1"}},\n'
        '{"tweet": {"id_str": "2", "created_at": "Thu Nov 09 15:41:39 +0000 2023",'
        ' "full_text": "b", "retweet_count": "0", "favorite_count": "1"}},\n'
        '{"tweet": {"id_str": "3", "created_at": "yesterday"}}\n]'
    )
    items = _parse(text)
    assert "line 2, field 'retweet_count': not a count: found 'many'" in str(items[0])
    assert [type(i).__name__ for i in items[1:3]] == ["PostRecord", "ActionRecord"]
    assert "line 4, field 'created_at': not a tweet time" in str(items[3])


def _archive(tweets: list[str]) -> str:
    return "window.YTD.tweets.part0 = [\n" + ",\n".join(tweets) + "\n]\n"


GOOD = (
    '{"tweet": {"id_str": "%d", "created_at": "Thu Nov 09 15:41:38 +0000 2023",'
    ' "full_text": "a {brace} \\"quoted\\" ]", "retweet_count": "0", "favorite_count": "0"}}'
)


def test_parse_tweets_js_malformed_tweet_rejected_alone_and_fast():
    """A broken tweet is rejected alone: the thousands after it still parse."""
    broken = '{"tweet": {"id_str": "x", "created_at": }}'
    for n in (2_000, 8_000):
        text = _archive([GOOD % 1, broken] + [GOOD % i for i in range(2, n)])
        items = _parse(text)
        assert "line 3: not a valid tweet object" in str(items[1])
        assert sum(isinstance(i, PostRecord) for i in items) == n - 1


def test_parse_tweets_js_huge_or_odd_counts():
    forged = (
        '{"tweet": {"id_str": "1", "created_at": "Thu Nov 09 15:41:38 +0000 2023",'
        ' "retweet_count": "100000000", "favorite_count": "\\u00b2"}}'
    )
    items = _parse(_archive([forged]))
    assert isinstance(items[0], IngestError)
    assert "field 'favorite_count': not a count" in str(items[0])
    capped = forged.replace("\\u00b2", "0")
    items = _parse(_archive([capped]))
    assert sum(isinstance(i, ActionRecord) for i in items) == 1_000  # capped expansion


def test_parse_tweets_js_each_tweet_gets_its_own_line():
    items = _parse(_archive([GOOD % i for i in range(1, 4)]))
    assert [i.line for i in items] == [2, 3, 4]
