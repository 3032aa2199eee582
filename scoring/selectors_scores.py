"""Reads of scores: the current score, its history and its statement. Readers see only the
latest complete, non-shadow run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.db.models import Count, QuerySet

from scoring.engine.model import KINDS, REPORT_SHARE, Actions, action_weights, saturate
from scoring.models import Action, Member, MemberScore, ScoreRun, Visibility

RULE_SENTENCES = {
    "self": "{n} of your actions on your own posts are not counted (rule: your own actions).",
    "one_actor_many_actions": (
        "{n} actions by people who acted on your posts many times count only in part "
        "(rule: one person's actions on you saturate)."
    ),
    "burst": (
        "{n} actions by unnamed people in bursts count only in part "
        "(rule: nameless actions within one minute saturate)."
    ),
    "ring": (
        "{n} actions by accounts that act almost only on each other are not counted "
        "(rule: rings do not lift their members)."
    ),
    "created_together": (
        "{n} actions by accounts created in the same minute as each other count as one "
        "person's (rule: accounts created together count once)."
    ),
}


def live_runs() -> QuerySet[ScoreRun]:
    return ScoreRun.objects.filter(status=ScoreRun.Status.COMPLETE, is_shadow=False)


def latest_run() -> ScoreRun | None:
    """The run members see: the live run computed at the latest time (a slow run of an
    earlier time, finishing late, does not replace a newer one)."""
    return live_runs().order_by("-as_of", "-pk").select_related("version").first()


def member_score(*, member: Member) -> MemberScore | None:
    run = latest_run()
    if run is None or not member.is_opted_in:
        return None
    return MemberScore.objects.filter(run=run, member=member).select_related("run__version").first()


def member_score_history(*, member: Member, limit: int = 60) -> list[MemberScore]:
    rows = (
        MemberScore.objects.filter(
            member=member, run__status=ScoreRun.Status.COMPLETE, run__is_shadow=False
        )
        .select_related("run__version")
        .order_by("-run__as_of")[:limit]
    )
    return list(reversed(rows))


@dataclass
class Statement:
    current: MemberScore
    previous: MemberScore | None
    change: int | None
    headline: str
    reasons: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    contributors: list[dict] = field(default_factory=list)
    excluded_actions: dict = field(default_factory=dict)
    # points of the change from new actions and from time alone, when the run split them
    change_parts: dict | None = None


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _received(member: Member, start, end) -> int:
    return Action.objects.filter(
        subject__member=member, occurred_at__gt=start, occurred_at__lte=end
    ).count()


def _imported(member: Member, previous: ScoreRun, current: ScoreRun) -> int:
    """Actions on the member's posts stored between the two runs and inside the current
    run's time: new to the score, whenever they happened."""
    window = timedelta(days=float(current.version.parameters.get("window_days", 90)))
    return Action.objects.filter(
        subject__member=member,
        created_at__gt=previous.started_at,
        created_at__lte=current.started_at,
        occurred_at__gt=current.as_of - window,
        occurred_at__lte=current.as_of,
    ).count()


def _headline(current: MemberScore, previous: MemberScore | None) -> tuple[int | None, str]:
    if previous is None:
        return None, f"Your score is {current.score}. This is your first score."
    change = current.score - previous.score
    people = int(current.true_reach - previous.true_reach)
    if change == 0:
        sentence = f"Your score stayed at {current.score}"
    else:
        verb = "rose" if change > 0 else "fell"
        sentence = f"Your score {verb} {_plural(abs(change), 'point', 'points')}"
    if people:
        more = "more" if people > 0 else "fewer"
        who = "person" if abs(people) == 1 else "people"
        return change, f"{sentence}: {abs(people):,} {more} {who} acted on your posts."
    return change, f"{sentence}."


