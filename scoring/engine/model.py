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

from scoring.engine.pairs import Pairs, member_actor_pairs
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


def _pair_matrix(pairs: Pairs, n_members, n_nodes, p):
    """Per (member, actor) pair: the saturated weight (rule: one actor, many actions), as a
    CSR matrix member x actor, one entry per pair in the pairs' order."""
    kept = saturate(pairs.raw, p.pair_cap)
    return sparse.csr_matrix((kept, pairs.actor, pairs.indptr), shape=(n_members, n_nodes))


def _saturation_report(pairs: Pairs, kept, shown, n_members):
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


def _leave_out_self_actions(actions: Actions, weight: np.ndarray, n_members: int):
    """A member's actions on their own posts count for nothing. ``weight`` (float64 per
    action) -> the weights with those at 0 (a new array, the input is left alone), and per
    member (float64, ``n_members``) the ``(actions, weight)`` left out."""
    is_self = (actions.actor == actions.subject) & (weight > 0)
    excluded_self = np.bincount(
        actions.subject, weights=np.where(is_self, weight, 0.0), minlength=n_members
    )
    self_count = np.bincount(actions.subject, weights=is_self.astype(float), minlength=n_members)
    return np.where(is_self, 0.0, weight), (self_count, excluded_self)


def _created_together_actions(actions, account, together, known, named, kept, n_members):
    """Rule "accounts created together" (after ``group_created_together``): ``account`` is
    each action's own actor (int64 per action), ``together`` (bool per action) the actions
    moved to a group's node, ``kept`` the saturated weight per pair. Returns per pair (bool)
    the groups of two or more accounts, per action (bool) those counted with their group,
    and the rule's per-member ``(affected, removed)`` (float64, ``n_members``)."""
    # The pair of an action is looked up only where a rule needs it (a lookup for every
    # action would cost as much as the rest of the engine).
    at = np.flatnonzero(known & together)  # actions of accounts put in groups
    pair_of = np.searchsorted(named.keys, actions.subject[at] * named.span + actions.actor[at])
    grouped, *report = _created_together(
        actions.subject[at], account[at], pair_of, named, kept, n_members
    )
    in_group = np.zeros(len(actions), dtype=bool)  # per action: counted with its group
    in_group[at] = grouped[pair_of]
    return grouped, in_group, tuple(report)


def _ring_actions(actions: Actions, weight, known, named: Pairs, n_members: int, p):
    """Rule "rings" (engine/rings.py): per pair (bool, in the pairs' order) and per action
    (bool), whether the actor is in a ring as seen from the member acted on."""
    received = np.bincount(actions.subject, weights=weight, minlength=n_members)
    ring_pair = ring_pairs(named.member, named.actor, named.raw, received, n_members=n_members, p=p)
    ring = np.zeros(len(actions), dtype=bool)  # per action
    if ring_pair.any():  # few pairs: a membership test is cheap
        keys = actions.subject * named.span + actions.actor
        ring = known & np.isin(keys, named.keys[ring_pair])
    return ring_pair, ring


def _counted_actions(actions: Actions, weight, ring, n_members: int) -> np.ndarray:
    """Per member (float64, ``n_members``): the actions in the window that count."""
    counted = (weight > 0) & ~ring
    return np.bincount(actions.subject, weights=counted.astype(float), minlength=n_members)


def _actions_given(actions: Actions, weight, n_members: int) -> np.ndarray:
    """Per member (float64, ``n_members``): the counted actions they took on members'
    posts."""
    by_member = (weight > 0) & (actions.actor >= 0) & (actions.actor < n_members)
    given = np.bincount(actions.actor[by_member], minlength=n_members)[:n_members]
    return given.astype(np.float64)


def _ring_report(actions: Actions, weight, ring, n_members: int):
    """Per member (float64, ``n_members``): the actions of rings not counted, their weight."""
    return (
        np.bincount(actions.subject[ring], minlength=n_members).astype(np.float64),
        np.bincount(actions.subject[ring], weights=weight[ring], minlength=n_members),
    )


def _influence_iterates(pairs, unknown_given, n_members: int, n_nodes: int, p: Parameters):
    """Influence: the K-th iterate of I = b + d * A^T g(I), from I = b (see the module doc).
    It takes every pair, rings' too, so it only ever rises. Only members' influence moves;
    everyone else keeps the base weight. ``pairs`` is A (CSR, member x node), ``unknown_given``
    (float64 per member) what unknown people gave. Returns ``g`` (float64 per node, g of
    the (K-1)-th iterate, to update in place), ``reached`` (float64 per member, A g plus
    unknown people's part: the K-th iterate's sum) and that unknown part."""
    base_g = np.log1p(p.base_influence)
    g = np.full(n_nodes, base_g)
    unknown_part = unknown_given * base_g
    for _ in range(p.iterations - 1):
        g[:n_members] = np.log1p(p.base_influence + p.damping * (pairs @ g + unknown_part))
    return g, pairs @ g + unknown_part, unknown_part


