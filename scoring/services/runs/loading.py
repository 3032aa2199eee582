"""A score run's input: the action log of its window as engine arrays, read in one snapshot
and numbered the same way every time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import connection, transaction

from scoring.engine.model import KINDS, Actions
from scoring.models import Action, Member
from scoring.services.runs.pg import load_actions_pg

KIND_INDEX = {kind: i for i, kind in enumerate(KINDS)}
COLUMN_NAMES = (
    "subject",
    "actor_member",
    "actor_anonymous",
    "kind",
    "occurred",
    "content",
    "stored",
    "cohort",
)


@dataclass
class RunInput:
    actions: Actions
    member_ids: np.ndarray  # member node i is Member pk member_ids[i]
    n_nodes: int
    action_content: np.ndarray  # Content pk of each action's post, -1 for none
    # Members who acted but are not scored, by id: nodes n_members + i.
    unscored_members: np.ndarray
    action_stored: np.ndarray  # when each action was stored (Unix seconds)
    # Anonymous actors, by id: nodes n_members + len(unscored_members) + i.
    anonymous_actors: np.ndarray

    def account_of(self, node: int) -> list[int | None]:
        """The actor behind a node, as [member id, anonymous actor id] (one of them None)."""
        n_members, n_unscored = len(self.member_ids), len(self.unscored_members)
        if node < n_members:
            return [int(self.member_ids[node]), None]
        if node < n_members + n_unscored:
            return [int(self.unscored_members[node - n_members]), None]
        return [None, int(self.anonymous_actors[node - n_members - n_unscored])]


def _action_columns(start: datetime, end: datetime, stored_by: datetime) -> dict[str, np.ndarray]:
    """The actions on opted-in members' content in ``(start, end]`` stored by
    ``stored_by``, by action id."""
    if connection.vendor == "postgresql":
        return load_actions_pg(start=start, end=end, stored_by=stored_by)
    rows = (
        Action.objects.filter(
            subject__member__opted_in_at__isnull=False,
            occurred_at__gt=start,
            occurred_at__lte=end,
            created_at__lte=stored_by,
        )
        .order_by("pk")
        .values_list(
            "subject__member_id",
            "actor_account__member_id",
            "actor_anonymous_id",
            "kind",
            "occurred_at",
            "content_id",
            "created_at",
            "actor_cohort",
        )
    )
    columns: dict[str, list] = {name: [] for name in COLUMN_NAMES}
    for row in rows.iterator(chunk_size=20_000):
        subject, actor_member, actor_anonymous, kind, when, content, stored, cohort = row
        columns["subject"].append(subject)
        columns["actor_member"].append(-1 if actor_member is None else actor_member)
        columns["actor_anonymous"].append(-1 if actor_anonymous is None else actor_anonymous)
        columns["kind"].append(KIND_INDEX[kind])
        columns["occurred"].append(when.timestamp())
        columns["content"].append(-1 if content is None else content)
        columns["stored"].append(stored.timestamp())
        columns["cohort"].append(-1 if cohort is None else cohort)
    types = {"kind": np.int8, "occurred": np.float64, "stored": np.float64}
    return {
        name: np.asarray(values, dtype=types.get(name, np.int64))
        for name, values in columns.items()
    }


def load_run_input(*, as_of: datetime, window_days: float, stored_by: datetime) -> RunInput:
    """The actions on opted-in members' content inside the window and stored by
    ``stored_by`` (the run's start), as engine arrays, in a fixed order (by action id) so
    that the same data always gives the same scores.

    Members and actions are read in one snapshot, so a member who opts in meanwhile is
    either wholly in the run or wholly out of it.
    """
    member_ids, columns = _read_snapshot(as_of - timedelta(days=window_days), as_of, stored_by)
    columns = _on_members_read(member_ids, columns)
    actor, unscored, anonymous = _actor_nodes(
        member_ids, columns["actor_member"], columns["actor_anonymous"]
    )
    actions = Actions(
        actor=actor,
        subject=np.searchsorted(member_ids, columns["subject"]).astype(np.int64),
        kind=columns["kind"],
        age_seconds=as_of.timestamp() - columns["occurred"],
        cohort=columns["cohort"],
    )
    return RunInput(
        actions,
        member_ids,
        len(member_ids) + len(unscored) + len(anonymous),
        action_content=columns["content"],
        unscored_members=unscored,
        action_stored=columns["stored"],
        anonymous_actors=anonymous,
    )


def _read_snapshot(
    start: datetime, end: datetime, stored_by: datetime
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The opted-in members' ids (ascending) and the action columns, read in one
    transaction: on PostgreSQL a repeatable-read snapshot when this opens the transaction."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # Only the first statement of a transaction may set this (a caller's own
            # transaction, as in the tests, keeps its own isolation).
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        member_ids = np.fromiter(
            Member.objects.filter(opted_in_at__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True),
            dtype=np.int64,
        )
        return member_ids, _action_columns(start, end, stored_by)


def _on_members_read(member_ids: np.ndarray, c: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Belt and braces: an action whose subject is not among the members read is dropped,
    never credited to a neighbour."""
    at = np.searchsorted(member_ids, c["subject"])
    last = max(len(member_ids) - 1, 0)
    present = (at < len(member_ids)) & (
        member_ids[np.minimum(at, last)] == c["subject"] if len(member_ids) else False
    )
    return {name: values[present] for name, values in c.items()}


def _actor_nodes(
    member_ids: np.ndarray, am: np.ndarray, an: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The node of each action's actor (-1 for nobody known), the ids of the members who act
    but are not scored, and of the anonymous actors. Members who act are their member node;
    members not scored and anonymous people are further nodes, numbered in id order."""
    n_members = len(member_ids)
    actor = np.full(len(am), -1, dtype=np.int64)
    pos = np.searchsorted(member_ids, am)
    scored = (am >= 0) & (pos < n_members) & (member_ids[np.minimum(pos, n_members - 1)] == am)
    actor[scored] = pos[scored]
    unscored = (am >= 0) & ~scored
    others = np.unique(am[unscored])
    actor[unscored] = n_members + np.searchsorted(others, am[unscored])
    named = an >= 0
    anonymous = np.unique(an[named])
    actor[named] = n_members + len(others) + np.searchsorted(anonymous, an[named])
    return actor, others, anonymous
