"""The eligibility engine: one set of rules for every page, API call and claim.

``eligibility_decide`` explains one member's decision in numbers; ``eligible_scores`` is the
same rules as one database query for whole sets (counts, pages, previews). A property test
checks that the two always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from django.db.models import QuerySet
from django.utils import timezone

from campaigns.models import Campaign, TopicMode
from scoring import selectors as scoring
from scoring.models import Member, MemberScore, Topic

NEAR_MISS_POINTS = 10  # "narrowly missed": every failed rule is a score short by this much


@dataclass
class Reason:
    rule: str  # visibility, opted_in, score, topic, topics, networks
    passed: bool
    text: str
    needed: int | None = None
    actual: int | None = None

    def as_dict(self) -> dict:
        # Field by field (dataclasses.asdict deep-copies: it costs a claim ten times more).
        return {name: getattr(self, name) for name in _REASON_FIELDS}

    @property
    def shortfall(self) -> int | None:
        if self.passed or self.needed is None or self.actual is None:
            return None  # passed, or no number to be short of (no evidence at all)
        return self.needed - self.actual


_REASON_FIELDS = tuple(f.name for f in fields(Reason))


@dataclass
class Decision:
    eligible: bool
    reasons: list[Reason]
    facts: dict = field(default_factory=dict)
    decided_at: str = ""
    # May enter the campaign's inclusion-share lottery: visible to brands, with evidence in
    # one of its topics (any opted-in member with a score when it has none), whatever the score.
    inclusion_eligible: bool = False

    @property
    def failed(self) -> list[Reason]:
        return [r for r in self.reasons if not r.passed]

    @property
    def is_near_miss(self) -> bool:
        """Not eligible only because of scores, each short by at most NEAR_MISS_POINTS."""
        failed = self.failed
        return bool(failed) and all(
            r.shortfall is not None and 0 < r.shortfall <= NEAR_MISS_POINTS for r in failed
        )

    def as_dict(self) -> dict:
        """What a claim stores: the decision, its reasons and the numbers it was made of."""
        return {
            "eligible": self.eligible,
            "inclusion_eligible": self.inclusion_eligible,
            "reasons": [r.as_dict() for r in self.reasons],
            "facts": self.facts,
            "decided_at": self.decided_at,
        }


def campaign_targeting(campaign: Campaign) -> scoring.Targeting:
    return scoring.Targeting(
        min_score=campaign.min_score,
        max_score=campaign.max_score,
        topics=tuple(campaign.topics.values_list("topic_id", "min_topic_score").order_by("pk")),
        topic_mode=campaign.topic_mode,
        networks=tuple(campaign.networks),
    )


def eligible_scores(*, campaign: Campaign) -> QuerySet[MemberScore]:
    """The latest scores of every eligible member: a query, never a loop."""
    return scoring.targeted_scores(targeting=campaign_targeting(campaign))


def _topic_reasons(campaign, facts, names: dict[int, str], wanted) -> list[Reason]:
    if not wanted:
        return []
    parts = []
    for topic_id, minimum in wanted:
        actual = facts.topic_scores.get(topic_id)
        name = names[topic_id]
        if topic_id in facts.hidden_topics:
            text = f"{name}: you hid this topic"
        elif actual is None:
            text = f"needs {name} topic score {minimum}, you have no evidence for {name}"
        else:
            text = f"needs {name} topic score {minimum}, yours is {actual}"
        passed = actual is not None and actual >= minimum
        parts.append(Reason("topic", passed, text, needed=minimum, actual=actual))
    if len(parts) == 1 or campaign.topic_mode == TopicMode.ALL:
        return parts
    # any of: one passing topic is enough; otherwise say how close the nearest one is
    if any(p.passed for p in parts):
        ok = next(p for p in parts if p.passed)
        return [Reason("topics", True, f"one of the topics is enough: {ok.text}")]
    nearest = min(parts, key=lambda p: float("inf") if p.shortfall is None else p.shortfall)
    text = "needs one of the topics: " + "; ".join(p.text for p in parts)
    return [Reason("topics", False, text, needed=nearest.needed, actual=nearest.actual)]


def eligibility_decide(*, campaign: Campaign, member: Member) -> Decision:
    """Eligible or not, with every rule's outcome in numbers."""
    wanted = list(campaign.topics.values_list("topic_id", "min_topic_score").order_by("pk"))
    topic_ids = [t for t, _ in wanted]
    facts = scoring.member_targeting_facts(
        member=member, topic_ids=topic_ids, with_networks=bool(campaign.networks)
    )
    names = dict(Topic.objects.filter(pk__in=topic_ids).values_list("pk", "name")) if wanted else {}
    return eligibility_from_facts(campaign=campaign, facts=facts, wanted=wanted, names=names)


