"""The labelled evaluation of topics: posts of made-up members, the engagement they got, and
the topics a careful person would assign (``scoring/data/topic_evaluation.json``).

The set goes through the real path: imported as action and post records (with flagged demo
members), matched against the loaded tree, scored by a score run; the topics members would
see are compared with the labels. A labelled topic's ancestors count as labelled too (a
member influential about Social Media Marketing is influential about Marketing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from scoring.ingest.records import ActionRecord, PostRecord
from scoring.models import NetworkAccount, Topic
from scoring.selectors.topics import member_topics
from scoring.services import actions_import
from scoring.services.runs.execute import score_run_execute, score_run_start

EVALUATION_FILE = Path(__file__).resolve().parent / "data" / "topic_evaluation.json"
NETWORK = "twitter"


@dataclass
class Evaluation:
    shown: dict[str, set[str]] = field(default_factory=dict)  # member -> shown topic slugs
    expected: dict[str, set[str]] = field(default_factory=dict)  # labels with ancestors

    @property
    def true_positives(self) -> int:
        return sum(len(self.shown[m] & self.expected.get(m, set())) for m in self.shown)

    @property
    def precision(self) -> float:
        shown = sum(len(s) for s in self.shown.values())
        return self.true_positives / shown if shown else 1.0

    @property
    def recall(self) -> float:
        expected = sum(len(s) for s in self.expected.values())
        return self.true_positives / expected if expected else 1.0

    def mistakes(self) -> dict[str, dict[str, list[str]]]:
        out = {}
        for member in sorted(set(self.shown) | set(self.expected)):
            shown, expected = self.shown.get(member, set()), self.expected.get(member, set())
            if shown != expected:
                out[member] = {
                    "shown, not labelled": sorted(shown - expected),
                    "labelled, not shown": sorted(expected - shown),
                }
        return out


def evaluation_records(data: dict, as_of: datetime):
    """Posts are spread over the last weeks; each engagement an hour or so after its post."""
    for m_index, member in enumerate(data["members"]):
        for p_index, post in enumerate(member["posts"]):
            posted = as_of - timedelta(days=2 + (p_index * 3 + m_index) % 50, hours=m_index)
            yield PostRecord(
                network=NETWORK,
                account_id=member["id"],
                content_id=post["id"],
                text=post["text"],
                tags=tuple(post.get("tags", ())),
                posted_at=posted,
            )
            for a_index, (person, kind) in enumerate(sorted(post["engaged_by"].items())):
                yield ActionRecord(
                    network=NETWORK,
                    actor_id=person,
                    subject_id=member["id"],
                    kind=kind,
                    occurred_at=posted + timedelta(hours=1, minutes=7 * a_index),
                    content_id=post["id"],
                    content_text=post["text"],
                    content_tags=tuple(post.get("tags", ())),
                )


def _with_ancestors(slugs: list[str]) -> set[str]:
    topics = {
        t.slug: t for t in Topic.objects.filter(slug__in=slugs).select_related("parent__parent")
    }
    missing = set(slugs) - set(topics)
    if missing:
        raise ValueError(f"labels that are not topics: {', '.join(sorted(missing))}")
    return {a.slug for t in topics.values() for a in t.ancestors} | set(topics)


def topic_evaluation_run(*, as_of: datetime, path: Path = EVALUATION_FILE) -> Evaluation:
    """Import the set (the topic tree must be loaded), run the scores at ``as_of``, and
    compare what members would see with the labels."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    actions_import(records=evaluation_records(data, as_of), demo_members=True)
    # The posts nobody engaged with belong to members created by the actions above.
    run = score_run_execute(run_id=score_run_start(as_of=as_of).pk)
    if run.status != run.Status.COMPLETE:
        raise RuntimeError(f"score run failed: {run.error}")
    result = Evaluation()
    accounts = NetworkAccount.objects.filter(network=NETWORK).select_related("member")
    by_id = {a.external_id: a.member for a in accounts}
    for member in data["members"]:
        result.expected[member["id"]] = _with_ancestors(member["labels"])
        owner = by_id.get(member["id"])
        shown = member_topics(member=owner, with_evidence=False) if owner else []
        result.shown[member["id"]] = {t.topic.slug for t in shown}
    return result
