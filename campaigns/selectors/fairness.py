"""The fairness report: whose engagement does a campaign's targeting leave out?

Population: the members a brand could ever reach (opted in, visible to brands) with evidence
in the campaign's topics in the latest scores (every such member with a score when the
campaign has no topic). A member who keeps their score private is never in it: their own
choice is not blamed on the targeting.

For the population the report gives who is included (the eligibility engine's query) and
excluded; the engagement they account for (the actions their posts on the topics received,
and the actions they gave to others); selection rates by group with the ratio to the
best-served group and the four-fifths flag; what-if curves over the minimum score and over
dropping each topic; the smallest lowering of the minimum score that includes a chosen
share of the engagement; and what the inclusion share can do. Computed on arrays from two
queries; the group arithmetic is ``group_rates``, checked against a direct computation.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from campaigns.models import Campaign, TopicMode
from campaigns.selectors.eligibility import campaign_targeting
from campaigns.selectors.fairness_population import AGE_LABELS, Population, fairness_population
from scoring import selectors as scoring
from scoring.models import MemberScore, MemberTopicScore, TopicHide

FOUR_FIFTHS = 0.8
MIN_GROUP = 30  # smaller groups are shown, but too small to judge
ENGAGEMENT_TARGET = 0.8  # "the smallest change that includes 80% of the engagement"
BANDS = {
    "score band": [(1, 20), (21, 40), (41, 60), (61, 80), (81, 100)],
    "activity (actions received)": [(0, 9), (10, 99), (100, 999), (1000, None)],
    "connected networks": [(0, 0), (1, 1), (2, 2), (3, None)],
}


def group_rates(labels, included: np.ndarray) -> list[dict]:
    """Per group: members, included, selection rate, ratio to the best-served group (among
    groups big enough to judge), and the four-fifths flag."""
    names, inverse = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True)
    members = np.bincount(inverse, minlength=len(names))
    chosen = np.bincount(inverse, weights=np.asarray(included, dtype=float), minlength=len(names))
    rates = np.divide(chosen, members, out=np.zeros(len(names)), where=members > 0)
    big = members >= MIN_GROUP
    best = float(rates[big].max()) if big.any() else 0.0
    out = []
    for i, name in enumerate(names.tolist()):
        ratio = float(rates[i] / best) if best and big[i] else None
        out.append(
            {
                "group": name,
                "members": int(members[i]),
                "included": int(chosen[i]),
                "rate": float(rates[i]),
                "ratio_to_best": ratio,
                "flagged": bool(ratio is not None and ratio < FOUR_FIFTHS),
                "too_small": not bool(big[i]),
            }
        )
    return out


def _band(values: np.ndarray, bands) -> np.ndarray:
    """Each value's band label ("1-20", "1000+")."""
    labels = np.array([f"{lo}+" if hi is None else f"{lo}-{hi}" for lo, hi in bands], dtype=object)
    lows = np.array([lo for lo, _ in bands])
    return labels[np.clip(np.searchsorted(lows, values, side="right") - 1, 0, len(bands) - 1)]


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _admitted(p: Population, campaign: Campaign, *, min_score: int, drop: int | None = None):
    topics = np.delete(p.topic_ok, drop, axis=1) if drop is not None else p.topic_ok
    if topics.shape[1] == 0:
        topic_pass = np.ones(len(p.member_id), dtype=bool)
    elif campaign.topic_mode == TopicMode.ALL:
        topic_pass = topics.all(axis=1)
    else:
        topic_pass = topics.any(axis=1)
    in_range = (p.score >= min_score) & (p.score <= campaign.max_score)
    return topic_pass & p.network_ok & in_range


def _curve(p: Population, campaign: Campaign) -> list[dict]:
    total = p.received.sum()
    out = []
    for min_score in range(1, 101):
        admitted = _admitted(p, campaign, min_score=min_score)
        out.append(
            {
                "min_score": min_score,
                "eligible": int(admitted.sum()),
                "excluded_engagement_share": _share(p.received[~admitted].sum(), total),
            }
        )
    return out


