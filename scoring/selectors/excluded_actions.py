"""The very actions each anti-gaming rule did not count (or counted only in part) for a
member in a run, worked out with the engine's own weights, for the member's statement."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from scoring.engine.model import KINDS, REPORT_SHARE, Actions, Parameters, action_weights, saturate
from scoring.models import Action, Member, ScoreRun

# One action as read here: (actor member id, anonymous actor id, kind, occurred at).
Row = tuple


def member_excluded_actions(
    *, member: Member, run: ScoreRun, limit: int = 10, excluded: dict | None = None
) -> dict:
    """The actions each anti-gaming rule did not count (or counted only in part) for this
    member in this run, worked out with the engine's own weights: rule -> up to ``limit``
    actions (kind, time, who), newest first, and how many in all. ``excluded`` is the
    member's stored ``MemberScore.excluded`` of the run: it names the rings' members and the
    accounts counted together (both rules read the whole run, not one member's actions)."""
    p = run.version.engine_parameters()
    rows = _actions_in_window(member, run, timedelta(days=p.window_days))
    if not rows:
        return {}
    age = np.array([(run.as_of - r[3]).total_seconds() for r in rows])
    weight = _engine_weights(rows, age, p)
    left_out, groups = _left_out_by_run_rules(member, rows, age, weight, excluded or {})
    by_rule = {**left_out, **_cut_by_saturation(groups, weight, p)}
    return _newest_by_rule(rows, by_rule, limit)


def _actions_in_window(member: Member, run: ScoreRun, window: timedelta) -> list[Row]:
    """The actions on the member's posts as the run saw them: in its window, stored before
    it started, in action id order (the run's own order)."""
    return list(
        Action.objects.filter(
            subject__member=member,
            occurred_at__gt=run.as_of - window,
            occurred_at__lte=run.as_of,
            created_at__lte=run.started_at,
        )
        .order_by("pk")
        .values_list("actor_account__member", "actor_anonymous", "kind", "occurred_at")
    )


def _engine_weights(rows: list[Row], age: np.ndarray, p: Parameters) -> np.ndarray:
    """Each action's weight by its kind and age, as the engine weighs it before any rule."""
    kinds = {k: i for i, k in enumerate(KINDS)}
    return action_weights(
        Actions(
            actor=np.zeros(len(rows), dtype=np.int64),
            subject=np.zeros(len(rows), dtype=np.int64),
            kind=np.array([kinds[r[2]] for r in rows], dtype=np.int8),
            age_seconds=age,
        ),
        p,
    )


def _left_out_by_run_rules(
    member: Member, rows: list[Row], age: np.ndarray, weight: np.ndarray, excluded: dict
) -> tuple[dict[str, list[int]], dict[tuple, list[int]]]:
    """The weighing actions (by index) that the member's own, ring and created-together
    rules left out, by rule; and the rest in the groups saturation applies to: one person's
    actions, or one minute's actions by unnamed people."""
    ring_actors = set(excluded.get("ring", {}).get("actors", []))
    together = {tuple(a) for a in excluded.get("created_together", {}).get("accounts", [])}
    left_out: dict[str, list[int]] = {"self": [], "ring": [], "created_together": []}
    groups: dict[tuple, list[int]] = {}
    for i, (actor_member, anonymous, _, _) in enumerate(rows):
        if weight[i] <= 0:
            continue
        if actor_member == member.pk:
            left_out["self"].append(i)
        elif actor_member in ring_actors:
            left_out["ring"].append(i)
        elif (actor_member, anonymous) in together:
            left_out["created_together"].append(i)
        elif actor_member or anonymous:
            groups.setdefault(("pair", actor_member, anonymous), []).append(i)
        else:
            groups.setdefault(("burst", int(np.floor(age[i] / 60.0))), []).append(i)
    return left_out, groups


def _cut_by_saturation(
    groups: dict[tuple, list[int]], weight: np.ndarray, p: Parameters
) -> dict[str, list[int]]:
    """The actions of every group whose saturation took away more than the engine's
    reporting share of its weight, by rule."""
    cut: dict[str, list[int]] = {"one_actor_many_actions": [], "burst": []}
    for key, members_of_group in groups.items():
        cap = p.pair_cap if key[0] == "pair" else p.burst_cap
        raw = float(weight[members_of_group].sum())
        if raw - float(saturate(np.array([raw]), cap)[0]) > REPORT_SHARE * raw:
            rule = "one_actor_many_actions" if key[0] == "pair" else "burst"
            cut[rule].extend(members_of_group)
    return cut


def _newest_by_rule(rows: list[Row], by_rule: dict[str, list[int]], limit: int) -> dict:
    """Per rule that left anything out: how many actions, and the newest ``limit``."""
    out = {}
    for rule, indices in by_rule.items():
        if not indices:
            continue
        newest = sorted(indices, key=lambda i: rows[i][3], reverse=True)[:limit]
        out[rule] = {
            "total": len(indices),
            "actions": [
                {"kind": rows[i][2], "occurred_at": rows[i][3], "who": _who(rule, rows[i])}
                for i in newest
            ],
        }
    return out


def _who(rule: str, row: Row) -> str:
    """Who took a left-out action, as the member may see it: never a name."""
    if rule == "self":
        return "you"
    return "someone" if row[0] or row[1] else "an unnamed person"
