"""The influence model, on arrays. See ``compute`` for the contract.

Nodes are people: ``0 .. n_members-1`` are members (the only ones scored), the rest are
anonymous actors. Unknown actors (``actor == -1``) are nobody in particular: their actions
count as engagement, never as a distinct person.

Why it is monotone (PRODUCT.md property 1 and 2): every quantity below is a sum of
non-negative, non-decreasing functions of the action weights, and influence is the K-th
iterate, from the base weight, of ``I = b + d * A^T g(I)`` with ``A >= 0`` and ``g``
increasing. Adding an action raises one entry of ``A`` (or one unknown weight), so every
iterate, and so every component of every member, can only rise. Nothing is divided by an
out-degree (PageRank's normalisation is what punishes replying to newcomers), nothing is an
average over engagers, and the iteration count is fixed rather than a tolerance, so a
bigger graph can never stop at an earlier, lower iterate.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy import sparse

from scoring.engine.rings import ring_pairs

KINDS = ("share", "reply", "comment", "mention", "like")
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Parameters:
    """An algorithm version's parameters. Changing any of them is a new version."""

    kind_weights: tuple[float, ...] = (3.0, 2.0, 2.0, 1.0, 1.0)  # in KINDS order
    half_life_days: float = 30.0
    window_days: float = 90.0
    # Rule "one actor, many actions": what one person gives one member saturates at this.
    pair_cap: float = 6.0
    # Rule "bursts": what unknown people give one member within one minute saturates at
    # this, so a flood of nameless engagement adds little.
    burst_cap: float = 10.0
    # Rule "rings" (engine/rings.py): accounts that give and get at least ``ring_share`` of
    # their engagement inside a group of at least ``ring_min_size`` others do not count for
    # the member they act on. 0 turns the rule off (versions stored before it existed).
    ring_min_size: int = 5
    ring_share: float = 0.95
    # Rule "accounts created together": people we do not score (non-members and members who
    # are not scored) whose accounts were created in the same minute on the same network
    # count as one person for each member they act on. False: off (versions stored before).
    created_together_as_one: bool = True
    base_influence: float = 1.0
    damping: float = 0.15
    iterations: int = 12  # relative change below 1e-6 on the Higgs log by then
    component_weights: tuple[float, float, float] = (1.0, 1.0, 1.0)
    # The evidence bar for topics (see engine/topics.py): posts on the topic that someone
    # else acted on, and distinct people who acted on them (or gave +K on the topic).
    topic_min_posts: int = 2
    topic_min_people: int = 3

    def __post_init__(self) -> None:
        if len(self.kind_weights) != len(KINDS) or min(self.kind_weights) < 0:
            raise ValueError("kind_weights: one non-negative weight per kind")
        positive = (self.half_life_days, self.window_days, self.pair_cap, self.burst_cap)
        if min(positive) <= 0 or self.base_influence <= 0:
            raise ValueError("half-life, window, caps and base influence must be positive")
        if not 0 <= self.damping < 1 or self.iterations < 1:
            raise ValueError("damping in [0, 1) and at least one iteration")
        if self.ring_min_size < 0 or not 0 < self.ring_share < 1:
            # (a share of exactly 1 would turn on the last rounding step of a sum)
            raise ValueError("ring_min_size at least 0 (0: off) and ring_share in (0, 1)")
        if self.topic_min_posts < 1 or self.topic_min_people < 1:
            raise ValueError("the topic evidence bar needs at least one post and one person")


@dataclass
class Actions:
    """The action log as arrays, one entry per action."""

    actor: np.ndarray  # int64 node of the actor, -1 for unknown
    subject: np.ndarray  # int64 member node acted on
    kind: np.ndarray  # int8 index into KINDS
    age_seconds: np.ndarray  # float64, at the run's time; negative = in the future
    # int64 key of the minute the actor's account was created (-1: not known); see the rule
    # "accounts created together" in ``compute``.
    cohort: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.subject)