def _reasons(member: Member, current: MemberScore, previous: MemberScore | None) -> list[str]:
    if previous is None:
        return []
    reasons = []
    before, now = previous.run, current.run
    if before.version_id != now.version_id:
        reasons.append(_version_switch_reason(member, previous, now))
    window = timedelta(days=float(now.version.parameters.get("window_days", 90)))
    window_before = timedelta(days=float(before.version.parameters.get("window_days", 90)))
    new = _imported(member, before, now)
    left = _received(member, before.as_of - window_before, now.as_of - window)
    same_version = before.version_id == now.version_id
    half_life = now.version.parameters.get("half_life_days", 30)
    parts = _change_parts(current, previous)
    if parts is not None:  # the run scored the member again on the previous run's data
        by_time, by_new = parts["time"], parts["new_actions"]
        if new or by_new:
            reasons.append(
                f"{_points(by_new)} from {_plural(new, 'new action', 'new actions')} on your "
                "posts since then."
            )
        if by_time or left:
            aged = f"; {_plural(left, 'action', 'actions')} left the {window.days}-day window"
            reasons.append(
                f"{_points(by_time)} from time alone: older actions weigh less as they age "
                f"(half-life {half_life} days){aged if left else ''}."
            )
        return reasons
    if new:
        reasons.append(f"{_plural(new, 'new action', 'new actions')} on your posts since then.")
    if left:
        days = window.days
        reasons.append(
            f"{_plural(left, 'action', 'actions')} became older than {days} days and no "
            "longer count."
        )
    if not new and not left and same_version and current.raw < previous.raw:
        reasons.append(
            f"No new actions: older actions weigh less as they age (half-life {half_life} days)."
        )
    return reasons


def _change_parts(current: MemberScore, previous: MemberScore | None) -> dict | None:
    """The change split into points from new actions and from time alone, when this run
    scored the member again on its baseline's data (the previous run, same version)."""
    if (
        previous is None
        or current.score_time_only is None
        or current.run.baseline_id != previous.run_id
    ):
        return None
    return {
        "new_actions": current.score - current.score_time_only,
        "time": current.score_time_only - previous.score,
    }


def _points(n: int) -> str:
    return f"{n:+d} {'point' if abs(n) == 1 else 'points'}"


def _version_switch_reason(member: Member, previous: MemberScore, now: ScoreRun) -> str:
    """A version switch, with its own share of the change when the new version's shadow run
    scored the member at the time of their previous score (same data, new version)."""
    sentence = (
        f"The scoring algorithm changed from {previous.run.version.name} to "
        f"{now.version.name} (a version switch; see its description)"
    )
    shadow = (
        MemberScore.objects.filter(
            member=member,
            run__version=now.version,
            run__is_shadow=True,
            run__status=ScoreRun.Status.COMPLETE,
            run__as_of=previous.run.as_of,
        )
        .order_by("-run__pk")
        .first()
    )
    if shadow is None:
        return sentence + "."
    effect = shadow.score - previous.score
    return (
        f"{sentence}: at the time of your previous score it moves your score by "
        f"{effect:+d} {'point' if abs(effect) == 1 else 'points'} ({previous.score} under "
        f"{previous.run.version.name}, {shadow.score} under {now.version.name}); the rest of "
        "the change comes from your data and time."
    )


def _excluded(current: MemberScore) -> list[str]:
    return [
        RULE_SENTENCES.get(rule, "{n} actions not counted by rule " + rule).format(
            n=f"{facts['actions']:,}"
        )
        for rule, facts in sorted(current.excluded.items())
    ]


def _contributors(member: Member, run: ScoreRun, limit: int = 5) -> list[dict]:
    """Who acted most on the member's posts in the run's window (as the run saw it: actions
    stored before it started). Only opted-in members whose own score is public are named;
    everyone else is "someone", members or not, so nothing is revealed about them."""
    window = timedelta(days=float(run.version.parameters.get("window_days", 90)))
    rows = (
        Action.objects.filter(
            subject__member=member,
            occurred_at__gt=run.as_of - window,
            occurred_at__lte=run.as_of,
            created_at__lte=run.started_at,
        )
        .exclude(actor_account__member=member)
        .values("actor_account__member", "actor_anonymous")
        .annotate(n=Count("pk"))
        .order_by("-n", "actor_account__member", "actor_anonymous")[:limit]
    )
    named = {
        m.pk: m.display_name
        for m in Member.objects.filter(
            pk__in=[r["actor_account__member"] for r in rows if r["actor_account__member"]],
            visibility=Visibility.PUBLIC,
            opted_in_at__isnull=False,
        ).exclude(display_name="")
    }
    out = []
    for row in rows:
        if row["actor_account__member"] in named:
            who = named[row["actor_account__member"]]
        elif row["actor_account__member"] or row["actor_anonymous"]:
            who = "someone"
        else:
            who = "people the network did not name"
        out.append({"who": who, "actions": row["n"]})
    return out


