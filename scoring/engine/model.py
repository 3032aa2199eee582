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

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

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
    base_influence: float = 1.0
    damping: float = 0.15
    iterations: int = 20
    component_weights: tuple[float, float, float] = (1.0, 1.0, 1.0)

    def __post_init__(self) -> None:
        if len(self.kind_weights) != len(KINDS) or min(self.kind_weights) < 0:
            raise ValueError("kind_weights: one non-negative weight per kind")
        positive = (self.half_life_days, self.window_days, self.pair_cap, self.burst_cap)
        if min(positive) <= 0 or self.base_influence <= 0:
            raise ValueError("half-life, window, caps and base influence must be positive")
        if not 0 <= self.damping < 1 or self.iterations < 1:
            raise ValueError("damping in [0, 1) and at least one iteration")


@dataclass
class Actions:
    """The action log as arrays, one entry per action."""

    actor: np.ndarray  # int64 node of the actor, -1 for unknown
    subject: np.ndarray  # int64 member node acted on
    kind: np.ndarray  # int8 index into KINDS
    age_seconds: np.ndarray  # float64, at the run's time; negative = in the future

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
    counted_weight: np.ndarray
    excluded: dict[str, np.ndarray] = field(default_factory=dict)  # rule -> weight per member


def _saturate(x: np.ndarray, cap: float) -> np.ndarray:
    """Increasing, concave, equal to x for small x, never above ``cap``."""
    return cap * -np.expm1(-x / cap)


def action_weights(actions: Actions, p: Parameters) -> np.ndarray:
    """Kind weight times exponential decay, zero outside ``[0, window]``."""
    kind_w = np.asarray(p.kind_weights)[actions.kind]
    age_days = actions.age_seconds / SECONDS_PER_DAY
    decay = np.exp2(-np.clip(age_days, 0, None) / p.half_life_days)
    inside = (age_days >= 0) & (age_days <= p.window_days)
    return np.where(inside, kind_w * decay, 0.0)


def compute(actions: Actions, *, n_members: int, n_nodes: int, p: Parameters) -> Result:
    """Score every member from the actions. Same inputs, same outputs, bit for bit."""
    weight = action_weights(actions, p)
    excluded_self = np.bincount(
        actions.subject,
        weights=np.where(actions.actor == actions.subject, weight, 0.0),
        minlength=n_members,
    )
    weight = np.where(actions.actor == actions.subject, 0.0, weight)
    known = actions.actor >= 0

    # Known actors: sum per (actor, subject) pair, then saturate (rule: one actor, many actions).
    pairs = sparse.coo_matrix(
        (weight[known], (actions.actor[known], actions.subject[known])),
        shape=(n_nodes, n_members),
    ).tocsr()
    pairs.sum_duplicates()
    raw_pair = pairs.data.copy()
    pairs.data = _saturate(pairs.data, p.pair_cap)
    saturated_pair = pairs.copy()
    saturated_pair.data = raw_pair - pairs.data
    excluded_pair = np.asarray(saturated_pair.sum(axis=0)).ravel()

    # Unknown people (no identity to saturate per person): what they give one member
    # within one minute saturates (rule: bursts).
    unknown_w, unknown_subject = weight[~known], actions.subject[~known]
    minute = np.floor(actions.age_seconds[~known] / 60.0).astype(np.int64)
    unknown_per_member = np.zeros(n_members)
    excluded_burst = np.zeros(n_members)
    if unknown_w.size:
        buckets, inverse = np.unique(
            np.stack([unknown_subject, minute], axis=1), axis=0, return_inverse=True
        )
        per_minute = np.bincount(inverse.ravel(), weights=unknown_w)
        kept = _saturate(per_minute, p.burst_cap)
        unknown_per_member = np.bincount(buckets[:, 0], weights=kept, minlength=n_members)
        excluded_burst = np.bincount(buckets[:, 0], weights=per_minute - kept, minlength=n_members)

    true_reach = np.asarray((pairs > 0).sum(axis=0)).ravel().astype(np.float64)
    amplification = np.asarray(pairs.sum(axis=0)).ravel() + unknown_per_member

    influence = np.full(n_nodes, p.base_influence)
    base_g = np.log1p(p.base_influence)
    pairs_t = pairs.T.tocsr()
    impact = np.zeros(n_members)
    for _ in range(p.iterations):
        impact = pairs_t @ np.log1p(influence) + unknown_per_member * base_g
        influence = influence.copy()
        influence[:n_members] = p.base_influence + p.damping * impact
    a, b, c = p.component_weights
    raw = a * np.log1p(true_reach) + b * np.log1p(amplification) + c * np.log1p(impact)
    return Result(
        true_reach=true_reach,
        amplification=amplification,
        network_impact=impact,
        raw=raw,
        influence=influence,
        counted_weight=amplification,
        excluded={
            "self": excluded_self,
            "one_actor_many_actions": excluded_pair,
            "burst": excluded_burst,
        },
    )
