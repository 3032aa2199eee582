"""The PostgreSQL fast path of a score run: the actions come out with one binary COPY that
numpy reads in place, and the scores go in with one COPY. SQL is built only from the
models' table names; values travel as parameters or through COPY."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
from django.db import connection

from scoring.engine.model import KINDS
from scoring.models import Action, Member, MemberScore, NetworkAccount

# One row of the binary COPY below: a field count, then (length, value) per column.
_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("l1", ">i4"),
        ("subject", ">i8"),
        ("l2", ">i4"),
        ("actor_member", ">i8"),
        ("l3", ">i4"),
        ("actor_anonymous", ">i8"),
        ("l4", ">i4"),
        ("kind", ">i8"),
        ("l5", ">i4"),
        ("occurred", ">f8"),
        ("l6", ">i4"),
        ("content", ">i8"),
        ("l7", ">i4"),
        ("stored", ">f8"),
        ("l8", ">i4"),
        ("cohort", ">i8"),
    ]
)
_HEADER = 19  # signature (11), flags (4), header extension length (4)


def load_actions_pg(
    *, start: datetime, end: datetime, stored_by: datetime
) -> dict[str, np.ndarray]:
    """Columns of the actions on opted-in members' content with ``start < occurred_at <=
    end`` stored by ``stored_by``, in action id order: subject member, actor member (-1),
    anonymous actor (-1), kind index, occurred time (Unix seconds), post (-1), stored time
    (Unix seconds), the actor account's creation minute key (-1)."""
    kind_case = " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(KINDS))
    a, acc, m = Action._meta.db_table, NetworkAccount._meta.db_table, Member._meta.db_table
    query = (
        f"SELECT s.member_id::int8, coalesce(aa.member_id, -1)::int8, "
        f"coalesce(a.actor_anonymous_id, -1)::int8, "
        f"coalesce(CASE a.kind {kind_case} END, -1)::int8, "
        f"extract(epoch FROM a.occurred_at)::float8, coalesce(a.content_id, -1)::int8, "
        f"extract(epoch FROM a.created_at)::float8, coalesce(a.actor_cohort, -1)::int8 "
        f"FROM {a} a JOIN {acc} s ON s.id = a.subject_id "
        f"JOIN {m} m ON m.id = s.member_id AND m.opted_in_at IS NOT NULL "
        f"LEFT JOIN {acc} aa ON aa.id = a.actor_account_id "
        f"WHERE a.occurred_at > %s AND a.occurred_at <= %s AND a.created_at <= %s "
        f"ORDER BY a.id"
    )
    buffer = bytearray()
    with connection.cursor() as cursor:
        sql = cursor.cursor.mogrify(query, [start, end, stored_by])
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:
            for chunk in copy:
                buffer += chunk
    body = memoryview(buffer)[_HEADER : len(buffer) - 2]  # header and the -1 trailer
    rows = np.frombuffer(body, dtype=_ROW)
    if rows.size and not (rows["fields"] == 8).all():
        raise ValueError("unexpected row layout in the binary COPY of actions")
    rows = rows[rows["kind"] >= 0]  # a kind the engine does not know (the table forbids it)
    return {
        "subject": rows["subject"].astype(np.int64),
        "actor_member": rows["actor_member"].astype(np.int64),
        "actor_anonymous": rows["actor_anonymous"].astype(np.int64),
        "kind": rows["kind"].astype(np.int8),
        "occurred": rows["occurred"].astype(np.float64),
        "content": rows["content"].astype(np.int64),
        "stored": rows["stored"].astype(np.float64),
        "cohort": rows["cohort"].astype(np.int64),
    }


def write_scores_pg(*, run_id: int, columns: dict[str, np.ndarray], excluded: list[dict]) -> None:
    """Insert the run's scores with one COPY (inside the caller's transaction)."""
    table = MemberScore._meta.db_table
    names = (
        "run_id, member_id, score, true_reach, amplification, network_impact, raw, "
        "actions_counted, actions_given, excluded, score_time_only"
    )
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        time_only = columns.get("score_time_only")
        time_only = time_only.tolist() if time_only is not None else None
        for i, member_id in enumerate(columns["member_id"].tolist()):
            copy.write_row(
                (
                    run_id,
                    member_id,
                    int(columns["score"][i]),
                    float(columns["true_reach"][i]),
                    float(columns["amplification"][i]),
                    float(columns["network_impact"][i]),
                    float(columns["raw"][i]),
                    int(columns["actions_counted"][i]),
                    int(columns["actions_given"][i]),
                    json.dumps(excluded[i]),
                    time_only[i] if time_only is not None else None,
                )
            )
