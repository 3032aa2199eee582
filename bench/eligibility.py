"""Eligibility at scale: count and page through a campaign's eligible members.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/eligibility.py

1M opted-in members with scores and topic scores are written with COPY into a database of
the benchmark's own. The campaign targets scores 30-80 and two topics (any of, and all of).
Anchor: a bare indexed ``SELECT count(*)`` on the scores table with the same score range.
Targets: the eligible count at most 3x the anchor and under 100 ms; a page (50 rows) at
most 3x the anchor too.
"""

from __future__ import annotations

import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
from _setup import django_setup, result

N_MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
N_TOPICS = 50
LO, HI = 30, 80


def timed(fn, repeat: int = 9) -> float:
    fn()  # warm
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def copy_rows(table: str, columns: str, rows) -> None:
    from django.db import connection

    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def populate(rng: np.random.Generator):
    from django.db import connection

    from scoring.models import (
        AlgorithmVersion,
        Member,
        MemberScore,
        MemberTopicScore,
        ScoreRun,
        Topic,
        TopicHide,
    )

    now = datetime(2026, 6, 1, tzinfo=UTC)
    visibility = rng.choice(["private", "brands", "public"], size=N_MEMBERS, p=[0.4, 0.4, 0.2])
    copy_rows(
        Member._meta.db_table,
        "display_name, opted_in_at, visibility, is_demo, public_id, created_at",
        (("", now, visibility[i], True, uuid.uuid4(), now) for i in range(N_MEMBERS)),
    )
    member_ids = np.fromiter(
        Member.objects.order_by("pk").values_list("pk", flat=True), np.int64, N_MEMBERS
    )
    run = ScoreRun.objects.create(
        version=AlgorithmVersion.objects.get(is_active=True),
        status="complete",
        as_of=now,
        finished_at=now + timedelta(minutes=5),
    )
    # scores: heavy-tailed like real ones (most members low)
    scores = np.clip(np.rint(rng.beta(2, 3, size=N_MEMBERS) * 99 + 1), 1, 100).astype(int)
    copy_rows(
        MemberScore._meta.db_table,
        "run_id, member_id, score, true_reach, amplification, network_impact, raw, "
        "actions_counted, excluded, visible_to_brands",
        (
            (run.pk, int(m), int(s), 1.0, 1.0, 1.0, 1.0, 1, "{}", v != "private")
            for m, s, v in zip(
                member_ids.tolist(), scores.tolist(), visibility.tolist(), strict=True
            )
        ),
    )
    topics = [Topic.objects.create(slug=f"topic-{i}", name=f"Topic {i}") for i in range(N_TOPICS)]
    # topics with evidence per member: 0 to 3, popular topics more often (Zipf-like)
    per_member = rng.choice(4, size=N_MEMBERS, p=[0.55, 0.25, 0.12, 0.08])
    weights = 1.0 / np.arange(1, N_TOPICS + 1)
    weights /= weights.sum()
    topic_rows = []
    for i, (member, k) in enumerate(zip(member_ids.tolist(), per_member.tolist(), strict=True)):
        if k:
            for t in rng.choice(N_TOPICS, size=k, replace=False, p=weights).tolist():
                topic_rows.append((member, topics[t].pk, int(rng.integers(1, 101)), i))
    copy_rows(
        MemberTopicScore._meta.db_table,
        "run_id, member_id, topic_id, score, true_reach, amplification, network_impact, raw, "
        "posts, people, actions, plus_k, evidence, member_score, visible_to_brands",
        (
            (
                run.pk,
                m,
                t,
                s,
                1.0,
                1.0,
                1.0,
                1.0,
                2,
                3,
                3,
                0,
                "[]",
                int(scores[i]),
                str(visibility[i]) != "private",
            )
            for m, t, s, i in topic_rows
        ),
    )
    hides = rng.choice(len(topic_rows), size=len(topic_rows) // 100, replace=False)
    TopicHide.objects.bulk_create(
        TopicHide(member_id=topic_rows[i][0], topic_id=topic_rows[i][1]) for i in hides.tolist()
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return run, topics, len(topic_rows)


def main() -> None:
    vendor = django_setup("bench_eligibility")
    from django.db import connection

    from campaigns.models import Brand, Campaign, CampaignTopic
    from campaigns.selectors.eligibility import eligible_scores
    from scoring.models import MemberScore

    rng = np.random.default_rng(2026)
    started = time.perf_counter()
    run, topics, n_topic_rows = populate(rng)
    print(
        f"database: {vendor}; {N_MEMBERS:,} members, {n_topic_rows:,} topic scores, "
        f"written in {time.perf_counter() - started:.0f}s"
    )
    table = MemberScore._meta.db_table

    def anchor():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE run_id = %s AND score BETWEEN %s AND %s",
                [run.pk, LO, HI],
            )
            return cursor.fetchone()[0]

    brand = Brand.objects.create(name="Bench", slug="bench")
    anchor_s = timed(anchor)
    print(f"anchor: {anchor():,} scores in {LO}-{HI} in {anchor_s * 1000:.1f} ms")
    for mode in ("any", "all"):
        campaign = Campaign.objects.create(
            brand=brand,
            name=mode,
            starts_at=run.as_of,
            ends_at=run.as_of + timedelta(days=9),
            budget_cents=1,
            min_score=LO,
            max_score=HI,
            topic_mode=mode,
        )
        for topic, minimum in ((topics[0], 40), (topics[3], 25)):
            CampaignTopic.objects.create(campaign=campaign, topic=topic, min_topic_score=minimum)
        eligible = eligible_scores(campaign=campaign)
        count_s = timed(eligible.count)
        ordered = eligible.order_by("-score", "member_id").values_list("member_id", "score")
        first_s = timed(lambda q=ordered: list(q[:50]))
        deep_s = timed(lambda q=ordered: list(q[5000:5050]))
        print(f"{mode} of two topics: {eligible.count():,} eligible")
        ratio = count_s / anchor_s
        result(f"eligibility-count-{mode}", count_s * 1000, "ms", anchor_s * 1000, "ms", ratio, 3)
        under = "PASS" if count_s < 0.1 else "MISS"
        print(
            f"RESULT eligibility-count-{mode}-absolute: {count_s * 1000:.1f} ms "
            f"(target < 100 ms) {under}"
        )
        result(
            f"eligibility-page-{mode}",
            first_s * 1000,
            "ms",
            anchor_s * 1000,
            "ms",
            first_s / anchor_s,
            3,
        )
        result(
            f"eligibility-deep-page-{mode}",
            deep_s * 1000,
            "ms",
            anchor_s * 1000,
            "ms",
            deep_s / anchor_s,
            3,
        )


if __name__ == "__main__":
    main()
