"""Per-topic influence and the evidence bar, on arrays. Pure: no Django, no I/O.

A member's score on a topic is made like the overall score, from the actions on the member's
posts about that topic only: True Reach (distinct people), Amplification (how much, with the
same saturation rules) and Network Impact (the same actors' influence from the overall fixed
point). Every part is a sum of non-negative, non-decreasing functions of the actions, and
the actors' influence only rises with more actions, so the guarantees of ``model.compute``
hold per topic too: an action never lowers any member's topic score.

The evidence bar: a member has a topic only when at least ``topic_min_posts`` of their posts
on it were acted on by someone else, and at least ``topic_min_people`` distinct people acted
on them (or gave +K on the topic). Below the bar nothing is shown or stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.engine.model import Actions, Parameters, action_weights, raw_score, saturate


@dataclass
class TopicInput:
    """Which post each action is on, which topics each post is about, and the +K given.

    Posts are numbered ``0 .. n_posts-1``; topics ``0 .. n_topics-1``. ``post_topic_*`` are
    pairs (a post about several topics appears once per topic, ancestors included).
    """

    action_post: np.ndarray  # int64 per action, -1 when the action is on no known post
    post_topic_post: np.ndarray  # int64
    post_topic_topic: np.ndarray  # int64
    n_topics: int
    plus_k_receiver: np.ndarray | None = None  # member node
    plus_k_topic: np.ndarray | None = None
    plus_k_giver: np.ndarray | None = None  # node of the giver (a member)


@dataclass
class TopicResult:
    """One row per (member, topic) with any counted engagement, ordered by member, topic."""

    member: np.ndarray
    topic: np.ndarray
    true_reach: np.ndarray
    amplification: np.ndarray
    network_impact: np.ndarray
    raw: np.ndarray
    posts: np.ndarray  # posts on the topic that someone else acted on
    people: np.ndarray  # distinct people who acted, or gave +K
    actions: np.ndarray  # counted actions on the topic's posts
    plus_k: np.ndarray  # +K received on the topic
    has_evidence: np.ndarray  # bool: meets the evidence bar
    # Per (row, post): distinct people and actions; ordered by row, then most people first.
    evidence_row: np.ndarray
    evidence_post: np.ndarray
    evidence_people: np.ndarray
    evidence_actions: np.ndarray


def _expand(actions_post: np.ndarray, pt_post: np.ndarray, pt_topic: np.ndarray):
    """(action index, topic) for every action on a post, once per topic of the post."""
    order = np.argsort(pt_post, kind="stable")
    pt_post, pt_topic = pt_post[order], pt_topic[order]
    on_post = np.flatnonzero(actions_post >= 0)
    post = actions_post[on_post]
    start = np.searchsorted(pt_post, post, side="left")
    count = np.searchsorted(pt_post, post, side="right") - start
    action = np.repeat(on_post, count)
    first = np.repeat(start, count)
    offset = np.arange(action.size) - np.repeat(np.cumsum(count) - count, count)
    return action, pt_topic[first + offset]


def _group_sum(keys: np.ndarray, weights: np.ndarray):
    """The distinct ``keys`` (sorted), each key's index into them, and per distinct key the
    sum of its ``weights`` (float64)."""
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, inverse, np.bincount(inverse, weights=weights, minlength=unique.size)


@dataclass
class _TopicActions:
    """The counted actions on posts, one entry per (action, topic of its post), in the
    order ``_expand`` gives; all arrays of one length, one element per entry."""

    action: np.ndarray  # int64 index into the actions
    topic: np.ndarray  # int64
    weight: np.ndarray  # float64, > 0
    actor: np.ndarray  # int64 node, -1 for unknown
    post: np.ndarray  # int64
    row: np.ndarray  # int64 index of the entry's (member, topic) row
    known: np.ndarray  # bool: the actor is named


def _topic_actions(actions: Actions, topics: TopicInput, n_topics: int, excluded, p):
    """The actions that count, once per topic of their post: the member's own actions and
    those of rings (``excluded``, bool per action, or None) count for no topic. Returns the
    entries and the rows' keys (int64 ``member * n_topics + topic``, sorted)."""
    weight = action_weights(actions, p)
    weight = np.where(actions.actor == actions.subject, 0.0, weight)
    if excluded is not None:
        weight = np.where(excluded, 0.0, weight)
    action, topic = _expand(topics.action_post, topics.post_topic_post, topics.post_topic_topic)
    w = weight[action]
    keep = w > 0
    action, topic, w = action[keep], topic[keep], w[keep]
    actor = actions.actor[action]
    member_topic = actions.subject[action] * n_topics + topic
    groups, row = np.unique(member_topic, return_inverse=True)
    entries = _TopicActions(
        action=action,
        topic=topic,
        weight=w,
        actor=actor,
        post=topics.action_post[action],
        row=row,
        known=actor >= 0,
    )
    return entries, groups


