"""The (member, actor) pairs of the action log: one entry per member and person acting on
them, with the weight and number of their actions. Pure arrays (see ``model.compute``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass
class Pairs:
    """The (member, actor) pairs of the named actions, in row order (each member's
    together, actors ascending): keys ``member * n_nodes + actor`` (int64), each pair's
    weight and number of actions (float64)."""

    keys: np.ndarray
    raw: np.ndarray
    actions: np.ndarray
    member: np.ndarray  # of each pair (the key's row)
    actor: np.ndarray  # of each pair
    indptr: np.ndarray  # where each member's pairs start (CSR row pointers)
    span: int  # the key of (member, actor) is ``member * span + actor``: the node count


def member_actor_pairs(weight, actions, known, n_members: int, n_nodes: int) -> Pairs:
    """The pairs of the actions ``known`` (bool per action: a named actor and some weight),
    from ``weight`` (float64 per action) and ``actions.subject`` / ``actions.actor``
    (int64 member and node per action)."""
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
    return Pairs(
        keys=row * n_nodes + actor,
        raw=np.ascontiguousarray(data.real),
        actions=np.ascontiguousarray(data.imag),
        member=row,
        actor=actor,
        indptr=both.indptr,
        span=n_nodes,
    )
