"""Building the engine's arrays from action records (for files, tests and benchmarks; the
score run builds the same arrays from the database)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from scoring.engine.model import KINDS, Actions
from scoring.ingest.records import ActionRecord

KIND_INDEX = {kind: i for i, kind in enumerate(KINDS)}


@dataclass
class Graph:
    actions: Actions
    member_ids: list[str]  # node i < n_members is member_ids[i]
    n_members: int
    n_nodes: int


def graph_from_records(records: Iterable[ActionRecord], *, now: datetime) -> Graph:
    """Every subject is a member node (numbered first, in order of appearance); every other
    named actor is an anonymous node; unnamed actors are -1."""
    rows = [r for r in records if isinstance(r, ActionRecord)]
    members: dict[str, int] = {}
    for r in rows:
        members.setdefault(r.subject_id, len(members))
    others: dict[str, int] = {}
    actor = np.empty(len(rows), dtype=np.int64)
    for i, r in enumerate(rows):
        if r.actor_id is None:
            actor[i] = -1
        elif r.actor_id in members:
            actor[i] = members[r.actor_id]
        else:
            actor[i] = len(members) + others.setdefault(r.actor_id, len(others))
    stamp = now.timestamp()
    actions = Actions(
        actor=actor,
        subject=np.fromiter((members[r.subject_id] for r in rows), np.int64, len(rows)),
        kind=np.fromiter((KIND_INDEX[r.kind] for r in rows), np.int8, len(rows)),
        age_seconds=np.fromiter(
            (stamp - r.occurred_at.timestamp() for r in rows), float, len(rows)
        ),
    )
    return Graph(actions, list(members), len(members), len(members) + len(others))