@dataclass
class Result:
    """Per member (index = member node): the three components and the raw score, plus what
    the rules did not count."""

    true_reach: np.ndarray
    amplification: np.ndarray
    network_impact: np.ndarray
    raw: np.ndarray
    influence: np.ndarray  # per node, the fixed point's iterate
    counted_actions: np.ndarray  # actions in the window that count, per member
    given_actions: np.ndarray  # counted actions the member took on other members' posts
    # rule -> (actions affected, weight not counted), per member
    excluded: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    # Per action: its actor is in a ring as seen from its subject (rule "rings"): not counted.
    ring: np.ndarray | None = None
    # Per action: its account counted as one person with others created in the same minute.
    created_together: np.ndarray | None = None


def saturate(x: np.ndarray, cap: float) -> np.ndarray:
    """Equal to x up to half the cap (ordinary engagement counts in full), then rising ever
    more slowly towards ``cap``, never above it. Increasing everywhere, so more engagement
    never counts for less."""
    knee = cap / 2
    over = np.maximum(x - knee, 0.0)
    return np.minimum(x, knee) + knee * -np.expm1(-over / knee)


def action_weights(actions: Actions, p: Parameters) -> np.ndarray:
    """Kind weight times exponential decay, zero outside ``[0, window)`` (an action exactly
    ``window`` old has left it, as the run's loader also reads it)."""
    kind_w = np.asarray(p.kind_weights)[actions.kind]
    age_days = actions.age_seconds / SECONDS_PER_DAY
    decay = np.exp2(-np.clip(age_days, 0, None) / p.half_life_days)
    inside = (age_days >= 0) & (age_days < p.window_days)
    return np.where(inside, kind_w * decay, 0.0)


# An action is reported as "counted only in part" by a rule when the rule removed more than
# this share of the weight of its group (its actor's actions on the member, or its minute).
REPORT_SHARE = 0.1


@dataclass
class _Pairs:
    """The (member, actor) pairs of the named actions, in row order (each member's
    together, actors ascending): keys ``member * n_nodes + actor``, each pair's weight and
    number of actions."""

    keys: np.ndarray
    raw: np.ndarray
    actions: np.ndarray
    member: np.ndarray  # of each pair (the key's row)
    actor: np.ndarray  # of each pair
    indptr: np.ndarray  # where each member's pairs start (CSR row pointers)


def _pairs(weight, actions, known, n_members, n_nodes) -> _Pairs:
    # A sparse matrix sums the duplicates: a counting sort by member, then each member's few
    # actors sorted, several times faster than sorting all the keys. Weight and count ride
    # together as one complex number, so the sort is done once.
    both = sparse.csr_matrix(
        (weight[known] + 1j, (actions.subject[known], actions.actor[known])),
        shape=(n_members, n_nodes),
    )
    both.sum_duplicates()
    row = np.repeat(np.arange(n_members, dtype=np.int64), np.diff(both.indptr))
    data, actor = both.data, both.indices.astype(np.int64)
    return _Pairs(
        keys=row * n_nodes + actor,
        raw=np.ascontiguousarray(data.real),
        actions=np.ascontiguousarray(data.imag),
        member=row,
        actor=actor,
        indptr=both.indptr,
    )


def _pair_matrix(pairs: _Pairs, n_members, n_nodes, p):
    """Per (member, actor) pair: the saturated weight (rule: one actor, many actions), as a
    CSR matrix member x actor, one entry per pair in the pairs' order."""
    kept = saturate(pairs.raw, p.pair_cap)
    return sparse.csr_matrix((kept, pairs.actor, pairs.indptr), shape=(n_members, n_nodes))


def _saturation_report(pairs: _Pairs, kept, shown, n_members):
    """Per member, over the pairs ``shown``: the weight their saturation removed, and the
    actions of the pairs it cut by more than REPORT_SHARE."""
    cut = pairs.raw - kept
    removed = np.bincount(pairs.member, weights=cut * shown, minlength=n_members)
    flagged = (cut > REPORT_SHARE * pairs.raw) & shown
    affected = np.bincount(pairs.member, weights=pairs.actions * flagged, minlength=n_members)
    return affected, removed


