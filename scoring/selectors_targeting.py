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

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, When

from scoring.models import (
    VISIBLE_TO_BRANDS,
    Member,
    MemberScore,
    MemberTopicScore,
    NetworkAccount,
    ScoreRun,
    TopicHide,
)
from scoring.selectors_scores import latest_run

SCORE_BANDS = ((1, 20), (21, 40), (41, 60), (61, 80), (81, 100))


@dataclass(frozen=True)
class Targeting:
    min_score: int = 1
    max_score: int = 100
    topics: tuple[tuple[int, int], ...] = ()  # (topic id, minimum topic score)
    topic_mode: str = "any"  # or "all"
    networks: tuple[str, ...] = ()


def _with_evidence(run: ScoreRun, topics: list[tuple[int, int]]) -> QuerySet:
    """Member ids with a shown (not hidden) topic score at least the minimum on any of
    ``topics``: a subquery the database runs as a semi-join."""
    wanted = Q()
    for topic_id, minimum in topics:
        wanted |= Q(topic_id=topic_id, score__gte=minimum)
    hidden = TopicHide.objects.filter(member=OuterRef("member_id"), topic=OuterRef("topic_id"))
    return (
        MemberTopicScore.objects.filter(wanted, run=run).exclude(Exists(hidden)).values("member_id")
    )


def targeted_scores(*, targeting: Targeting, run: ScoreRun | None = None) -> QuerySet[MemberScore]:
    """The latest run's scores of every member the targeting admits (a query: count it,
    page it, or use it as a subquery)."""
    run = run or latest_run()
    if run is None:
        return MemberScore.objects.none()
    # Scores exist only for opted-in members (opting out deletes them, and each run checks
    # again before it commits); visible_to_brands follows the member's visibility (see
    # scoring.services.visibility). So no join with the members table is needed.
    scores = MemberScore.objects.filter(
        run=run,
        visible_to_brands=True,
        score__gte=targeting.min_score,
        score__lte=targeting.max_score,
    )
    if targeting.topics and targeting.topic_mode == "all":
        for topic in targeting.topics:
            scores = scores.filter(member_id__in=_with_evidence(run, [topic]))
    elif targeting.topics:
        scores = scores.filter(member_id__in=_with_evidence(run, list(targeting.topics)))
    if targeting.networks:
        accounts = NetworkAccount.objects.filter(network__in=targeting.networks)
        scores = scores.filter(member_id__in=accounts.values("member_id"))
    return scores


def score_band_counts(scores: QuerySet[MemberScore]) -> list[dict]:
    """How many of ``scores`` fall in each band of 20 points, in one query."""
    band = Case(
        *(When(score__gte=lo, score__lte=hi, then=i) for i, (lo, hi) in enumerate(SCORE_BANDS)),
        output_field=IntegerField(),
    )
    counts = dict(scores.annotate(band=band).values_list("band").annotate(n=Count("pk")))
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
    *, member, topic_ids: list[int], run: ScoreRun | None = None
) -> MemberFacts:
    run = run or latest_run()
    facts = MemberFacts(
        member_id=member.pk,
        opted_in=member.opted_in_at is not None,
        visibility=member.visibility,
        networks=sorted(
            set(NetworkAccount.objects.filter(member=member).values_list("network", flat=True))
        ),
    )
    if run is None:
        return facts
    facts.run_id, facts.version = run.pk, run.version.name
    score = MemberScore.objects.filter(run=run, member=member).values_list("score", flat=True)
    facts.score = score.first()
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
