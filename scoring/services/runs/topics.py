"""The topic part of a score run: which posts are about which topics, the +K given, and
writing each member's topic scores with their evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings

from scoring.engine import calibration
from scoring.engine.topics import TopicInput, TopicResult
from scoring.models import (
    AlgorithmVersion,
    ContentTopic,
    Member,
    MemberTopicScore,
    PlusK,
    ScoreRun,
    Topic,
)
from scoring.models.topics import MAX_TOPIC_DEPTH

EVIDENCE_POSTS = 5  # posts kept per member and topic as the shown evidence


@dataclass
class RunTopics:
    topics: TopicInput
    topic_ids: np.ndarray  # topic index -> Topic pk
    post_ids: np.ndarray  # post index -> Content pk
    extra_nodes: int  # +K givers who are in no action: nodes after the run's own


def _lookup(ids: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``values`` in the sorted ``ids``, and whether each is there."""
    if ids.size == 0:
        return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
    at = np.searchsorted(ids, values)
    found = ids[np.minimum(at, ids.size - 1)] == values
    return at, found


def _post_topic_pairs(post_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(post index, topic index) pairs for the posts, ancestors included (an inactive
    ancestor is left out); and the topic pks, by index."""
    parent_pk = dict(Topic.objects.filter(is_active=True).values_list("pk", "parent_id"))
    topic_ids = np.array(sorted(parent_pk), dtype=np.int64)
    index_of = {pk: i for i, pk in enumerate(topic_ids.tolist())}
    # the parent's index of each topic, -1 for a root or an inactive parent
    parent = np.array([index_of.get(parent_pk[pk], -1) for pk in topic_ids.tolist()], np.int64)
    matches = ContentTopic.objects.filter(topic__is_active=True).values_list(
        "content_id", "topic_id"
    )
    pairs = np.array(list(matches.iterator(chunk_size=50_000)), dtype=np.int64).reshape(-1, 2)
    post, on_post = _lookup(post_ids, pairs[:, 0])
    topic, active = _lookup(topic_ids, pairs[:, 1])
    keep = on_post & active
    post, topic = post[keep], topic[keep]
    n = max(len(topic_ids), 1)
    keys = [post * n + topic]
    for _ in range(MAX_TOPIC_DEPTH - 1):
        topic = parent[topic]
        has = topic >= 0
        post, topic = post[has], topic[has]
        keys.append(post * n + topic)
    unique = np.unique(np.concatenate(keys))
    return unique // n, unique % n, topic_ids


def load_run_topics(*, data, as_of: datetime, window_days: float, stored_by: datetime) -> RunTopics:
    """The topic input of a run (``data`` is its ``RunInput``): posts numbered by Content
    pk, topics by Topic pk, +K given inside the run's window and stored by its start."""
    post_ids = np.unique(data.action_content[data.action_content >= 0])
    action_post = np.where(
        data.action_content >= 0, np.searchsorted(post_ids, data.action_content), -1
    )
    pt_post, pt_topic, topic_ids = _post_topic_pairs(post_ids)
    members = data.member_ids
    plus_k = PlusK.objects.filter(
        given_at__gt=as_of - timedelta(days=window_days), given_at__lte=min(as_of, stored_by)
    ).order_by("pk")
    given = np.array(
        list(plus_k.values_list("receiver_id", "topic_id", "giver_id")), dtype=np.int64
    ).reshape(-1, 3)
    receiver, topic, giver = given[:, 0], given[:, 1], given[:, 2]
    at_r, scored = _lookup(members, receiver)
    at_t, active = _lookup(topic_ids, topic)
    ok = scored & active
    giver, at_r, at_t = giver[ok], at_r[ok], at_t[ok]
    giver_node, extra = _giver_nodes(giver, data)
    return RunTopics(
        topics=TopicInput(
            action_post=action_post.astype(np.int64),
            post_topic_post=pt_post,
            post_topic_topic=pt_topic,
            n_topics=len(topic_ids),
            plus_k_receiver=at_r.astype(np.int64),
            plus_k_topic=at_t.astype(np.int64),
            plus_k_giver=giver_node,
        ),
        topic_ids=topic_ids,
        post_ids=post_ids,
        extra_nodes=extra,
    )


def _giver_nodes(giver: np.ndarray, data) -> tuple[np.ndarray, int]:
    """The node of each +K giver: their member node, their node as an unscored actor, or a
    new node after the run's own (a member who gave +K but took no action)."""
    node = np.full(len(giver), -1, dtype=np.int64)
    at, scored = _lookup(data.member_ids, giver)
    node[scored] = at[scored]
    at_o, acted = _lookup(data.unscored_members, giver)
    acted &= ~scored
    node[acted] = len(data.member_ids) + at_o[acted]
    rest = node < 0
    new = np.unique(giver[rest])
    node[rest] = data.n_nodes + np.searchsorted(new, giver[rest])
    return node, len(new)


def _topic_calibration(version: AlgorithmVersion, raw: np.ndarray) -> np.ndarray:
    """Frozen like the overall calibration (see writing.version_calibration), on topic
    scores."""
    if version.topic_calibration is not None:
        return np.asarray(version.topic_calibration)
    breakpoints = calibration.fit(raw)
    if raw.size >= settings.SCORE_CALIBRATION_MIN_MEMBERS:
        version.topic_calibration = breakpoints.tolist()
        version.save(update_fields=["topic_calibration"])
    return breakpoints


def write_topic_scores(
    *,
    run: ScoreRun,
    version: AlgorithmVersion,
    data,
    topics: RunTopics,
    result: TopicResult,
    member_scores: np.ndarray,
) -> int:
    """Write the rows over the evidence bar (inside the caller's transaction); returns how
    many. ``member_scores`` are the run's overall scores by member node. Members who left
    while the run computed are skipped."""
    existing = np.fromiter(Member.objects.values_list("pk", flat=True), dtype=np.int64)
    live_topics = np.fromiter(Topic.objects.values_list("pk", flat=True), dtype=np.int64)
    shown = np.flatnonzero(
        result.has_evidence
        & np.isin(data.member_ids[result.member], existing)
        & np.isin(topics.topic_ids[result.topic], live_topics)
    )
    if shown.size == 0:
        return 0
    scores = calibration.apply(result.raw[shown], _topic_calibration(version, result.raw[shown]))
    evidence = _evidence(result, topics.post_ids, set(shown.tolist()))
    rows = [
        MemberTopicScore(
            run=run,
            member_id=int(data.member_ids[result.member[i]]),
            topic_id=int(topics.topic_ids[result.topic[i]]),
            score=int(score),
            true_reach=float(result.true_reach[i]),
            amplification=float(result.amplification[i]),
            network_impact=float(result.network_impact[i]),
            raw=float(result.raw[i]),
            posts=int(result.posts[i]),
            people=int(result.people[i]),
            actions=int(result.actions[i]),
            plus_k=int(result.plus_k[i]),
            evidence=evidence.get(int(i), []),
            member_score=int(member_scores[result.member[i]]),
        )
        for i, score in zip(shown.tolist(), scores.tolist(), strict=True)
    ]
    MemberTopicScore.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _evidence(result: TopicResult, post_ids: np.ndarray, rows: set[int]) -> dict[int, list]:
    out: dict[int, list] = {}
    for row, post, people, actions in zip(
        result.evidence_row.tolist(),
        result.evidence_post.tolist(),
        result.evidence_people.tolist(),
        result.evidence_actions.tolist(),
        strict=True,
    ):
        if row in rows and len(out.setdefault(row, [])) < EVIDENCE_POSTS:
            out[row].append({"content": int(post_ids[post]), "people": people, "actions": actions})
    return out