def _components(named: Pairs, kept, left, g, reached, unknown, n_members: int):
    """Per member (float64, ``n_members``): True Reach, Amplification and Network Impact.
    A member's own components leave out the rings seen from that member (``left``: bool per
    pair, the pairs that count). ``unknown``: ``(given, part)`` of unknown people, from
    ``_unknown_weight`` and ``_influence_iterates``."""
    unknown_given, unknown_part = unknown
    # Every sum is taken in sequence over the member's pairs (as the matrix product adds),
    # so a pair newly left out never moves the others' sum by a rounding step.
    true_reach = np.bincount(named.member, weights=left.astype(float), minlength=n_members)
    amplification = (
        np.bincount(named.member, weights=kept * left, minlength=n_members) + unknown_given
    )
    impact = reached
    if not left.all():
        impact = (
            np.bincount(named.member, weights=kept * left * g[named.actor], minlength=n_members)
            + unknown_part
        )
    return true_reach, amplification, impact


def raw_score(true_reach, amplification, impact, p: Parameters) -> np.ndarray:
    """The raw score (float64, elementwise): the components' logs, weighted."""
    a, b, c = p.component_weights
    return a * np.log1p(true_reach) + b * np.log1p(amplification) + c * np.log1p(impact)


@dataclass
class _Rules:
    """What the rules decided: the pairs that count for their member (``left``, bool per
    pair), the actions of rings and of groups created together (bool per action), what
    unknown people gave after the burst rule (float64 per member), and per rule the
    per-member ``(affected, removed)`` report (float64, ``n_members``)."""

    left: np.ndarray
    ring: np.ndarray
    in_group: np.ndarray
    unknown_given: np.ndarray
    excluded: dict[str, tuple[np.ndarray, np.ndarray]]


def _apply_rules(actions, account, together, weight, known, named, kept, n_members, p):
    """Every rule but "self" (done on the weights before): accounts created together, rings,
    one actor's many actions, bursts. Arguments as for ``_created_together_actions``."""
    grouped, in_group, created_together = _created_together_actions(
        actions, account, together, known, named, kept, n_members
    )
    ring_pair, ring = _ring_actions(actions, weight, known, named, n_members, p)
    left = ~ring_pair  # the pairs that count for the member acted on
    unknown_given, removed_burst, affected_burst = _unknown_weight(
        weight, actions, actions.actor >= 0, n_members, p
    )
    excluded = {
        # One account's many actions are reported under their own rule; groups of accounts
        # created together and rings under theirs.
        "one_actor_many_actions": _saturation_report(named, kept, left & ~grouped, n_members),
        "created_together": created_together,  # (affected, removed)
        "burst": (affected_burst, removed_burst),
        "ring": _ring_report(actions, weight, ring, n_members),
    }
    return _Rules(left, ring, in_group, unknown_given, excluded)


def compute(actions: Actions, *, n_members: int, n_nodes: int, p: Parameters) -> Result:
    """Score every member from the actions. Same inputs in the same order, same outputs,
    bit for bit. Subjects are member nodes ``0 .. n_members-1``, actors nodes below
    ``n_nodes`` or -1 (unknown); every array of the Result is float64 per member except
    ``influence`` (per node) and ``ring`` / ``created_together`` (bool per action)."""
    n_people, account = n_nodes, actions.actor
    actions, n_nodes, together = group_created_together(actions, n_members, n_nodes, p)
    weight, excluded_self = _leave_out_self_actions(actions, action_weights(actions, p), n_members)
    known = (actions.actor >= 0) & (weight > 0)
    named = member_actor_pairs(weight, actions, known, n_members, n_nodes)
    pairs = _pair_matrix(named, n_members, n_nodes, p)
    kept = pairs.data  # in the pairs' order
    rules = _apply_rules(actions, account, together, weight, known, named, kept, n_members, p)
    unknown_given = rules.unknown_given
    g, reached, unknown_part = _influence_iterates(pairs, unknown_given, n_members, n_nodes, p)
    true_reach, amplification, impact = _components(
        named, kept, rules.left, g, reached, (unknown_given, unknown_part), n_members
    )
    g[:n_members] = np.log1p(p.base_influence + p.damping * reached)  # the K-th iterate
    return Result(
        true_reach=true_reach,
        amplification=amplification,
        network_impact=impact,
        raw=raw_score(true_reach, amplification, impact, p),
        influence=np.expm1(g[:n_people]),  # the groups' own nodes are not people
        counted_actions=_counted_actions(actions, weight, rules.ring, n_members),
        given_actions=_actions_given(actions, weight, n_members),
        excluded={"self": excluded_self} | rules.excluded,
        ring=rules.ring,
        created_together=rules.in_group,
    )
