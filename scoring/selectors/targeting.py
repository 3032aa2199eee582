"""Reads for targeting members by score and topic (used by campaigns through
``scoring.selectors``). The scoring app knows nothing of campaigns: it answers "which
members' latest scores satisfy these numbers", as one database query, and "what are this
member's numbers", for explanations. Both apply the same rules:

- only opted-in members whose visibility lets brands see them (brands or public);
- scores of the latest live run only;
- a hidden topic never counts, as if the member had no evidence for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from scoring.models import (
    VISIBLE_TO_BRANDS,
    Member,
    MemberScore,
    MemberTopicScore,
    NetworkAccount,
    ScoreRun,
    TopicHide,
)
from scoring.selectors.scores import latest_run

SCORE_BANDS = ((1, 20), (21, 40), (41, 60), (61, 80), (81, 100))


@dataclass(frozen=True)
class Targeting:
    min_score: int = 1
    max_score: int = 100
    topics: tuple[tuple[int, int], ...] = ()  # (topic id, minimum topic score)
    topic_mode: str = "any"  # or "all"
    networks: tuple[str, ...] = ()


def targeted_scores(*, targeting: Targeting, run: ScoreRun | None = None) -> QuerySet:
    """The members the targeting admits, as rows ``{"member_id", "score"}`` (the overall
    score of the latest run): a query to count, page (order by ``-score, member_id``) or
    use as a subquery.

    Scores exist only for opted-in members (opting out deletes them, and each run checks
    again before it commits), and the score rows carry the member's brand visibility (see
    scoring.services.visibility), so no join with the members table is needed. With topics,
    the topic scores table answers alone: its rows carry the overall score too.
    """
    run = run or latest_run()
    if run is None:
        return MemberScore.objects.none().values("member_id", "score")
    rows = _topic_scores(targeting, run) if targeting.topics else _overall_scores(targeting, run)
    return _on_networks(rows, targeting).values("member_id", "score")


def _overall_scores(targeting: Targeting, run: ScoreRun) -> QuerySet:
    """The run's scores in the targeting's range, of members visible to brands."""
    return MemberScore.objects.filter(
        run=run,
        visible_to_brands=True,
        score__gte=targeting.min_score,
        score__lte=targeting.max_score,
    )


def _topic_scores(targeting: Targeting, run: ScoreRun) -> QuerySet:
    """Per member visible to brands with an overall score in range: the topics of the
    targeting they meet (shown, at their minimum), any or all of them as it asks."""
    wanted = Q()
    for topic_id, minimum in targeting.topics:
        wanted |= Q(topic_id=topic_id, score__gte=minimum)
    hidden = TopicHide.objects.filter(member=OuterRef("member_id"), topic=OuterRef("topic_id"))
    rows = (
        MemberTopicScore.objects.filter(
            wanted,
            run=run,
            visible_to_brands=True,
            member_score__gte=targeting.min_score,
            member_score__lte=targeting.max_score,
        )
        .exclude(Exists(hidden))
        .values("member_id")
        .annotate(score=Max("member_score"), topics_met=Count("topic_id"))
    )
    if targeting.topic_mode == "all":
        rows = rows.filter(topics_met=len(targeting.topics))
    return rows


def _on_networks(rows: QuerySet, targeting: Targeting) -> QuerySet:
    if not targeting.networks:
        return rows
    accounts = NetworkAccount.objects.filter(network__in=targeting.networks)
    return rows.filter(member_id__in=accounts.values("member_id"))


def score_band_counts(rows: QuerySet) -> list[dict]:
    """How many of ``rows`` (from ``targeted_scores``) fall in each band of 20 points, in
    one query over them. No rows at all (no score run yet) is every band empty."""
    try:
        sql, params = rows.order_by().query.sql_with_params()
    except EmptyResultSet:
        return [{"band": f"{lo}-{hi}", "members": 0} for lo, hi in SCORE_BANDS]
    cases = " ".join(
        f"WHEN q.score BETWEEN {lo} AND {hi} THEN {i}" for i, (lo, hi) in enumerate(SCORE_BANDS)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CASE {cases} END AS band, count(*) FROM ({sql}) q GROUP BY 1",  # noqa: S608
            params,
        )
        counts = dict(cursor.fetchall())
    return [
        {"band": f"{lo}-{hi}", "members": counts.get(i, 0)}
        for i, (lo, hi) in enumerate(SCORE_BANDS)
    ]


@dataclass
class MemberFacts:
    """The numbers a targeting decision is made of, for one member, at one run."""

    member_id: int
    opted_in: bool
    visibility: str
    run_id: int | None = None
    version: str | None = None
    score: int | None = None
    topic_scores: dict[int, int] = field(default_factory=dict)  # shown topics only
    hidden_topics: list[int] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)


def member_targeting_facts(
    *,
    member,
    topic_ids: list[int],
    run: ScoreRun | None = None,
    with_networks: bool = True,
) -> MemberFacts:
    """The member's numbers for a decision: score, shown topic scores among ``topic_ids``,
    and (when the targeting asks) their networks."""
    run = run or latest_run()
    facts = MemberFacts(
        member_id=member.pk,
        opted_in=member.opted_in_at is not None,
        visibility=member.visibility,
    )
    if with_networks:
        accounts = NetworkAccount.objects.filter(member=member).values_list("network", flat=True)
        facts.networks = sorted(set(accounts))
    if run is None:
        return facts
    facts.run_id, facts.version = run.pk, run.version.name
    score = MemberScore.objects.filter(run=run, member=member).values_list("score", flat=True)
    facts.score = score.first()
    if not topic_ids:
        return facts
    hidden = set(
        TopicHide.objects.filter(member=member, topic_id__in=topic_ids).values_list(
            "topic_id", flat=True
        )
    )
    facts.hidden_topics = sorted(hidden)
    facts.topic_scores = {
        t: s
        for t, s in MemberTopicScore.objects.filter(
            run=run, member=member, topic_id__in=topic_ids
        ).values_list("topic_id", "score")
        if t not in hidden
    }
    return facts


def topic_engaged_members(
    *, topic_ids: list[int], run: ScoreRun | None = None, visible_to_brands: bool = True
) -> QuerySet[Member]:
    """Opted-in members with evidence (not hidden) in any of the topics, whatever their
    score: the population of a campaign's inclusion share (only members visible to brands)
    and of its fairness report (everyone, counted)."""
    run = run or latest_run()
    if run is None:
        return Member.objects.none()
    members = Member.objects.filter(opted_in_at__isnull=False)
    if visible_to_brands:
        members = members.filter(visibility__in=VISIBLE_TO_BRANDS)
    if not topic_ids:
        return members
    shown = MemberTopicScore.objects.filter(
        run=run, member=OuterRef("pk"), topic_id__in=topic_ids
    ).exclude(
        Exists(TopicHide.objects.filter(member=OuterRef("member_id"), topic=OuterRef("topic_id")))
    )
    return members.filter(Exists(shown))
