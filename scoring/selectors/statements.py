"""The parts of a member's statement (``scores.member_statement`` puts them together): the
headline, the reasons the score changed since the previous one, the change split into new
actions and time alone, and who acted most on the member's posts."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count

from scoring.models import Action, Member, MemberScore, ScoreRun, Visibility
from scoring.networks import network_for


def statement_headline(
    *, current: MemberScore, previous: MemberScore | None
) -> tuple[int | None, str]:
    """The change in points (None for a first score) and the sentence that says it."""
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


def statement_reasons(
    *, member: Member, current: MemberScore, previous: MemberScore | None
) -> list[str]:
    """Why the score changed since the previous one: a version switch, new actions, actions
    that left the window, and time alone; in points when the run split the change."""
    if previous is None:
        return []
    reasons = []
    before, now = previous.run, current.run
    if before.version_id != now.version_id:
        reasons.append(_version_switch_reason(member, previous, now))
    window = _window(now)
    by_network = _imported(member, before, now)
    new, where = sum(by_network.values()), _networks_named(by_network)
    left = _received(member, before.as_of - _window(before), now.as_of - window)
    half_life = now.version.parameters.get("half_life_days", 30)
    parts = change_parts(current=current, previous=previous)
    if parts is not None:  # the run scored the member again on the previous run's data
        return reasons + _reasons_in_points(parts, (new, where), left, window, half_life)
    decayed = before.version_id == now.version_id and current.raw < previous.raw
    return reasons + _reasons_in_actions((new, where), left, window, half_life, decayed)


def change_parts(*, current: MemberScore, previous: MemberScore | None) -> dict | None:
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


def top_contributors(*, member: Member, run: ScoreRun, limit: int = 5) -> list[dict]:
    """Who acted most on the member's posts in the run's window (as the run saw it: actions
    stored before it started). Only opted-in members whose own score is public are named
    (with their profile); the others are said to be a private member or a person not on
    Klout Fair, which tells nothing of who they are."""
    window = _window(run)
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
        m.pk: m
        for m in Member.objects.filter(
            pk__in=[r["actor_account__member"] for r in rows if r["actor_account__member"]],
            visibility=Visibility.PUBLIC,
            opted_in_at__isnull=False,
        ).exclude(display_name="")
    }
    out = []
    for row in rows:
        public = named.get(row["actor_account__member"])
        if public is not None:
            who, profile = public.display_name, public.public_id
        else:
            who, profile = _unnamed(row), None
        out.append({"who": who, "actions": row["n"], "profile": profile})
    return out


def _unnamed(row: dict) -> str:
    """Who acted, when they may not be named: whether they are on Klout Fair says nothing of
    who they are."""
    if row["actor_account__member"]:
        return "a member who keeps their profile private"
    if row["actor_anonymous"]:
        return "a person not on Klout Fair"
    return "people the network did not name"


def _window(run: ScoreRun) -> timedelta:
    """How far back the run's version looks."""
    return timedelta(days=float(run.version.parameters.get("window_days", 90)))


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _points(n: int) -> str:
    return f"{n:+d} {'point' if abs(n) == 1 else 'points'}"


def _received(member: Member, start, end) -> int:
    return Action.objects.filter(
        subject__member=member, occurred_at__gt=start, occurred_at__lte=end
    ).count()


def _imported(member: Member, previous: ScoreRun, current: ScoreRun) -> dict[str, int]:
    """Actions on the member's posts stored between the two runs and inside the current
    run's time (new to the score, whenever they happened), by the network they came from."""
    window = _window(current)
    rows = (
        Action.objects.filter(
            subject__member=member,
            created_at__gt=previous.started_at,
            created_at__lte=current.started_at,
            occurred_at__gt=current.as_of - window,
            occurred_at__lte=current.as_of,
        )
        .values("network")
        .annotate(n=Count("pk"))
        .order_by("-n", "network")
    )
    return {network_for(row["network"]).label: row["n"] for row in rows}


def _networks_named(by_network: dict[str, int]) -> tuple[str, str]:
    """Where new actions came from, as the posts they were on and a tail: ("your Bluesky
    posts", ""), or ("your posts", " (Bluesky 30, Mastodon 12)")."""
    if len(by_network) == 1:
        return f"your {next(iter(by_network))} posts", ""
    if not by_network:
        return "your posts", ""
    return "your posts", " (" + ", ".join(f"{k} {n:,}" for k, n in by_network.items()) + ")"


def _reasons_in_points(
    parts: dict, new_where: tuple[int, tuple], left: int, window: timedelta, half_life
) -> list[str]:
    """The reasons with each one's points, when the run split the change."""
    (new, (posts, tail)), reasons = new_where, []
    by_time, by_new = parts["time"], parts["new_actions"]
    if new or by_new:
        reasons.append(
            f"{_points(by_new)} from {_plural(new, 'new action', 'new actions')} on {posts} "
            f"since then{tail}."
        )
    if by_time or left:
        aged = f"; {_plural(left, 'action', 'actions')} left the {window.days}-day window"
        reasons.append(
            f"{_points(by_time)} from time alone: older actions weigh less as they age "
            f"(half-life {half_life} days){aged if left else ''}."
        )
    return reasons


def _reasons_in_actions(
    new_where: tuple[int, tuple], left: int, window: timedelta, half_life, decayed: bool
) -> list[str]:
    """The reasons in numbers of actions, when the change was not split; ``decayed``: the
    raw score fell under the same version, which with no new or leaving actions is time."""
    (new, (posts, tail)), reasons = new_where, []
    if new:
        reasons.append(f"{_plural(new, 'new action', 'new actions')} on {posts} since then{tail}.")
    if left:
        days = window.days
        reasons.append(
            f"{_plural(left, 'action', 'actions')} became older than {days} days and no "
            "longer count."
        )
    if not new and not left and decayed:
        reasons.append(
            f"No new actions: older actions weigh less as they age (half-life {half_life} days)."
        )
    return reasons


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
        f"{_points(effect)} ({previous.score} under "
        f"{previous.run.version.name}, {shadow.score} under {now.version.name}); the rest of "
        "the change comes from your data and time."
    )