def _created_together(subject, account, pair_of, named, kept, n_members):
    """Per pair, whether it is a group of two or more accounts created together acting on
    the member (counted as one person); and per member, those groups' actions and the
    weight their saturation removed. Over the actions of accounts put in groups: ``pair_of``
    is each one's pair (a group's node and the member), ``account`` its own actor."""
    many = np.zeros(named.keys.size, dtype=bool)
    if pair_of.size == 0:
        return many, np.zeros(n_members), np.zeros(n_members)
    span = np.int64(account.max() + 1)
    distinct = np.unique(pair_of * span + account)
    many = np.bincount(distinct // span, minlength=named.keys.size) >= 2
    affected = np.bincount(subject, weights=many[pair_of].astype(float), minlength=n_members)
    removed = np.bincount(named.member, weights=(named.raw - kept) * many, minlength=n_members)
    return many, affected, removed


def _unknown_weight(weight, actions, known, n_members, p):
    """Per member, what unknown people gave, saturated per minute (rule: bursts); plus the
    weight removed and the actions affected."""
    zeros = np.zeros(n_members)
    unknown = ~known
    if not unknown.any():
        return zeros, zeros, zeros
    subject = actions.subject[unknown]
    minute = np.floor(actions.age_seconds[unknown] / 60.0).astype(np.int64)
    key = subject * (int(minute.max()) - int(minute.min()) + 1) + (minute - minute.min())
    buckets, inverse = np.unique(key, return_inverse=True)
    raw = np.bincount(inverse, weights=weight[unknown], minlength=buckets.size)
    kept = saturate(raw, p.burst_cap)
    bucket_subject = np.zeros(buckets.size, dtype=np.int64)
    bucket_subject[inverse] = subject
    given = np.bincount(bucket_subject, weights=kept, minlength=n_members)
    removed = np.bincount(bucket_subject, weights=raw - kept, minlength=n_members)
    flagged = (raw - kept) > REPORT_SHARE * raw
    affected = np.bincount(subject, weights=flagged[inverse].astype(float), minlength=n_members)
    return given, removed, affected


def group_created_together(actions: Actions, n_members: int, n_nodes: int, p: Parameters):
    """Rule "accounts created together": each group of accounts of people we do not score,
    created in the same minute on the same network, acts as one more node numbered from
    ``n_nodes``, of base influence (which such people have anyway), so that the group
    counts as one person: once in True Reach, saturating as one in Amplification. Returns
    the actions with those actors replaced, the new node count, and which actions moved."""
    together = np.zeros(len(actions), dtype=bool)
    if not p.created_together_as_one or actions.cohort is None:
        return actions, n_nodes, together
    known = (actions.actor >= n_members) & (actions.cohort >= 0)
    if not known.any():
        return actions, n_nodes, together
    # An account has one creation minute: the one its actions give (the largest key, should
    # they disagree), for all its actions, also those read without it.
    minute = np.full(n_nodes, -1, dtype=np.int64)
    np.maximum.at(minute, actions.actor[known], actions.cohort[known])
    together = (actions.actor >= n_members) & (minute[np.maximum(actions.actor, 0)] >= 0)
    groups, group = np.unique(minute[actions.actor[together]], return_inverse=True)
    actor = actions.actor.copy()
    actor[together] = n_nodes + group
    return replace(actions, actor=actor), n_nodes + groups.size, together


def compute(actions: Actions, *, n_members: int, n_nodes: int, p: Parameters) -> Result:
    """Score every member from the actions. Same inputs in the same order, same outputs,
    bit for bit."""
    n_people, account = n_nodes, actions.actor
    actions, n_nodes, together = group_created_together(actions, n_members, n_nodes, p)
    weight = action_weights(actions, p)
    is_self = (actions.actor == actions.subject) & (weight > 0)
    excluded_self = np.bincount(
        actions.subject, weights=np.where(is_self, weight, 0.0), minlength=n_members
    )
    self_count = np.bincount(actions.subject, weights=is_self.astype(float), minlength=n_members)
    weight = np.where(is_self, 0.0, weight)
    known = (actions.actor >= 0) & (weight > 0)
    by_member = (weight > 0) & (actions.actor >= 0) & (actions.actor < n_members)
    given = np.bincount(actions.actor[by_member], minlength=n_members)[:n_members]
    named = _pairs(weight, actions, known, n_members, n_nodes)
    pairs = _pair_matrix(named, n_members, n_nodes, p)
    kept = pairs.data  # in the pairs' order
    # The pair of an action is looked up only where a rule needs it (a lookup for every
    # action would cost as much as the rest of the engine).
    at = np.flatnonzero(known & together)  # actions of accounts put in groups
    pair_of = np.searchsorted(named.keys, actions.subject[at] * n_nodes + actions.actor[at])
    grouped, *created_together = _created_together(
        actions.subject[at], account[at], pair_of, named, kept, n_members
    )
    in_group = np.zeros(len(actions), dtype=bool)  # per action: counted with its group
    in_group[at] = grouped[pair_of]
    received = np.bincount(actions.subject, weights=weight, minlength=n_members)
    ring_pair = ring_pairs(named.member, named.actor, named.raw, received, n_members=n_members, p=p)
    ring = np.zeros(len(actions), dtype=bool)  # per action
    if ring_pair.any():  # few pairs: a membership test is cheap
        ring = known & np.isin(actions.subject * n_nodes + actions.actor, named.keys[ring_pair])
    left = ~ring_pair  # the pairs that count for the member acted on
    # One account's many actions are reported under their own rule; groups of accounts
    # created together and rings under theirs.
    affected_pair, removed_pair = _saturation_report(named, kept, left & ~grouped, n_members)
    counted = np.bincount(
        actions.subject, weights=((weight > 0) & ~ring).astype(float), minlength=n_members
    )
    unknown_given, removed_burst, affected_burst = _unknown_weight(
        weight, actions, actions.actor >= 0, n_members, p
    )

    # Influence: the K-th iterate of I = b + d * A^T g(I), from I = b (see the module doc).
    # It takes every pair, rings' too, so it only ever rises. Only members' influence
    # moves; everyone else keeps the base weight.
    base_g = np.log1p(p.base_influence)
    g = np.full(n_nodes, base_g)
    unknown_part = unknown_given * base_g
    for _ in range(p.iterations - 1):
        g[:n_members] = np.log1p(p.base_influence + p.damping * (pairs @ g + unknown_part))
    impact = reached = pairs @ g + unknown_part  # the last iterate
    # A member's own components leave out the rings seen from that member. Every sum is
    # taken in sequence over the member's pairs (as the matrix product adds), so a pair
    # newly left out never moves the others' sum by a rounding step.
    true_reach = np.bincount(named.member, weights=left.astype(float), minlength=n_members)
    amplification = (
        np.bincount(named.member, weights=kept * left, minlength=n_members) + unknown_given
    )
    if ring_pair.any():
        impact = (
            np.bincount(named.member, weights=kept * left * g[named.actor], minlength=n_members)
            + unknown_part
        )
    g[:n_members] = np.log1p(p.base_influence + p.damping * reached)
    influence = np.expm1(g[:n_people])  # the groups' own nodes are not people
    a, b, c = p.component_weights
    raw = a * np.log1p(true_reach) + b * np.log1p(amplification) + c * np.log1p(impact)
    return Result(
        true_reach=true_reach,
        amplification=amplification,
        network_impact=impact,
        raw=raw,
        influence=influence,
        counted_actions=counted,
        given_actions=given.astype(np.float64),
        excluded={
            "self": (self_count, excluded_self),
            "one_actor_many_actions": (affected_pair, removed_pair),
            "created_together": tuple(created_together),  # (affected, removed)
            "burst": (affected_burst, removed_burst),
            "ring": (
                np.bincount(actions.subject[ring], minlength=n_members).astype(np.float64),
                np.bincount(actions.subject[ring], weights=weight[ring], minlength=n_members),
            ),
        },
        ring=ring,
        created_together=in_group,
    )
