"""The fairness report at scale: 1M members, 10M actions, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/fairness.py

Members, scores and topic scores as in bench/eligibility.py, plus 1.2M network accounts and
10M actions written by SQL. Anchor: one SQL pass that sums the actions per member. Target:
the whole report for a campaign with a score range and two topics in at most 3 times the
anchor, and under 5 seconds.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta

import numpy as np
from _setup import django_setup, result
from eligibility import N_MEMBERS, copy_rows, populate

N_ACTIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000


def timed(fn, repeat: int = 3) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def add_accounts_and_actions(rng: np.random.Generator) -> None:
    from django.db import connection
    from django.utils import timezone

    from scoring.models import Action, Member, MemberScore, MemberTopicScore, NetworkAccount

    now = timezone.now()
    member_ids = np.fromiter(Member.objects.order_by("pk").values_list("pk", flat=True), np.int64)
    networks = np.array(["twitter", "facebook", "linkedin", "instagram", "blog"])
    first = rng.choice(len(networks), size=len(member_ids), p=[0.55, 0.15, 0.12, 0.12, 0.06])
    second = rng.random(len(member_ids)) < 0.2
    rows = [
        (int(m), networks[f], f"x{m}", "", "demo", now - timedelta(days=int(d)))
        for m, f, d in zip(
            member_ids.tolist(),
            first.tolist(),
            rng.integers(0, 900, len(member_ids)).tolist(),
            strict=True,
        )
    ] + [
        (int(m), networks[(f + 1) % 5], f"y{m}", "", "demo", now)
        for m, f, s in zip(member_ids.tolist(), first.tolist(), second.tolist(), strict=True)
        if s
    ]
    copy_rows(
        NetworkAccount._meta.db_table,
        "member_id, network, external_id, handle, source, connected_at",
        rows,
    )
    a, acc = Action._meta.db_table, NetworkAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {acc}")
        lo, hi = cursor.fetchone()
        cursor.execute(
            f"INSERT INTO {a} (network, subject_id, kind, occurred_at, dedupe_key, created_at) "
            f"SELECT 'twitter', %s + floor(random() * (%s - %s + 1))::int, 'like', "
            f"now() - random() * interval '60 days', gen_random_uuid(), now() "
            f"FROM generate_series(1, %s)",
            [lo, hi, lo, N_ACTIONS],
        )
        # engagement counts on the score rows, heavy-tailed like real ones
        cursor.execute(
            f"UPDATE {MemberScore._meta.db_table} SET actions_counted = "
            f"floor(exp(random() * 6))::int, actions_given = floor(exp(random() * 4))::int"
        )
        cursor.execute(
            f"UPDATE {MemberTopicScore._meta.db_table} SET actions = floor(exp(random() * 5))::int"
        )
        cursor.execute("VACUUM ANALYZE")


def main() -> None:
    vendor = django_setup("bench_fairness")
    from django.db import connection

    from campaigns.models import Brand, Campaign, CampaignTopic
    from campaigns.selectors.fairness import fairness_report, headline
    from scoring.models import Action, NetworkAccount

    rng = np.random.default_rng(2026)
    started = time.perf_counter()
    run, topics, n_topic_rows = populate(rng)
    add_accounts_and_actions(rng)
    print(
        f"database: {vendor}; {N_MEMBERS:,} members, {n_topic_rows:,} topic scores, "
        f"{N_ACTIONS:,} actions, written in {time.perf_counter() - started:.0f}s"
    )
    a, acc = Action._meta.db_table, NetworkAccount._meta.db_table

    def anchor():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.member_id, count(*) FROM {a} x JOIN {acc} s ON s.id = x.subject_id "
                "GROUP BY s.member_id"
            )
            return len(cursor.fetchall())

    anchor_s = timed(anchor)
    print(f"anchor: actions summed for {anchor():,} members in {anchor_s:.2f}s")
    campaign = Campaign.objects.create(
        brand=Brand.objects.create(name="Bench", slug="bench"),
        name="Fair",
        starts_at=run.as_of,
        ends_at=run.as_of + timedelta(days=9),
        budget_cents=1,
        min_score=30,
        max_score=80,
        inclusion_share_percent=10,
    )
    for topic, minimum in ((topics[0], 40), (topics[3], 25)):
        CampaignTopic.objects.create(campaign=campaign, topic=topic, min_topic_score=minimum)
    report_s = timed(lambda: fairness_report(campaign=campaign))
    report = fairness_report(campaign=campaign)
    print(headline(report))
    print(f"flagged groups: {report['flagged_groups'] or 'none'}")
    result("fairness-report", report_s, "s", anchor_s, "s", report_s / anchor_s, 3)
    verdict = "PASS" if report_s < 5 else "MISS"
    print(f"RESULT fairness-report-absolute: {report_s:.2f} s (target < 5 s) {verdict}")


if __name__ == "__main__":
    main()