def member_statement(*, member: Member) -> Statement | None:
    current = member_score(member=member)
    if current is None:
        return None
    previous = (
        MemberScore.objects.filter(
            member=member,
            run__status=ScoreRun.Status.COMPLETE,
            run__is_shadow=False,
            run__as_of__lt=current.run.as_of,
        )
        .select_related("run__version")
        .order_by("-run__as_of")
        .first()
    )
    change, headline = _headline(current, previous)
    return Statement(
        change_parts=_change_parts(current, previous),
        current=current,
        previous=previous,
        change=change,
        headline=headline,
        reasons=_reasons(member, current, previous),
        excluded=_excluded(current),
        contributors=_contributors(member, current.run),
        excluded_actions=member_excluded_actions(
            member=member, run=current.run, excluded=current.excluded
        ),
    )


def history_chart(history: list[MemberScore], width: int = 560, height: int = 160) -> dict:
    """Points of an SVG line chart (scores 1-100 over runs) and the version switches."""
    if not history:
        return {"points": "", "dots": [], "switches": [], "width": width, "height": height}
    pad = 24
    step = (width - 2 * pad) / max(len(history) - 1, 1)

    def y(score: int) -> float:
        return round(height - pad - (score - 1) / 99 * (height - 2 * pad), 1)

    dots = [
        {
            "x": round(pad + i * step, 1),
            "y": y(s.score),
            "score": s.score,
            "date": s.run.as_of,
            "version": s.run.version.name,
        }
        for i, s in enumerate(history)
    ]
    switches = [
        {"x": dots[i]["x"], "version": dots[i]["version"]}
        for i in range(1, len(dots))
        if history[i].run.version_id != history[i - 1].run.version_id
    ]
    return {
        "points": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "dots": dots,
        "switches": switches,
        "width": width,
        "height": height,
        "top": y(100),
        "bottom": y(1),
    }


def shadow_report(*, run: ScoreRun, limit: int = 20) -> dict:
    """How a shadow run's scores differ from the live scores: the distribution of changes,
    how many members move by more than 5 points each way, the largest moves and why."""
    live = latest_run()
    if live is None:
        return {"live": None, "run": run, "compared": 0}
    before = dict(MemberScore.objects.filter(run=live).values_list("member_id", "score"))
    moves = []
    for score in MemberScore.objects.filter(run=run).select_related("member"):
        old = before.get(score.member_id)
        if old is not None:
            moves.append((score.score - old, score))
    deltas = [d for d, _ in moves]
    bands = [(-100, -11), (-10, -6), (-5, -1), (0, 0), (1, 5), (6, 10), (11, 100)]
    live_rows = {
        s.member_id: s
        for s in MemberScore.objects.filter(run=live, member_id__in=[s.member_id for _, s in moves])
    }
    largest = sorted(moves, key=lambda m: (-abs(m[0]), m[1].member_id))[:limit]
    return {
        "live": live,
        "run": run,
        "compared": len(moves),
        "up_more_than_5": sum(d > 5 for d in deltas),
        "down_more_than_5": sum(d < -5 for d in deltas),
        "unchanged": sum(d == 0 for d in deltas),
        "bands": [
            {
                "label": f"{lo:+d} to {hi:+d}" if lo != hi else "0",
                "members": sum(lo <= d <= hi for d in deltas),
            }
            for lo, hi in bands
        ],
        "largest": [
            {
                "member": s.member,
                "before": s.score - d,
                "after": s.score,
                "change": d,
                "why": _why(live_rows.get(s.member_id), s),
            }
            for d, s in largest
        ],
    }