def _named_components(entries: _TopicActions, influence, n_rows: int, n_nodes: int, p):
    """Per row (float64, ``n_rows``): True Reach, and named people's part of Amplification
    and Network Impact (rule "one actor, many actions", per topic: what one person gives
    saturates). Also the distinct (row, actor) keys (int64 ``row * n_nodes + actor``)."""
    known = entries.known
    pair_key = entries.row[known] * n_nodes + entries.actor[known]
    pairs, _, pair_raw = _group_sum(pair_key, entries.weight[known])
    pair_kept = saturate(pair_raw, p.pair_cap)
    pair_row = pairs // n_nodes
    g = np.log1p(influence)
    true_reach = np.bincount(pair_row, minlength=n_rows).astype(np.float64)
    # (np.bincount of nothing is integer, hence the casts)
    amplification = np.bincount(pair_row, weights=pair_kept, minlength=n_rows).astype(float)
    impact = np.bincount(pair_row, weights=pair_kept * g[pairs % n_nodes], minlength=n_rows).astype(
        float
    )
    return pairs, true_reach, amplification, impact


def _add_nameless(actions: Actions, entries: _TopicActions, amplification, impact, p):
    """Rule "bursts", per topic: nameless engagement saturates per minute. Adds it, in
    place, to each row's Amplification and Network Impact (float64, ``n_rows``)."""
    unknown = ~entries.known
    if not unknown.any():
        return
    minute = np.floor(actions.age_seconds[entries.action[unknown]] / 60.0).astype(np.int64)
    minute -= minute.min()
    span = int(minute.max()) + 1
    key = entries.row[unknown] * span + minute
    buckets, _, bucket_raw = _group_sum(key, entries.weight[unknown])
    bucket_kept = saturate(bucket_raw, p.burst_cap)
    nameless = np.bincount(buckets // span, weights=bucket_kept, minlength=amplification.size)
    amplification += nameless
    impact += nameless * np.log1p(p.base_influence)


def _evidence_posts(entries: _TopicActions, n_topics: int, n_nodes: int):
    """The posts acted on, each with its distinct people and its actions: four int64 arrays
    (row, post, people, actions), ordered by row, then most people, most actions, post."""
    # A post has one author, so (topic, post) names a row's post; people per post do not
    # depend on the topic.
    post, known = entries.post, entries.known
    post_topic = post * n_topics + entries.topic
    row_posts, first = np.unique(post_topic, return_index=True)
    evidence_row = entries.row[first]
    evidence_post = row_posts // n_topics
    post_actions = np.bincount(np.searchsorted(row_posts, post_topic))
    person_post = np.unique(post[known] * n_nodes + entries.actor[known]) // n_nodes
    people_per_post = np.bincount(person_post, minlength=int(post.max(initial=-1)) + 1)
    evidence_people = people_per_post[evidence_post]
    order = np.lexsort((evidence_post, -post_actions, -evidence_people, evidence_row))
    return (
        evidence_row[order],
        evidence_post[order],
        evidence_people[order],
        post_actions[order].astype(np.int64),
    )


def _plus_k_and_people(topics: TopicInput, groups, pairs, n_topics: int, n_nodes: int):
    """Per row (int64, one per key of ``groups``): the +K received on the topic, and the
    distinct people who acted (``pairs``, distinct ``row * n_nodes + actor``) or gave +K."""
    n_rows = groups.size
    people_keys = [pairs]  # (row, actor) pairs already distinct
    plus_k = np.zeros(n_rows, dtype=np.int64)
    if n_rows and topics.plus_k_receiver is not None and topics.plus_k_receiver.size:
        k_key = topics.plus_k_receiver * n_topics + topics.plus_k_topic
        at = np.searchsorted(groups, k_key)
        found = (at < n_rows) & (groups[np.minimum(at, n_rows - 1)] == k_key)
        plus_k = np.bincount(at[found], minlength=n_rows)
        people_keys.append(at[found] * n_nodes + topics.plus_k_giver[found])
    people = np.bincount(np.unique(np.concatenate(people_keys)) // n_nodes, minlength=n_rows)
    return plus_k, people


def compute_topics(
    actions: Actions,
    topics: TopicInput,
    *,
    influence: np.ndarray,
    n_nodes: int,
    p: Parameters,
    excluded: np.ndarray | None = None,
) -> TopicResult:
    """Per (member, topic): components, raw score, evidence counts and the evidence posts.
    ``influence`` is ``Result.influence`` of the overall run on the same actions (float64
    per node); ``excluded`` its ``Result.ring``: actions of rings count for no topic either."""
    n_topics = max(topics.n_topics, 1)
    entries, groups = _topic_actions(actions, topics, n_topics, excluded, p)
    n_rows = groups.size
    pairs, true_reach, amplification, impact = _named_components(
        entries, influence, n_rows, n_nodes, p
    )
    _add_nameless(actions, entries, amplification, impact, p)
    evidence_row, evidence_post, evidence_people, evidence_actions = _evidence_posts(
        entries, n_topics, n_nodes
    )
    posts = np.bincount(evidence_row, minlength=n_rows)
    plus_k, people = _plus_k_and_people(topics, groups, pairs, n_topics, n_nodes)
    return TopicResult(
        member=groups // n_topics,
        topic=groups % n_topics,
        true_reach=true_reach,
        amplification=amplification,
        network_impact=impact,
        raw=raw_score(true_reach, amplification, impact, p),
        posts=posts,
        people=people,
        actions=np.bincount(entries.row, minlength=n_rows),
        plus_k=plus_k,
        has_evidence=(posts >= p.topic_min_posts) & (people >= p.topic_min_people),
        evidence_row=evidence_row,
        evidence_post=evidence_post,
        evidence_people=evidence_people,
        evidence_actions=evidence_actions,
    )
