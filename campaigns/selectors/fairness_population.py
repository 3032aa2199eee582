"""The fairness report's population as arrays: one row per member a brand could ever reach
(opted in, visible to brands) with evidence in the campaign's topics in the given run (every
such member with a score when the campaign has no topic), read in one query.

Each member's row: the score, the engagement received on the topics (all counted actions
when there is no topic) and given, the counted actions received, the account-age band, the
connected networks (how many, whether one is the campaign's, the first connected) and, per
campaign topic, whether the topic score reaches its minimum; then whether the eligibility
engine's query admits the member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import connection

from campaigns.models import Campaign
from campaigns.selectors.eligibility import eligible_scores
from scoring.models import Member as MemberModel
from scoring.models import MemberScore, MemberTopicScore, NetworkAccount, TopicHide

AGE_CUTS = (30, 180, 365)  # days: the account-age bands' boundaries
AGE_LABELS = np.array(["0-29", "30-179", "180-364", "365+"], dtype=object)
# Where the query's columns are: the fixed ones, then one topic flag per campaign topic.
FIXED_COLUMNS = 9
_AGE_BAND_SQL = (
    "CASE WHEN m.created_at > %s THEN 0 WHEN m.created_at > %s THEN 1 "
    "WHEN m.created_at > %s THEN 2 ELSE 3 END"
)


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


def fairness_population(*, campaign: Campaign, run, now: datetime) -> Population:
    """The population's rows in one query: scores, engagement, per-topic flags, networks
    (a window over the member's accounts) and the account-age band (``now`` dates it);
    then the eligibility engine's admitted members."""
    wanted = list(campaign.topics.values_list("topic_id", "min_topic_score").order_by("pk"))
    cuts = [now - timedelta(days=d) for d in AGE_CUTS]
    with connection.cursor() as cursor:
        cursor.execute(_population_sql(campaign, wanted), [*cuts, run.pk])
        rows = cursor.fetchall()
    return _population_arrays(campaign, wanted, rows)


def _networks_sql(campaign: Campaign) -> str:
    """Per network account: how many the member has, whether one is on the campaign's
    networks, and its rank in the order they were connected (1: the first)."""
    slugs = [n for n in campaign.networks if n.replace("-", "").replace("_", "").isalnum()]
    listed = ", ".join(f"'{n}'" for n in slugs) or "''"
    return (
        f"SELECT member_id, network, count(*) OVER (PARTITION BY member_id) AS n, "  # noqa: S608
        f"max(CASE WHEN network IN ({listed}) THEN 1 ELSE 0 END) "
        f"OVER (PARTITION BY member_id) AS ok, row_number() OVER (PARTITION BY member_id "
        f"ORDER BY connected_at, id) AS rn FROM {NetworkAccount._meta.db_table}"
    )


def _topics_sql(wanted: list[tuple[int, int]]) -> tuple[str, str, str]:
    """The topic parts of the query: the per-topic flag columns, the engagement received,
    and the join to the topic scores the member has not hidden (none without topics)."""
    flags = "".join(
        f", max(CASE WHEN t.topic_id = {int(tid)} AND t.score >= {int(mn)} THEN 1 ELSE 0 END)"
        for tid, mn in wanted
    )
    if not wanted:
        return flags, "max(s.actions_counted)", ""
    t, h = MemberTopicScore._meta.db_table, TopicHide._meta.db_table
    in_topics = ", ".join(str(int(tid)) for tid, _ in wanted)
    topic_join = (
        f"JOIN {t} t ON t.run_id = s.run_id AND t.member_id = s.member_id "  # noqa: S608
        f"AND t.topic_id IN ({in_topics}) AND NOT EXISTS (SELECT 1 FROM {h} h "
        f"WHERE h.member_id = t.member_id AND h.topic_id = t.topic_id)"
    )
    return flags, "sum(t.actions)", topic_join


def _population_sql(campaign: Campaign, wanted: list[tuple[int, int]]) -> str:
    """The population's query. Its parameters: the three age cuts, then the run id."""
    s, m = MemberScore._meta.db_table, MemberModel._meta.db_table
    flags, received, topic_join = _topics_sql(wanted)
    # Table names come from the models; numbers and network slugs are checked above; the
    # times and the run id are parameters.
    return (
        f"SELECT s.member_id, max(s.score), {received}, max(s.actions_given), "  # noqa: S608
        f"max(s.actions_counted), max({_AGE_BAND_SQL}), coalesce(max(x.n), 0), "
        f"coalesce(max(x.ok), 0), max(x.network){flags} "
        f"FROM {s} s JOIN {m} m ON m.id = s.member_id {topic_join} "
        f"LEFT JOIN ({_networks_sql(campaign)}) x ON x.member_id = s.member_id AND x.rn = 1 "
        f"WHERE s.run_id = %s AND s.visible_to_brands GROUP BY s.member_id ORDER BY s.member_id"
    )


def _population_arrays(campaign: Campaign, wanted, rows: list[tuple]) -> Population:
    """The query's rows as one array per column (missing values as 0), and who of them
    the targeting admits (the eligibility engine's query)."""
    n = len(rows)
    cols = list(zip(*rows, strict=True)) if rows else [()] * (FIXED_COLUMNS + len(wanted))

    def column(i, dtype):
        return np.fromiter((v or 0 for v in cols[i]), dtype, n)

    member_id = column(0, np.int64)
    included_ids = np.fromiter(
        eligible_scores(campaign=campaign).order_by().values_list("member_id", flat=True), np.int64
    )
    topic_ok = np.zeros((n, len(wanted)), dtype=bool)
    for i in range(len(wanted)):
        topic_ok[:, i] = np.fromiter(cols[FIXED_COLUMNS + i], np.int64, n).astype(bool)
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