def fairness_report(
    *, campaign: Campaign, now: datetime | None = None, engagement_target: float = ENGAGEMENT_TARGET
) -> dict:
    """The whole report, as plain data (JSON-able). ``engagement_target`` is the share of
    the engagement the suggested minimum score must include."""
    now = now or timezone.now()
    run = scoring.latest_run()
    if run is None:
        return {"campaign": campaign.pk, "population": 0, "note": "No scores yet."}
    p = fairness_population(campaign=campaign, run=run, now=now)
    topic_names = list(campaign.topics.order_by("pk").values_list("topic__name", flat=True))
    groups = _groups(p)
    curve = _curve(p, campaign)
    inclusion = _inclusion(campaign, p)
    return {
        "campaign": campaign.pk,
        "computed_at": now.isoformat(),
        "run": run.pk,
        "targeting": str(campaign_targeting(campaign)),
        **_exclusion(p),
        "groups": groups,
        "flagged_groups": [
            f"{dimension}: {g['group']}"
            for dimension, rows in groups.items()
            for g in rows
            if g["flagged"]
        ],
        "min_score_curve": curve,
        "without_each_topic": _without_each_topic(p, campaign, topic_names),
        "suggestion": _suggestion(campaign, curve, engagement_target),
        "inclusion": inclusion,
    }


def _exclusion(p: Population) -> dict:
    """Who the targeting leaves out of the population, and the share of the engagement
    (received and given) they account for."""
    n, inc = len(p.member_id), p.included
    received, given = p.received.sum(), p.given.sum()
    outside = int(n - inc.sum())
    return {
        "population": n,
        "included": int(inc.sum()),
        "excluded": outside,
        "excluded_share": _share(outside, n),
        "engagement_received": float(received),
        "excluded_received_share": _share(p.received[~inc].sum(), received),
        "engagement_given": float(given),
        "excluded_given_share": _share(p.given[~inc].sum(), given),
    }


def _groups(p: Population) -> dict[str, list[dict]]:
    """Selection rates by group, for each dimension the report looks at."""
    inc = p.included
    return {
        "score band": group_rates(_band(p.score, BANDS["score band"]), inc),
        "primary network": group_rates(p.primary_network, inc),
        "connected networks": group_rates(_band(p.networks, BANDS["connected networks"]), inc),
        "activity (actions received)": group_rates(
            _band(p.activity, BANDS["activity (actions received)"]), inc
        ),
        "account age (days)": group_rates(AGE_LABELS[p.age_band], inc),
    }


def _without_each_topic(p: Population, campaign: Campaign, topic_names: list[str]) -> list[dict]:
    """What-if: the eligible members and the engagement left out with each topic dropped."""
    received = p.received.sum()
    dropped = []
    for i, name in enumerate(topic_names):
        admitted = _admitted(p, campaign, min_score=campaign.min_score, drop=i)
        dropped.append(
            {
                "without_topic": name,
                "eligible": int(admitted.sum()),
                "excluded_engagement_share": _share(p.received[~admitted].sum(), received),
            }
        )
    return dropped


def _suggestion(campaign: Campaign, curve: list[dict], engagement_target: float) -> dict:
    """The highest minimum score whose eligible members still receive ``engagement_target``
    of the engagement (None when none does)."""
    reach = [c for c in curve if 1 - c["excluded_engagement_share"] >= engagement_target]
    return {
        "engagement_target": engagement_target,
        "min_score": max((c["min_score"] for c in reach), default=None),
        "current_min_score": campaign.min_score,
    }


def _inclusion(campaign: Campaign, p: Population) -> dict:
    """What the inclusion share can do: the units it reserves, and how many members with
    evidence in the topics are outside the targeting (the most it can reach)."""
    units = campaign.perks.aggregate(total=Sum("quantity"))["total"] or 0
    reserved = units * campaign.inclusion_share_percent // 100
    outside = int(len(p.member_id) - p.included.sum())
    return {
        "share_percent": campaign.inclusion_share_percent,
        "units_reserved": reserved,
        "topic_engaged_outside_targeting": outside,
        "can_win": min(reserved, outside),
    }


def headline(report: dict) -> str:
    """ "This campaign excludes 82% of the people active on Marketing, who receive 61% and
    give 74% of its engagement"."""
    if not report.get("population"):
        return "Nobody is in this campaign's population yet."
    return (
        f"This campaign excludes {report['excluded_share']:.0%} of the {report['population']:,} "
        f"members active in its topics, who receive {report['excluded_received_share']:.0%} "
        f"and give {report['excluded_given_share']:.0%} of the engagement."
    )


