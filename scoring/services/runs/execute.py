"""Starting and executing a score run: claim it, load its input, compute the scores and the
topic scores, and write them all in one transaction (see the package's description)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from scoring.engine import calibration
from scoring.engine.allocator import steady_allocator
from scoring.engine.model import Actions, Parameters, Result, compute, group_created_together
from scoring.engine.topics import TopicResult, compute_topics
from scoring.models import AlgorithmVersion, MemberScore, MemberTopicScore, ScoreRun
from scoring.selectors.scores import live_runs
from scoring.services.runs.loading import RunInput, load_run_input
from scoring.services.runs.topics import RunTopics, load_run_topics, write_topic_scores
from scoring.services.runs.writing import (
    member_scores_write,
    version_calibration,
    version_component_calibration,
)
from scoring.services.topics import content_topics_refresh
from scoring.services.visibility import run_scores_visibility_set

logger = logging.getLogger(__name__)


def score_run_start(
    *, version: AlgorithmVersion | None = None, shadow: bool = False, as_of: datetime | None = None
) -> ScoreRun:
    """A new run (not yet executed). A shadow run is computed, by default, at the same time
    as the live run it will be compared with, so that its report shows only what the
    version changes, not new data or decay."""
    version = version or AlgorithmVersion.objects.get(is_active=True)
    shadow = shadow or not version.is_active
    if as_of is None and shadow:
        live = (
            ScoreRun.objects.filter(status=ScoreRun.Status.COMPLETE, is_shadow=False)
            .order_by("-as_of", "-pk")
            .first()
        )
        as_of = live.as_of if live else None
    return ScoreRun.objects.create(version=version, is_shadow=shadow, as_of=as_of or timezone.now())


def score_run_execute(*, run_id: int) -> ScoreRun:
    """Compute and write the run's scores. Safe to call twice, even at once: one caller
    takes the run, the others leave it. A failure marks the run failed and changes no
    score."""
    steady_allocator()  # the engine's cost is its arithmetic, not page faults (allocator.py)
    now = timezone.now()
    # A run whose worker died (claimed, never finished) may be taken again after the task
    # time limit; until then another worker may still be on it.
    stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimed = (
        ScoreRun.objects.filter(pk=run_id, status=ScoreRun.Status.RUNNING)
        .filter(Q(executing_since__isnull=True) | Q(executing_since__lt=stale))
        .update(executing_since=now)
    )
    run = ScoreRun.objects.select_related("version").get(pk=run_id)
    if not claimed:  # finished, or another worker has it
        return run
    try:
        _execute(run)
    except Exception as error:
        logger.exception("score run %s failed", run.pk)
        ScoreRun.objects.filter(pk=run.pk, status=ScoreRun.Status.RUNNING).update(
            status=ScoreRun.Status.FAILED,
            error=f"{type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )
    run.refresh_from_db()
    return run


def score_run(*, version: AlgorithmVersion | None = None, shadow: bool = False) -> ScoreRun:
    """Start and execute a run in this process (the command; the task does the same)."""
    return score_run_execute(run_id=score_run_start(version=version, shadow=shadow).pk)


@dataclass
class Computed:
    """What a run computed, before anything is written."""

    result: Result  # the overall scores' components, by member node
    raw_time_only: np.ndarray | None  # raw scores on the baseline's actions only
    baseline: ScoreRun | None
    topics: RunTopics
    topic_result: TopicResult


def _execute(run: ScoreRun) -> None:
    content_topics_refresh()  # posts new since the last run, or a changed topic tree
    p = run.version.engine_parameters()
    data = load_run_input(as_of=run.as_of, window_days=p.window_days, stored_by=run.started_at)
    if len(data.member_ids) == 0:
        ScoreRun.objects.filter(pk=run.pk).update(
            status=ScoreRun.Status.COMPLETE, finished_at=timezone.now()
        )
        return
    _write(run, data, _compute(run, data, p))


def _compute(run: ScoreRun, data: RunInput, p: Parameters) -> Computed:
    """The engine's work: overall scores, the time-only pass against the baseline, and the
    topic scores. Reads the database but writes nothing."""
    n_members = len(data.member_ids)
    result = compute(data.actions, n_members=n_members, n_nodes=data.n_nodes, p=p)
    baseline = _baseline(run)
    raw_time_only = (
        _raw_time_only(run, baseline, data, p, n_members) if baseline is not None else None
    )
    topics = load_run_topics(
        data=data, as_of=run.as_of, window_days=p.window_days, stored_by=run.started_at
    )
    topic_result = _compute_topics(data, topics, result, p)
    return Computed(result, raw_time_only, baseline, topics, topic_result)


def _compute_topics(
    data: RunInput, topics: RunTopics, result: Result, p: Parameters
) -> TopicResult:
    """Topic scores, on the same groups of accounts created together as the overall score
    (numbered after the +K givers' nodes) and the overall influence of every node."""
    n_members = len(data.member_ids)
    grouped, n_topic_nodes, _ = group_created_together(
        data.actions, n_members, data.n_nodes + topics.extra_nodes, p
    )
    influence = np.concatenate(
        [result.influence, np.full(n_topic_nodes - data.n_nodes, p.base_influence)]
    )
    return compute_topics(
        grouped,
        topics.topics,
        influence=influence,
        n_nodes=n_topic_nodes,
        p=p,
        excluded=result.ring,
    )


def _write(run: ScoreRun, data: RunInput, computed: Computed) -> None:
    """Calibrate, write every score and mark the run complete, in one transaction that
    holds the version's row (its calibration) and, at the end, the score lock."""
    with transaction.atomic():
        version = AlgorithmVersion.objects.select_for_update().get(pk=run.version_id)
        breakpoints = version_calibration(version, computed.result.raw)
        version_component_calibration(version, computed.result)
        scores = calibration.apply(computed.result.raw, breakpoints)
        time_only = (
            calibration.apply(computed.raw_time_only, breakpoints)
            if computed.raw_time_only is not None
            else None
        )
        member_scores_write(
            run=run, data=data, result=computed.result, scores=scores, time_only=time_only
        )
        write_topic_scores(
            run=run,
            version=version,
            data=data,
            topics=computed.topics,
            result=computed.topic_result,
            member_scores=scores,
        )
        run_scores_visibility_set(run=run)  # takes the score lock exclusively
        _drop_scores_of_opted_out(run)
        ScoreRun.objects.filter(pk=run.pk).update(
            status=ScoreRun.Status.COMPLETE,
            finished_at=timezone.now(),
            baseline=computed.baseline,
            members_scored=MemberScore.objects.filter(run=run).count(),
            actions_used=len(data.actions),
        )


def _drop_scores_of_opted_out(run: ScoreRun) -> None:
    """Consent is checked again at the end, under the score lock: whoever opted out (or
    left) while the run computed keeps no score, of this run or any other; an opt-out that
    comes now waits for this commit and then deletes these rows."""
    MemberScore.objects.filter(run=run, member__opted_in_at__isnull=True).delete()
    MemberTopicScore.objects.filter(run=run, member__opted_in_at__isnull=True).delete()


def _baseline(run: ScoreRun) -> ScoreRun | None:
    """The live run members saw before this one, when it used the same version: its data,
    aged to this run's time, tells how much of each score's change is time alone."""
    if run.is_shadow:
        return None
    before = live_runs().filter(as_of__lt=run.as_of).order_by("-as_of", "-pk").first()
    return before if before is not None and before.version_id == run.version_id else None


def _raw_time_only(run, baseline, data: RunInput, p, n_members: int) -> np.ndarray:
    """Raw scores at this run's time from only the actions the baseline run had (stored
    before it started, occurred by its time): a second pass of the engine on a subset."""
    stored_then = data.action_stored <= baseline.started_at.timestamp()
    occurred_then = data.actions.age_seconds >= (run.as_of - baseline.as_of).total_seconds()
    keep = stored_then & occurred_then
    a = data.actions
    subset = Actions(
        actor=a.actor[keep],
        subject=a.subject[keep],
        kind=a.kind[keep],
        age_seconds=a.age_seconds[keep],
        cohort=a.cohort[keep] if a.cohort is not None else None,
    )
    return compute(subset, n_members=n_members, n_nodes=data.n_nodes, p=p).raw
