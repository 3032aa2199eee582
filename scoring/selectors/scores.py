"""Reads of scores: which run members see, a member's current score, its history and its
statement, and how a shadow run's scores differ from the live ones. Readers see only the
latest complete, non-shadow run."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from scoring.models import Member, MemberScore, ScoreRun
from scoring.selectors.excluded_actions import member_excluded_actions
from scoring.selectors.statements import (
    change_parts,
    statement_headline,
    statement_reasons,
    top_contributors,
)

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
# The bands of a shadow report's changes, in points (lowest, highest).
CHANGE_BANDS = [(-100, -11), (-10, -6), (-5, -1), (0, 0), (1, 5), (6, 10), (11, 100)]


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


def member_statement(*, member: Member) -> Statement | None:
    """The member's current score explained: what changed since their previous live score
    and why, what the rules did not count, and who acted most on their posts."""
    current = member_score(member=member)
    if current is None:
        return None
    previous = _previous_score(member, current)
    change, headline = statement_headline(current=current, previous=previous)
    return Statement(
        change_parts=change_parts(current=current, previous=previous),
        current=current,
        previous=previous,
        change=change,
        headline=headline,
        reasons=statement_reasons(member=member, current=current, previous=previous),
        excluded=_excluded(current),
        contributors=top_contributors(member=member, run=current.run),
        excluded_actions=member_excluded_actions(
            member=member, run=current.run, excluded=current.excluded
        ),
    )


def _previous_score(member: Member, current: MemberScore) -> MemberScore | None:
    """The member's live score computed before the current one."""
    return (
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


def _excluded(current: MemberScore) -> list[str]:
    """What each anti-gaming rule did not count for the member, in a sentence."""
    return [
        RULE_SENTENCES.get(rule, "{n} actions not counted by rule " + rule).format(
            n=f"{facts['actions']:,}"
        )
        for rule, facts in sorted(current.excluded.items())
    ]


COMPONENT_WORDS = {  # label, what the raw figure counts, what the component measures
    "true_reach": ("True Reach", "{:,.0f} people", "distinct people acted on your posts"),
    "amplification": (
        "Amplification",
        "{:,.1f} raw",
        "how much they acted (shares weigh most), recent counting more",
    ),
    "network_impact": ("Network Impact", "{:,.1f} raw", "how influential they are themselves"),
}


def score_components(score: MemberScore) -> list[dict]:
    """The three components on the score's own 1-100 scale (the version's frozen map for
    each), with the raw figure beside them; ``scaled`` is None before the version has one."""
    version = score.run.version
    rows = []
    for name, (label, raw_words, meaning) in COMPONENT_WORDS.items():
        value = getattr(score, name)
        scaled = version.component_scale(name, value)
        rows.append({"label": label, "scaled": scaled, "raw": raw_words.format(value or 0)})
        rows[-1]["meaning"] = meaning
    return rows


def history_chart(history: list[MemberScore], width: int = 320, height: int = 160) -> dict:
    """Points of an SVG line chart: scores 1-100 placed by the date of their run (so a
    year reads as a year, a week as a week; one point sits in the middle), and the version
    switches. Labels are left to the page (HTML), so they stay readable at any width."""
    if not history:
        return {"points": "", "dots": [], "switches": [], "width": width, "height": height}
    pad = 12
    times = [s.run.as_of.timestamp() for s in history]
    span = times[-1] - times[0]

    def x(t: float) -> float:
        return round(width / 2 if span <= 0 else pad + (t - times[0]) / span * (width - 2 * pad), 1)

    def y(score: int) -> float:
        return round(height - pad - (score - 1) / 99 * (height - 2 * pad), 1)

    dots = [
        {
            "x": x(t),
            "y": y(s.score),
            "score": s.score,
            "date": s.run.as_of,
            "version": s.run.version.name,
        }
        for t, s in zip(times, history, strict=True)
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
        "middle": y(50),
        "bottom": y(1),
        "start": history[0].run.as_of,
        "end": history[-1].run.as_of,
        "latest": history[-1].score,
    }


def shadow_report(*, run: ScoreRun, limit: int = 20) -> dict:
    """How a shadow run's scores differ from the live scores: the distribution of changes,
    how many members move by more than 5 points each way, the largest moves and why."""
    live = latest_run()
    if live is None:
        return {"live": None, "run": run, "compared": 0}
    moves = _moves(live, run)
    deltas = [d for d, _ in moves]
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
            for lo, hi in CHANGE_BANDS
        ],
        "largest": _largest_moves(live, moves, limit),
    }


def _moves(live: ScoreRun, run: ScoreRun) -> list[tuple[int, MemberScore]]:
    """(change in points, the shadow score) of each member scored in both runs."""
    before = dict(MemberScore.objects.filter(run=live).values_list("member_id", "score"))
    moves = []
    for score in MemberScore.objects.filter(run=run).select_related("member"):
        old = before.get(score.member_id)
        if old is not None:
            moves.append((score.score - old, score))
    return moves


def _largest_moves(live: ScoreRun, moves: list[tuple[int, MemberScore]], limit: int) -> list:
    """The ``limit`` largest moves either way, with the components that changed."""
    live_rows = {
        s.member_id: s
        for s in MemberScore.objects.filter(run=live, member_id__in=[s.member_id for _, s in moves])
    }
    largest = sorted(moves, key=lambda m: (-abs(m[0]), m[1].member_id))[:limit]
    return [
        {
            "member": s.member,
            "before": s.score - d,
            "after": s.score,
            "change": d,
            "why": _why(live_rows.get(s.member_id), s),
        }
        for d, s in largest
    ]


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