def targeting_headline(*, targeting) -> dict:
    """The report's headline numbers for a targeting being edited (the live preview): a few
    aggregate queries, no per-member arrays."""
    run = scoring.latest_run()
    if run is None:
        return {"population": 0}
    included = scoring.targeted_scores(targeting=targeting, run=run).values("member_id")
    scores = MemberScore.objects.filter(run=run, visible_to_brands=True)
    scores, received, received_in = _engagement_received(
        scores, run=run, topic_ids=[t for t, _ in targeting.topics], included=included
    )
    totals = scores.aggregate(n=Count("pk"), given=Sum("actions_given"))
    inside = scores.filter(member_id__in=included).aggregate(
        n=Count("pk"), given=Sum("actions_given")
    )
    n, given = totals["n"], totals["given"] or 0
    report = {
        "population": n,
        "excluded_share": _share(n - inside["n"], n),
        "excluded_received_share": _share(received - received_in, received),
        "excluded_given_share": _share(given - (inside["given"] or 0), given),
    }
    return {**report, "headline": headline(report)}


def _engagement_received(
    scores: QuerySet[MemberScore], *, run, topic_ids: list[int], included: QuerySet
) -> tuple[QuerySet[MemberScore], int, int]:
    """The population's scores (narrowed to members with evidence in the topics, hidden
    topics left out, when there are topics), and the actions received on the topics (all
    counted actions without topics) by the whole population and by the ``included``."""
    if not topic_ids:
        received = scores.aggregate(total=Sum("actions_counted"))["total"] or 0
        received_in = (
            scores.filter(member_id__in=included).aggregate(t=Sum("actions_counted"))["t"] or 0
        )
        return scores, received, received_in
    hidden = TopicHide.objects.filter(member=OuterRef("member_id"), topic=OuterRef("topic_id"))
    rows = MemberTopicScore.objects.filter(
        run=run, visible_to_brands=True, topic_id__in=topic_ids
    ).exclude(Exists(hidden))
    received = rows.aggregate(total=Sum("actions"))["total"] or 0
    received_in = rows.filter(member_id__in=included).aggregate(t=Sum("actions"))["t"] or 0
    return scores.filter(member_id__in=rows.values("member_id")), received, received_in


def campaign_for_report(*, user, campaign_id: int) -> Campaign | None:
    """A campaign whose report the user may read: any for site staff, their brands' (any
    role) for brand staff; None otherwise."""
    campaigns = Campaign.objects.select_related("brand")
    if not user.is_staff:
        campaigns = campaigns.filter(brand__memberships__user=user)
    return campaigns.filter(pk=campaign_id).first()


def engagement_target_of(params) -> float:
    """The engagement share the suggestion must include, from the request's ``?share=60``
    (percent), 80 by default; out-of-range or malformed values fall back to the default."""
    try:
        share = float(params.get("share", ENGAGEMENT_TARGET * 100)) / 100
    except ValueError:
        return ENGAGEMENT_TARGET
    return share if 0 < share <= 1 else ENGAGEMENT_TARGET


REPORT_CACHE_SECONDS = 300


def fairness_report_cached(*, campaign: Campaign, engagement_target: float = ENGAGEMENT_TARGET):
    """The report for pages and the API: at a million members it takes seconds, so it is
    kept for a few minutes, under a key that changes with everything it is made of but
    time (the campaign's targeting, the live run, the perks' units, the chosen share).
    Snapshots for review are always computed afresh."""
    run = scoring.latest_run()
    units = campaign.perks.aggregate(total=Sum("quantity"))["total"] or 0
    key = ":".join(
        str(part)
        for part in (
            "fairness",
            campaign.pk,
            campaign.updated_at.timestamp(),
            run.pk if run else 0,
            units,
            engagement_target,
        )
    )
    report = cache.get(key)
    if report is None:
        report = fairness_report(campaign=campaign, engagement_target=engagement_target)
        cache.set(key, report, REPORT_CACHE_SECONDS)
    return report