def eligibility_from_facts(
    *,
    campaign: Campaign,
    facts: scoring.MemberFacts,
    wanted: list[tuple[int, int]],
    names: dict[int, str],
) -> Decision:
    """The decision from the member's facts and the campaign's topics (``wanted``: topic id
    and minimum score, in the campaign's order; ``names``: topic names). Every way of
    reading the facts (the ORM above, the claim's single query) decides here. No query:
    it runs on every claim, so its steps are plain calls on what it is given."""
    reasons = _standing_reasons(facts)
    if facts.score is not None:
        reasons.append(_score_reason(campaign, facts.score))
    reasons += _topic_reasons(campaign, facts, names, wanted)
    if campaign.networks:
        reasons.append(_network_reason(campaign, facts.networks))
    return Decision(
        eligible=all(r.passed for r in reasons),
        inclusion_eligible=_may_enter_inclusion(campaign, facts, wanted),
        reasons=reasons,
        facts=_decision_facts(campaign, facts, wanted, names),
        decided_at=timezone.now().isoformat(),
    )


def _standing_reasons(facts: scoring.MemberFacts) -> list[Reason]:
    """The rules every campaign has: the score is visible to brands, and there is one."""
    visible = facts.visibility in scoring.VISIBLE_TO_BRANDS
    scored = facts.opted_in and facts.score is not None
    return [
        Reason(
            "visibility",
            visible,
            "your score is visible to brands"
            if visible
            else "your score is private: only members who let brands see it are eligible",
        ),
        Reason(
            "opted_in",
            scored,
            "you have a score"
            if scored
            else "you have no score yet (opt in, connect a network, wait for the next run)",
        ),
    ]


def _score_reason(campaign: Campaign, score: int) -> Reason:
    """The overall score within the campaign's range; a score below it says by how much."""
    lo, hi = campaign.min_score, campaign.max_score
    needed = lo if score < lo else None
    return Reason(
        "score",
        lo <= score <= hi,
        f"needs an overall score of {lo}-{hi}, yours is {score}",
        needed=needed,
        actual=score if needed else None,
    )


def _network_reason(campaign: Campaign, networks: list[str]) -> Reason:
    """An account on one of the campaign's networks."""
    have = set(networks) & set(campaign.networks)
    return Reason(
        "networks",
        bool(have),
        f"needs an account on {' or '.join(campaign.networks)}; "
        f"you have {', '.join(networks) or 'none'}",
    )


def _may_enter_inclusion(campaign: Campaign, facts: scoring.MemberFacts, wanted) -> bool:
    """May enter the inclusion-share lottery: the campaign reserves a share, the member is
    visible with a score, and has evidence in one of its topics (when it has any)."""
    visible = facts.visibility in scoring.VISIBLE_TO_BRANDS and facts.score is not None
    engaged = bool(facts.topic_scores) if wanted else True
    return campaign.inclusion_share_percent > 0 and visible and engaged


def _decision_facts(campaign: Campaign, facts: scoring.MemberFacts, wanted, names) -> dict:
    """The numbers the decision was made of, as a claim stores them (topics by name)."""
    return {
        "run": facts.run_id,
        "algorithm_version": facts.version,
        "score": facts.score,
        "topic_scores": {names[t]: s for t, s in facts.topic_scores.items()},
        "hidden_topics": [names[t] for t in facts.hidden_topics],
        "networks": facts.networks,
        "visibility": facts.visibility,
        "targeting": {
            "score": [campaign.min_score, campaign.max_score],
            "topics": {names[t]: m for t, m in wanted},
            "topic_mode": campaign.topic_mode,
            "networks": list(campaign.networks),
        },
    }


def eligibility_preview(*, targeting: scoring.Targeting) -> dict:
    """The live preview while a brand edits targeting: eligible count and score bands."""
    scores = scoring.targeted_scores(targeting=targeting)
    bands = scoring.score_band_counts(scores)
    return {"eligible": sum(b["members"] for b in bands), "bands": bands}
