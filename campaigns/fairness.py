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

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.core.cache import cache
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from campaigns.eligibility import campaign_targeting, eligible_scores
from campaigns.models import Campaign, TopicMode
from scoring import selectors as scoring
from scoring.models import Member as MemberModel
from scoring.models import MemberScore, MemberTopicScore, NetworkAccount, TopicHide

FOUR_FIFTHS = 0.8
MIN_GROUP = 30  # smaller groups are shown, but too small to judge
ENGAGEMENT_TARGET = 0.8  # "the smallest change that includes 80% of the engagement"
BANDS = {
    "score band": [(1, 20), (21, 40), (41, 60), (61, 80), (81, 100)],
    "activity (actions received)": [(0, 9), (10, 99), (100, 999), (1000, None)],
    "connected networks": [(0, 0), (1, 1), (2, 2), (3, None)],
}
AGE_LABELS = np.array(["0-29", "30-179", "180-364", "365+"], dtype=object)


@dataclass
class Population:
    member_id: np.ndarray
    score: np.ndarray
    received: np.ndarray
    given: np.ndarray
    topic_ok: np.ndarray  # bool, per campaign topic: (members, topics)
    network_ok: np.ndarray
    networks: np.ndarray  # connected networks
    primary_network: np.ndarray  # the network connected first
    age_band: np.ndarray  # index into AGE_LABELS
    activity: np.ndarray  # all counted actions received (not only on the topics)
    included: np.ndarray  # bool: admitted by the targeting


AGE_CUTS = (30, 180, 365)  # days: the account-age bands' boundaries