def _why(old: MemberScore | None, new: MemberScore) -> str:
    if old is None:
        return ""
    parts = []
    for name, label in (
        ("true_reach", "True Reach"),
        ("amplification", "Amplification"),
        ("network_impact", "Network Impact"),
    ):
        a, b = getattr(old, name), getattr(new, name)
        if abs(b - a) > 1e-9:
            parts.append(f"{label} {a:,.1f} → {b:,.1f}")
    return "; ".join(parts) or "same components, different calibration"


def member_excluded_actions(
    *, member: Member, run: ScoreRun, limit: int = 10, excluded: dict | None = None
) -> dict:
    """The actions each anti-gaming rule did not count (or counted only in part) for this
    member in this run, worked out with the engine's own weights: rule -> up to ``limit``
    actions (kind, time, who), newest first, and how many in all. ``excluded`` is the
    member's stored ``MemberScore.excluded`` of the run: it names the rings' members and the
    accounts counted together (both rules read the whole run, not one member's actions)."""
    excluded = excluded or {}
    ring_actors = set(excluded.get("ring", {}).get("actors", []))
    together = {tuple(a) for a in excluded.get("created_together", {}).get("accounts", [])}
    p = run.version.engine_parameters()
    window = timedelta(days=p.window_days)
    rows = list(
        Action.objects.filter(
            subject__member=member,
            occurred_at__gt=run.as_of - window,
            occurred_at__lte=run.as_of,
            created_at__lte=run.started_at,
        )
        .order_by("pk")
        .values_list("actor_account__member", "actor_anonymous", "kind", "occurred_at")
    )
    if not rows:
        return {}
    kinds = {k: i for i, k in enumerate(KINDS)}
    age = np.array([(run.as_of - r[3]).total_seconds() for r in rows])
    weight = action_weights(
        Actions(
            actor=np.zeros(len(rows), dtype=np.int64),
            subject=np.zeros(len(rows), dtype=np.int64),
            kind=np.array([kinds[r[2]] for r in rows], dtype=np.int8),
            age_seconds=age,
        ),
        p,
    )
    by_rule: dict[str, list[int]] = {
        "self": [],
        "ring": [],
        "created_together": [],
        "one_actor_many_actions": [],
        "burst": [],
    }
    groups: dict[tuple, list[int]] = {}
    for i, (actor_member, anonymous, _, _) in enumerate(rows):
        if weight[i] <= 0:
            continue
        if actor_member == member.pk:
            by_rule["self"].append(i)
        elif actor_member in ring_actors:
            by_rule["ring"].append(i)
        elif (actor_member, anonymous) in together:
            by_rule["created_together"].append(i)
        elif actor_member or anonymous:
            groups.setdefault(("pair", actor_member, anonymous), []).append(i)
        else:
            groups.setdefault(("burst", int(np.floor(age[i] / 60.0))), []).append(i)
    for key, members_of_group in groups.items():
        cap = p.pair_cap if key[0] == "pair" else p.burst_cap
        raw = float(weight[members_of_group].sum())
        if raw - float(saturate(np.array([raw]), cap)[0]) > REPORT_SHARE * raw:
            rule = "one_actor_many_actions" if key[0] == "pair" else "burst"
            by_rule[rule].extend(members_of_group)
    out = {}
    for rule, indices in by_rule.items():
        if not indices:
            continue
        newest = sorted(indices, key=lambda i: rows[i][3], reverse=True)[:limit]
        out[rule] = {
            "total": len(indices),
            "actions": [
                {
                    "kind": rows[i][2],
                    "occurred_at": rows[i][3],
                    "who": "you"
                    if rule == "self"
                    else "someone"
                    if rows[i][0] or rows[i][1]
                    else "an unnamed person",
                }
                for i in newest
            ],
        }
    return out
