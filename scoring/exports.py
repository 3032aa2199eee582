"""CSV export of a run's scores: one row per member account."""

from __future__ import annotations

import csv
from typing import TextIO

from scoring.models import MemberScore, NetworkAccount, ScoreRun

COLUMNS = [
    "network",
    "external_account_id",
    "member_id",
    "score",
    "true_reach",
    "amplification",
    "network_impact",
    "algorithm_version",
    "run_id",
]


def write_scores_csv(run: ScoreRun, stream: TextIO) -> int:
    """Rows for every account of every scored member (a member without an account gets one
    row with empty network fields). Returns the number of rows."""
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    accounts: dict[int, list[tuple[str, str]]] = {}
    scores = MemberScore.objects.filter(run=run).order_by("member_id")
    for member_id, network, external_id in (
        NetworkAccount.objects.filter(member__scores__run=run)
        .values_list("member_id", "network", "external_id")
        .order_by("member_id", "network", "pk")
    ):
        accounts.setdefault(member_id, []).append((network, external_id))
    rows = 0
    for score in scores.iterator(chunk_size=5000):
        for network, external_id in accounts.get(score.member_id, [("", "")]):
            writer.writerow(
                [
                    network,
                    external_id,
                    score.member_id,
                    score.score,
                    round(score.true_reach, 4),
                    round(score.amplification, 4),
                    round(score.network_impact, 4),
                    run.version.name,
                    run.pk,
                ]
            )
            rows += 1
    return rows