def _population(campaign: Campaign, run, now: datetime) -> Population:
    """The population's rows in one query: scores, engagement, per-topic flags, networks
    (a window over the member's accounts) and the account-age band."""
    wanted = list(campaign.topics.values_list("topic_id", "min_topic_score").order_by("pk"))
    s, t = MemberScore._meta.db_table, MemberTopicScore._meta.db_table
    h, m = TopicHide._meta.db_table, MemberModel._meta.db_table
    a = NetworkAccount._meta.db_table
    slugs = [n for n in campaign.networks if n.replace("-", "").replace("_", "").isalnum()]
    listed = ", ".join(f"'{n}'" for n in slugs) or "''"
    nets = (
        f"SELECT member_id, network, count(*) OVER (PARTITION BY member_id) AS n, "  # noqa: S608
        f"max(CASE WHEN network IN ({listed}) THEN 1 ELSE 0 END) "
        f"OVER (PARTITION BY member_id) AS ok, row_number() OVER (PARTITION BY member_id "
        f"ORDER BY connected_at, id) AS rn FROM {a}"
    )
    cuts = [now - timedelta(days=d) for d in AGE_CUTS]
    age = (
        "CASE WHEN m.created_at > %s THEN 0 WHEN m.created_at > %s THEN 1 "
        "WHEN m.created_at > %s THEN 2 ELSE 3 END"
    )
    flags = "".join(
        f", max(CASE WHEN t.topic_id = {int(tid)} AND t.score >= {int(mn)} THEN 1 ELSE 0 END)"
        for tid, mn in wanted
    )
    if wanted:
        in_topics = ", ".join(str(int(tid)) for tid, _ in wanted)
        received = "sum(t.actions)"
        topic_join = (
            f"JOIN {t} t ON t.run_id = s.run_id AND t.member_id = s.member_id "  # noqa: S608
            f"AND t.topic_id IN ({in_topics}) AND NOT EXISTS (SELECT 1 FROM {h} h "
            f"WHERE h.member_id = t.member_id AND h.topic_id = t.topic_id)"
        )
    else:
        received, topic_join = "max(s.actions_counted)", ""
    # Table names come from the models; numbers and network slugs are checked above; the
    # times and the run id are parameters.
    sql = (
        f"SELECT s.member_id, max(s.score), {received}, max(s.actions_given), "  # noqa: S608
        f"max(s.actions_counted), max({age}), coalesce(max(x.n), 0), coalesce(max(x.ok), 0), "
        f"max(x.network){flags} "
        f"FROM {s} s JOIN {m} m ON m.id = s.member_id {topic_join} "
        f"LEFT JOIN ({nets}) x ON x.member_id = s.member_id AND x.rn = 1 "
        f"WHERE s.run_id = %s AND s.visible_to_brands GROUP BY s.member_id ORDER BY s.member_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*cuts, run.pk])
        rows = cursor.fetchall()
    n = len(rows)
    cols = list(zip(*rows, strict=True)) if rows else [()] * (9 + len(wanted))

    def column(i, dtype):
        return np.fromiter((v or 0 for v in cols[i]), dtype, n)

    member_id = column(0, np.int64)
    included_ids = np.fromiter(
        eligible_scores(campaign=campaign).order_by().values_list("member_id", flat=True), np.int64
    )
    topic_ok = np.zeros((n, len(wanted)), dtype=bool)
    for i in range(len(wanted)):
        topic_ok[:, i] = np.fromiter(cols[9 + i], np.int64, n).astype(bool)
    return Population(
        member_id=member_id,
        score=column(1, np.int64),
        received=column(2, np.float64),
        given=column(3, np.float64),
        topic_ok=topic_ok,
        network_ok=column(7, np.int64).astype(bool) if campaign.networks else np.ones(n, bool),
        networks=column(6, np.int64),
        primary_network=np.array([v or "none" for v in cols[8]], dtype=object),
        age_band=column(5, np.int64),
        activity=column(4, np.float64),
        included=np.isin(member_id, included_ids),
    )


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
    p = _population(campaign, run, now)
    n, inc = len(p.member_id), p.included
    received, given = p.received.sum(), p.given.sum()
    names = list(campaign.topics.order_by("pk").values_list("topic__name", flat=True))
    groups = {
        "score band": group_rates(_band(p.score, BANDS["score band"]), inc),
        "primary network": group_rates(p.primary_network, inc),
        "connected networks": group_rates(_band(p.networks, BANDS["connected networks"]), inc),
        "activity (actions received)": group_rates(
            _band(p.activity, BANDS["activity (actions received)"]), inc
        ),
        "account age (days)": group_rates(AGE_LABELS[p.age_band], inc),
    }
    curve = _curve(p, campaign)
    reach = [c for c in curve if 1 - c["excluded_engagement_share"] >= engagement_target]
    suggestion = max((c["min_score"] for c in reach), default=None)
    dropped = [
        {
            "without_topic": names[i],
            "eligible": int(_admitted(p, campaign, min_score=campaign.min_score, drop=i).sum()),
            "excluded_engagement_share": _share(
                p.received[~_admitted(p, campaign, min_score=campaign.min_score, drop=i)].sum(),
                received,
            ),
        }
        for i in range(len(names))
    ]
    units = campaign.perks.aggregate(total=Sum("quantity"))["total"] or 0
    reserved = units * campaign.inclusion_share_percent // 100
    outside = int(n - inc.sum())
    return {
        "campaign": campaign.pk,
        "computed_at": now.isoformat(),
        "run": run.pk,
        "targeting": str(campaign_targeting(campaign)),
        "population": n,
        "included": int(inc.sum()),
        "excluded": outside,
        "excluded_share": _share(outside, n),
        "engagement_received": float(received),
        "excluded_received_share": _share(p.received[~inc].sum(), received),
        "engagement_given": float(given),
        "excluded_given_share": _share(p.given[~inc].sum(), given),
        "groups": groups,
        "flagged_groups": [
            f"{dimension}: {g['group']}"
            for dimension, rows in groups.items()
            for g in rows
            if g["flagged"]
        ],
        "min_score_curve": curve,
        "without_each_topic": dropped,
        "suggestion": {
            "engagement_target": engagement_target,
            "min_score": suggestion,
            "current_min_score": campaign.min_score,
        },
        "inclusion": {
            "share_percent": campaign.inclusion_share_percent,
            "units_reserved": reserved,
            "topic_engaged_outside_targeting": outside,
            "can_win": min(reserved, outside),
        },
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
    from django.db.models import Count, Exists, OuterRef

    run = scoring.latest_run()
    if run is None:
        return {"population": 0}
    included = scoring.targeted_scores(targeting=targeting, run=run).values("member_id")
    scores = MemberScore.objects.filter(run=run, visible_to_brands=True)
    topic_ids = [t for t, _ in targeting.topics]
    if topic_ids:
        hidden = TopicHide.objects.filter(member=OuterRef("member_id"), topic=OuterRef("topic_id"))
        rows = MemberTopicScore.objects.filter(
            run=run, visible_to_brands=True, topic_id__in=topic_ids
        ).exclude(Exists(hidden))
        members = rows.values("member_id")
        received = rows.aggregate(total=Sum("actions"))["total"] or 0
        received_in = rows.filter(member_id__in=included).aggregate(t=Sum("actions"))["t"] or 0
        scores = scores.filter(member_id__in=members)
    else:
        received = scores.aggregate(total=Sum("actions_counted"))["total"] or 0
        received_in = (
            scores.filter(member_id__in=included).aggregate(t=Sum("actions_counted"))["t"] or 0
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
