"""Score runs: load the action log as arrays, run the engine, write every score at once.

A run writes all its scores and flips to "complete" in one transaction; readers see only
the latest complete, non-shadow run, so a run that dies leaves the previous scores in force.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from scoring.engine import calibration
from scoring.engine.model import KINDS, Actions, Parameters, compute, group_created_together
from scoring.engine.topics import compute_topics
from scoring.errors import VersionNotReady
from scoring.models import Action, AlgorithmVersion, Member, MemberScore, MemberTopicScore, ScoreRun
from scoring.selectors.scores import live_runs
from scoring.services.runs_pg import load_actions_pg, write_scores_pg
from scoring.services.runs_topics import load_run_topics, write_topic_scores
from scoring.services.topics import content_topics_refresh
from scoring.services.visibility import run_scores_visibility_set

logger = logging.getLogger(__name__)
KIND_INDEX = {kind: i for i, kind in enumerate(KINDS)}
COLUMN_NAMES = (
    "subject",
    "actor_member",
    "actor_anonymous",
    "kind",
    "occurred",
    "content",
    "stored",
    "cohort",
)


@dataclass
class RunInput:
    actions: Actions
    member_ids: np.ndarray  # member node i is Member pk member_ids[i]
    n_nodes: int
    action_content: np.ndarray  # Content pk of each action's post, -1 for none
    # Members who acted but are not scored, by id: nodes n_members + i.
    unscored_members: np.ndarray
    action_stored: np.ndarray  # when each action was stored (Unix seconds)
    # Anonymous actors, by id: nodes n_members + len(unscored_members) + i.
    anonymous_actors: np.ndarray

    def account_of(self, node: int) -> list[int | None]:
        """The actor behind a node, as [member id, anonymous actor id] (one of them None)."""
        n_members, n_unscored = len(self.member_ids), len(self.unscored_members)
        if node < n_members:
            return [int(self.member_ids[node]), None]
        if node < n_members + n_unscored:
            return [int(self.unscored_members[node - n_members]), None]
        return [None, int(self.anonymous_actors[node - n_members - n_unscored])]


def _action_columns(start: datetime, end: datetime, stored_by: datetime) -> dict[str, np.ndarray]:
    """The actions on opted-in members' content in ``(start, end]`` stored by
    ``stored_by``, by action id."""
    if connection.vendor == "postgresql":
        return load_actions_pg(start=start, end=end, stored_by=stored_by)
    rows = (
        Action.objects.filter(
            subject__member__opted_in_at__isnull=False,
            occurred_at__gt=start,
            occurred_at__lte=end,
            created_at__lte=stored_by,
        )
        .order_by("pk")
        .values_list(
            "subject__member_id",
            "actor_account__member_id",
            "actor_anonymous_id",
            "kind",
            "occurred_at",
            "content_id",
            "created_at",
            "actor_cohort",
        )
    )
    columns: dict[str, list] = {name: [] for name in COLUMN_NAMES}
    for row in rows.iterator(chunk_size=20_000):
        subject, actor_member, actor_anonymous, kind, when, content, stored, cohort = row
        columns["subject"].append(subject)
        columns["actor_member"].append(-1 if actor_member is None else actor_member)
        columns["actor_anonymous"].append(-1 if actor_anonymous is None else actor_anonymous)
        columns["kind"].append(KIND_INDEX[kind])
        columns["occurred"].append(when.timestamp())
        columns["content"].append(-1 if content is None else content)
        columns["stored"].append(stored.timestamp())
        columns["cohort"].append(-1 if cohort is None else cohort)
    types = {"kind": np.int8, "occurred": np.float64, "stored": np.float64}
    return {
        name: np.asarray(values, dtype=types.get(name, np.int64))
        for name, values in columns.items()
    }


def load_run_input(*, as_of: datetime, window_days: float, stored_by: datetime) -> RunInput:
    """The actions on opted-in members' content inside the window and stored by
    ``stored_by`` (the run's start), as engine arrays, in a fixed order (by action id) so
    that the same data always gives the same scores.

    Members and actions are read in one snapshot, so a member who opts in meanwhile is
    either wholly in the run or wholly out of it.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # Only the first statement of a transaction may set this (a caller's own
            # transaction, as in the tests, keeps its own isolation).
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        member_ids = np.fromiter(
            Member.objects.filter(opted_in_at__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True),
            dtype=np.int64,
        )
        c = _action_columns(as_of - timedelta(days=window_days), as_of, stored_by)
    # Belt and braces: an action whose subject is not among the members is dropped, never
    # credited to a neighbour.
    at = np.searchsorted(member_ids, c["subject"])
    last = max(len(member_ids) - 1, 0)
    present = (at < len(member_ids)) & (
        member_ids[np.minimum(at, last)] == c["subject"] if len(member_ids) else False
    )
    c = {name: values[present] for name, values in c.items()}
    n_members = len(member_ids)
    am, an = c["actor_member"], c["actor_anonymous"]
    actor = np.full(len(am), -1, dtype=np.int64)
    # Members who act are their member node; members not scored and anonymous people are
    # further nodes, numbered in id order.
    pos = np.searchsorted(member_ids, am)
    scored = (am >= 0) & (pos < n_members) & (member_ids[np.minimum(pos, n_members - 1)] == am)
    actor[scored] = pos[scored]
    unscored = (am >= 0) & ~scored
    others = np.unique(am[unscored])
    actor[unscored] = n_members + np.searchsorted(others, am[unscored])
    named = an >= 0
    anonymous = np.unique(an[named])
    actor[named] = n_members + len(others) + np.searchsorted(anonymous, an[named])
    actions = Actions(
        actor=actor,
        subject=np.searchsorted(member_ids, c["subject"]).astype(np.int64),
        kind=c["kind"],
        age_seconds=as_of.timestamp() - c["occurred"],
        cohort=c["cohort"],
    )
    return RunInput(
        actions,
        member_ids,
        n_members + len(others) + len(anonymous),
        action_content=c["content"],
        unscored_members=others,
        action_stored=c["stored"],
        anonymous_actors=anonymous,
    )


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


def _excluded(result, data: RunInput) -> list[dict]:
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


def score_run_execute(*, run_id: int) -> ScoreRun:
    """Compute and write the run's scores. Safe to call twice, even at once: one caller
    takes the run, the others leave it. A failure marks the run failed and changes no
    score."""
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


def _execute(run: ScoreRun) -> None:
    content_topics_refresh()  # posts new since the last run, or a changed topic tree
    p = run.version.engine_parameters()
    data = load_run_input(as_of=run.as_of, window_days=p.window_days, stored_by=run.started_at)
    n_members = len(data.member_ids)
    if n_members == 0:
        ScoreRun.objects.filter(pk=run.pk).update(
            status=ScoreRun.Status.COMPLETE, finished_at=timezone.now()
        )
        return
    result = compute(data.actions, n_members=n_members, n_nodes=data.n_nodes, p=p)
    baseline = _baseline(run)
    raw_time_only = (
        _raw_time_only(run, baseline, data, p, n_members) if baseline is not None else None
    )
    topics = load_run_topics(
        data=data, as_of=run.as_of, window_days=p.window_days, stored_by=run.started_at
    )
    # The same groups of accounts created together as in the overall score, numbered
    # after the +K givers' nodes.
    grouped, n_topic_nodes, _ = group_created_together(
        data.actions, n_members, data.n_nodes + topics.extra_nodes, p
    )
    influence = np.concatenate(
        [result.influence, np.full(n_topic_nodes - data.n_nodes, p.base_influence)]
    )
    topic_result = compute_topics(
        grouped,
        topics.topics,
        influence=influence,
        n_nodes=n_topic_nodes,
        p=p,
        excluded=result.ring,
    )
    with transaction.atomic():
        version = AlgorithmVersion.objects.select_for_update().get(pk=run.version_id)
        breakpoints = _calibration(version, result.raw)
        scores = calibration.apply(result.raw, breakpoints)
        time_only = (
            calibration.apply(raw_time_only, breakpoints) if raw_time_only is not None else None
        )
        _write_scores(run, data, result, scores, time_only)
        write_topic_scores(
            run=run,
            version=version,
            data=data,
            topics=topics,
            result=topic_result,
            member_scores=scores,
        )
        run_scores_visibility_set(run=run)  # takes the score lock exclusively
        # Consent is checked again at the end, under that lock: whoever opted out (or left)
        # while the run computed keeps no score, of this run or any other; an opt-out that
        # comes now waits for this commit and then deletes these rows.
        MemberScore.objects.filter(run=run, member__opted_in_at__isnull=True).delete()
        MemberTopicScore.objects.filter(run=run, member__opted_in_at__isnull=True).delete()
        scored = MemberScore.objects.filter(run=run).count()
        ScoreRun.objects.filter(pk=run.pk).update(
            status=ScoreRun.Status.COMPLETE,
            finished_at=timezone.now(),
            baseline=baseline,
            members_scored=scored,
            actions_used=len(data.actions),
        )


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


def _subset(result, keep: np.ndarray):
    return replace(
        result,
        true_reach=result.true_reach[keep],
        amplification=result.amplification[keep],
        network_impact=result.network_impact[keep],
        raw=result.raw[keep],
        counted_actions=result.counted_actions[keep],
        given_actions=result.given_actions[keep],
    )


def _calibration(version: AlgorithmVersion, raw: np.ndarray) -> np.ndarray:
    """The version's frozen breakpoints. The first run with enough members who have any
    influence fits and freezes them; before that, each run uses a provisional fit of its
    own (so a fresh site's first empty run does not freeze a useless map)."""
    if version.calibration is not None:
        return np.asarray(version.calibration)
    breakpoints = calibration.fit(raw)
    if int((raw > 0).sum()) >= settings.SCORE_CALIBRATION_MIN_MEMBERS:
        version.calibration = breakpoints.tolist()
        version.calibrated_at = timezone.now()
        version.save(update_fields=["calibration", "calibrated_at"])
    return breakpoints


def _write_scores(
    run: ScoreRun, data: RunInput, result, scores: np.ndarray, time_only: np.ndarray | None
) -> None:
    excluded = _excluded(result, data)
    # Members who left while the run computed are not written (their rows would not fit).
    existing = np.fromiter(Member.objects.values_list("pk", flat=True), dtype=np.int64)
    keep = np.isin(data.member_ids, existing)
    if not keep.all():
        data = replace(data, member_ids=data.member_ids[keep])
        result = _subset(result, keep)
        scores = scores[keep]
        time_only = time_only[keep] if time_only is not None else None
        excluded = [e for e, k in zip(excluded, keep, strict=True) if k]
    if connection.vendor == "postgresql":
        columns = {
            "member_id": data.member_ids,
            "score": scores,
            "true_reach": result.true_reach,
            "amplification": result.amplification,
            "network_impact": result.network_impact,
            "raw": result.raw,
            "actions_counted": result.counted_actions,
            "actions_given": result.given_actions,
        }
        if time_only is not None:
            columns["score_time_only"] = time_only
        write_scores_pg(run_id=run.pk, columns=columns, excluded=excluded)
        return
    MemberScore.objects.bulk_create(
        (
            MemberScore(
                run=run,
                member_id=int(data.member_ids[i]),
                score=int(scores[i]),
                true_reach=float(result.true_reach[i]),
                amplification=float(result.amplification[i]),
                network_impact=float(result.network_impact[i]),
                raw=float(result.raw[i]),
                actions_counted=int(result.counted_actions[i]),
                actions_given=int(result.given_actions[i]),
                excluded=excluded[i],
                score_time_only=int(time_only[i]) if time_only is not None else None,
            )
            for i in range(len(data.member_ids))
        ),
        batch_size=5000,
    )


def score_run(*, version: AlgorithmVersion | None = None, shadow: bool = False) -> ScoreRun:
    """Start and execute a run in this process (the command; the task does the same)."""
    return score_run_execute(run_id=score_run_start(version=version, shadow=shadow).pk)


def algorithm_version_create(*, name: str, description: str, parameters: dict) -> AlgorithmVersion:
    """A new, inactive version. Its parameters are checked by building the engine's."""
    defaults = asdict(Parameters())
    unknown = set(parameters) - set(defaults)
    if unknown:
        raise VersionNotReady(f"Unknown parameters: {', '.join(sorted(unknown))}.")
    merged = {**defaults, **parameters}
    try:
        AlgorithmVersion(parameters=merged).engine_parameters()
    except (TypeError, ValueError) as error:
        raise VersionNotReady(f"Invalid parameters: {error}") from None
    return AlgorithmVersion.objects.create(name=name, description=description, parameters=merged)


@transaction.atomic
def algorithm_version_activate(*, version: AlgorithmVersion) -> AlgorithmVersion:
    """Make ``version`` the one members see from the next run on. It must have been shadow
    run so that its effect was seen first. Past scores keep the version they were computed
    with."""
    version = AlgorithmVersion.objects.select_for_update().get(pk=version.pk)
    shadowed = version.runs.filter(is_shadow=True, status=ScoreRun.Status.COMPLETE).exists()
    if not shadowed:
        raise VersionNotReady(
            f"Shadow-run {version.name} and read its migration report before switching to it."
        )
    AlgorithmVersion.objects.filter(is_active=True).update(is_active=False)
    version.is_active = True
    version.activated_at = timezone.now()
    version.save(update_fields=["is_active", "activated_at"])
    return version
