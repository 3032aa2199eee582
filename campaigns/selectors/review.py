"""What site staff read before they approve or reject a campaign: who it reaches (the
targeting in words), what it gives (its perks, money in minor units of the campaign's
currency), and the fairness report as it was stored at submission (``FairnessSnapshot``,
taken by ``campaigns.services.campaigns.fairness_snapshot_take``).

Reads only, in a fixed number of queries whatever the number of perks, topics or groups.
The decision is ``campaign_approve`` / ``campaign_reject``; ``approval_flags`` is the rule
``campaign_approve`` applies, for forms to say so before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.fields.json import JSONField

from campaigns.models import Campaign, CampaignTopic, FairnessSnapshot, TopicMode
from scoring.networks import network_for


@dataclass(frozen=True)
class PerkLine:
    """One perk as staff review it; money in minor units of the campaign's currency."""

    title: str
    kind: str
    allocation: str
    quantity: int
    value_cents: int
    opens_at: datetime
    closes_at: datetime

    @property
    def total_cents(self) -> int:
        return self.value_cents * self.quantity


@dataclass(frozen=True)
class FlaggedGroup:
    """A group whose selection rate is below four fifths of the best-served group's."""

    dimension: str
    group: str
    members: int
    included: int
    rate: float
    ratio_to_best: float | None


@dataclass(frozen=True)
class SnapshotSummary:
    """The stored report's headline and key numbers (shares are fractions, 0 to 1)."""

    taken_at: datetime
    headline: str
    population: int
    included: int
    excluded: int
    excluded_share: float
    excluded_received_share: float
    excluded_given_share: float
    flagged: list[FlaggedGroup]
    flagged_names: list[str]
    suggested_min_score: int | None
    engagement_target: float | None
    inclusion: dict = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class CampaignReview:
    campaign: Campaign
    targeting: str
    inclusion: str
    perks: list[PerkLine]
    snapshot: SnapshotSummary | None

    @property
    def committed_cents(self) -> int:
        """What the perks spend if every unit is given (value times quantity)."""
        return sum(p.total_cents for p in self.perks)


def campaign_review(*, campaign: Campaign) -> CampaignReview:
    """Everything the review page shows of one campaign: three queries (topics, perks and
    the latest snapshot)."""
    topics = list(
        CampaignTopic.objects.filter(campaign=campaign)
        .order_by("pk")
        .values_list("topic__name", "min_topic_score")
    )
    return CampaignReview(
        campaign=campaign,
        targeting=targeting_in_words(campaign=campaign, topics=topics),
        inclusion=inclusion_in_words(campaign=campaign),
        perks=campaign_perk_lines(campaign=campaign),
        snapshot=snapshot_summary(snapshot=snapshot_latest(campaign=campaign)),
    )


def _join(words: list[str], last: str) -> str:
    """ "A", "A or B", "A, B or C"."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def targeting_in_words(*, campaign: Campaign, topics: list[tuple[str, int]]) -> str:
    """ "Members with a score from 40 to 100, on Bluesky or Mastodon, about Coffee or Tea,
    visible to brands." ``topics`` are (name, minimum topic score) pairs; a minimum of 1
    (any evidence) goes unsaid."""
    if (campaign.min_score, campaign.max_score) == (1, 100):
        score = "with any score"
    else:
        score = f"with a score from {campaign.min_score} to {campaign.max_score}"
    labels = [network_for(slug).label for slug in campaign.networks]
    networks = f"on {_join(labels, 'or')}" if labels else "on any network"
    names = [
        name if minimum <= 1 else f"{name} (topic score {minimum} or more)"
        for name, minimum in topics
    ]
    if not names:
        about = "about any topic"
    elif campaign.topic_mode == TopicMode.ALL and len(names) > 1:
        about = f"about all of {_join(names, 'and')}"
    else:
        about = f"about {_join(names, 'or')}"
    return f"Members {score}, {networks}, {about}, visible to brands."


def inclusion_in_words(*, campaign: Campaign) -> str:
    """The inclusion share in a sentence ("" when the campaign reserves none)."""
    share = campaign.inclusion_share_percent
    if not share:
        return ""
    return (
        f"Plus {share}% of the perks drawn by lottery among every member visible to brands "
        "who is active in its topics, whatever their score."
    )


def campaign_perk_lines(*, campaign: Campaign) -> list[PerkLine]:
    """The campaign's perks in the order members see them (one query, through the reverse
    relation the perks app declares: campaigns never imports perks)."""
    rows = campaign.perks.order_by("opens_at", "pk")
    return [
        PerkLine(
            title=perk.title,
            kind=perk.get_kind_display(),
            allocation=perk.get_allocation_display(),
            quantity=perk.quantity,
            value_cents=perk.value_cents,
            opens_at=perk.opens_at,
            closes_at=perk.closes_at,
        )
        for perk in rows
    ]


def snapshot_latest(*, campaign: Campaign) -> FairnessSnapshot | None:
    """The snapshot of the latest submission (a resubmitted campaign has several)."""
    return FairnessSnapshot.objects.filter(campaign=campaign).order_by("-created_at", "-pk").first()


def approval_flags(*, campaign: Campaign) -> list[str]:
    """The groups the latest snapshot flags ("score band: 1-20"): approving the campaign
    needs a written justification when there is any (``campaign_approve`` enforces it)."""
    snapshot = snapshot_latest(campaign=campaign)
    return list(snapshot.flagged_groups) if snapshot is not None else []


def snapshot_summary(*, snapshot: FairnessSnapshot | None) -> SnapshotSummary | None:
    """The stored report's numbers, read as they were at submission (never recomputed)."""
    if snapshot is None:
        return None
    report = snapshot.report or {}
    suggestion = report.get("suggestion") or {}
    return SnapshotSummary(
        taken_at=snapshot.created_at,
        headline=snapshot.headline,
        population=int(report.get("population", 0)),
        included=int(report.get("included", 0)),
        excluded=int(report.get("excluded", 0)),
        excluded_share=float(report.get("excluded_share", 0.0)),
        excluded_received_share=float(report.get("excluded_received_share", 0.0)),
        excluded_given_share=float(report.get("excluded_given_share", 0.0)),
        flagged=_flagged_groups(report),
        flagged_names=list(snapshot.flagged_groups),
        suggested_min_score=suggestion.get("min_score"),
        engagement_target=suggestion.get("engagement_target"),
        inclusion=report.get("inclusion") or {},
        note=report.get("note", ""),
    )


def _flagged_groups(report: dict) -> list[FlaggedGroup]:
    return [
        FlaggedGroup(
            dimension=dimension,
            group=network_for(g["group"]).label if dimension == "primary network" else g["group"],
            members=g["members"],
            included=g["included"],
            rate=g["rate"],
            ratio_to_best=g.get("ratio_to_best"),
        )
        for dimension, rows in (report.get("groups") or {}).items()
        for g in rows
        if g.get("flagged")
    ]


def campaigns_with_review_flags(queryset: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """The campaigns annotated with ``review_flags``: the flagged groups of their latest
    snapshot, None when never submitted (one subquery, for the review queue)."""
    latest = FairnessSnapshot.objects.filter(campaign=OuterRef("pk")).order_by("-created_at", "-pk")
    return queryset.annotate(
        review_flags=Subquery(latest.values("flagged_groups")[:1], output_field=JSONField())
    )
