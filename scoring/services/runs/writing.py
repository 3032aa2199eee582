"""Writing a score run's member scores: the version's calibration, what each rule did not
count, and the rows themselves (one COPY on PostgreSQL, bulk inserts elsewhere)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

from scoring.engine import calibration
from scoring.engine.model import Result
from scoring.models import AlgorithmVersion, Member, MemberScore, ScoreRun
from scoring.services.runs.loading import RunInput
from scoring.services.runs.pg import write_scores_pg


def version_calibration(version: AlgorithmVersion, raw: np.ndarray) -> np.ndarray:
    """The version's frozen breakpoints. The first run with enough members who have any
    influence fits and freezes them; before that, each run uses a provisional fit of its
    own (so a fresh site's first empty run does not freeze a useless map). ``version`` must
    be locked by the caller's transaction."""
    if version.calibration is not None:
        return np.asarray(version.calibration)
    breakpoints = calibration.fit(raw)
    if int((raw > 0).sum()) >= settings.SCORE_CALIBRATION_MIN_MEMBERS:
        version.calibration = breakpoints.tolist()
        version.calibrated_at = timezone.now()
        version.save(update_fields=["calibration", "calibrated_at"])
    return breakpoints


def version_component_calibration(version: AlgorithmVersion, result: Result) -> None:
    """Freeze each component's own 1-100 map, from the same run (and with the same rule)
    as the score's; a version frozen before components had one gets it at its next run.
    ``version`` must be locked by the caller's transaction."""
    if version.component_calibration is not None or version.calibration is None:
        return
    version.component_calibration = {
        name: calibration.fit(np.asarray(getattr(result, name), dtype=float)).tolist()
        for name in AlgorithmVersion.COMPONENTS
    }
    version.save(update_fields=["component_calibration"])


@dataclass
class ScoreRows:
    """A run's member scores as columns, one row per member, ready to write."""

    member_ids: np.ndarray
    result: Result
    scores: np.ndarray
    time_only: np.ndarray | None
    excluded: list[dict]

    def only(self, keep: np.ndarray) -> ScoreRows:
        return ScoreRows(
            member_ids=self.member_ids[keep],
            result=_subset(self.result, keep),
            scores=self.scores[keep],
            time_only=self.time_only[keep] if self.time_only is not None else None,
            excluded=[e for e, k in zip(self.excluded, keep, strict=True) if k],
        )


def member_scores_write(
    *,
    run: ScoreRun,
    data: RunInput,
    result: Result,
    scores: np.ndarray,
    time_only: np.ndarray | None,
) -> None:
    """Write every member's score of the run, inside the caller's transaction. Members who
    left while the run computed are not written (their rows would not fit)."""
    rows = ScoreRows(data.member_ids, result, scores, time_only, _excluded(result, data))
    existing = np.fromiter(Member.objects.values_list("pk", flat=True), dtype=np.int64)
    keep = np.isin(rows.member_ids, existing)
    if not keep.all():
        rows = rows.only(keep)
    if connection.vendor == "postgresql":
        _copy_scores_pg(run, rows)
    else:
        _bulk_create_scores(run, rows)


def _copy_scores_pg(run: ScoreRun, rows: ScoreRows) -> None:
    columns = {
        "member_id": rows.member_ids,
        "score": rows.scores,
        "true_reach": rows.result.true_reach,
        "amplification": rows.result.amplification,
        "network_impact": rows.result.network_impact,
        "raw": rows.result.raw,
        "actions_counted": rows.result.counted_actions,
        "actions_given": rows.result.given_actions,
    }
    if rows.time_only is not None:
        columns["score_time_only"] = rows.time_only
    write_scores_pg(run_id=run.pk, columns=columns, excluded=rows.excluded)


def _bulk_create_scores(run: ScoreRun, rows: ScoreRows) -> None:
    result, time_only = rows.result, rows.time_only
    MemberScore.objects.bulk_create(
        (
            MemberScore(
                run=run,
                member_id=int(rows.member_ids[i]),
                score=int(rows.scores[i]),
                true_reach=float(result.true_reach[i]),
                amplification=float(result.amplification[i]),
                network_impact=float(result.network_impact[i]),
                raw=float(result.raw[i]),
                actions_counted=int(result.counted_actions[i]),
                actions_given=int(result.given_actions[i]),
                excluded=rows.excluded[i],
                score_time_only=int(time_only[i]) if time_only is not None else None,
            )
            for i in range(len(rows.member_ids))
        ),
        batch_size=5000,
    )


def _excluded(result: Result, data: RunInput) -> list[dict]:
    """Per member, each rule's actions and weight not counted; for rings and for accounts
    created together also whose actions they were (the statement lists those actions: both
    rules depend on the whole run, not on one member's actions)."""
    out = [
        {
            rule: {"actions": int(counts[i]), "weight": round(float(weights[i]), 4)}
            for rule, (counts, weights) in result.excluded.items()
            if counts[i] > 0
        }
        for i in range(len(data.member_ids))
    ]
    for subject, actor in _flagged_pairs(result.ring, data):
        out[subject]["ring"].setdefault("actors", []).append(int(data.member_ids[actor]))
    for subject, actor in _flagged_pairs(result.created_together, data):
        accounts = out[subject]["created_together"].setdefault("accounts", [])
        accounts.append(data.account_of(actor))
    return out


def _flagged_pairs(flagged: np.ndarray | None, data: RunInput) -> Iterator[tuple[int, int]]:
    """Each (subject, actor) node pair with at least one of the flagged actions, once."""
    if flagged is None or not flagged.any():
        return
    a = data.actions
    pairs = np.unique(a.subject[flagged] * data.n_nodes + a.actor[flagged])
    for subject, actor in zip(pairs // data.n_nodes, pairs % data.n_nodes, strict=True):
        yield int(subject), int(actor)


def _subset(result: Result, keep: np.ndarray) -> Result:
    return replace(
        result,
        true_reach=result.true_reach[keep],
        amplification=result.amplification[keep],
        network_impact=result.network_impact[keep],
        raw=result.raw[keep],
        counted_actions=result.counted_actions[keep],
        given_actions=result.given_actions[keep],
    )
