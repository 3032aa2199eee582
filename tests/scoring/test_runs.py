"""Score runs against the database: consent, atomic runs, frozen calibration, versions,
statements, export."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.errors import VersionNotReady
from scoring.ingest.records import ActionRecord
from scoring.models import Action, AlgorithmVersion, AnonymousActor, MemberScore, ScoreRun
from scoring.selectors import scores as selectors_scores
from scoring.services import actions_import, member_opt_out
from scoring.services.runs.execute import score_run_execute, score_run_start
from scoring.services.versions import algorithm_version_activate, algorithm_version_create
from tests.factories import ActionFactory, MemberFactory, NetworkAccountFactory

pytestmark = pytest.mark.django_db
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _calibrate_on_small_runs(settings):
    settings.SCORE_CALIBRATION_MIN_MEMBERS = 1


def _run(as_of=AS_OF, **kwargs) -> ScoreRun:
    return score_run_execute(run_id=score_run_start(as_of=as_of, **kwargs).pk)


def _act(subject, n, *, actor=None, kind="share", days_ago=1):
    for i in range(n):
        ActionFactory(
            subject=subject,
            actor_account=actor,
            kind=kind,
            occurred_at=AS_OF - timedelta(days=days_ago, minutes=i),
        )


@pytest.fixture
def world():
    """Three opted-in members who act on each other, and one who has not opted in."""
    a, b, c = (NetworkAccountFactory() for _ in range(3))
    outsider = NetworkAccountFactory(member=MemberFactory())
    _act(a, 3, actor=b)
    _act(a, 2, actor=c)
    _act(b, 1, actor=a)
    _act(c, 4)
    return a, b, c, outsider


def test_run_scores_every_opted_in_member_and_nobody_else(world):
    a, b, c, outsider = world
    run = _run()
    assert run.status == "complete"
    scored = set(MemberScore.objects.filter(run=run).values_list("member_id", flat=True))
    assert scored == {a.member_id, b.member_id, c.member_id}
    assert run.members_scored == 3
    top = MemberScore.objects.get(run=run, member=a.member)
    assert top.true_reach == 2 and 1 <= top.score <= 100


def test_failed_run_leaves_previous_scores_in_force(world, monkeypatch):
    first = _run()
    from scoring.services.runs import execute as runs

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(runs, "compute", broken)
    second = _run(as_of=AS_OF + timedelta(hours=1))
    assert second.status == "failed" and "out of memory" in second.error
    assert not MemberScore.objects.filter(run=second).exists()
    assert selectors_scores.latest_run() == first


def test_running_and_shadow_runs_are_never_read(world):
    live = _run()
    score_run_start(as_of=AS_OF + timedelta(hours=1))  # still running
    v2 = algorithm_version_create(name="v2", description="x", parameters={"half_life_days": 7})
    _run(as_of=AS_OF + timedelta(hours=2), version=v2)  # shadow (not active)
    assert selectors_scores.latest_run() == live


def test_same_data_same_time_same_scores(world):
    first, second = _run(), _run()
    rows = lambda run: list(  # noqa: E731
        MemberScore.objects.filter(run=run)
        .order_by("member_id")
        .values_list("member_id", "score", "raw", "true_reach", "amplification", "network_impact")
    )
    assert rows(first) == rows(second)


def test_calibration_is_frozen_so_others_data_does_not_move_a_score(world):
    a, b, c, _ = world
    loner = NetworkAccountFactory()  # engaged only by people outside the others' network
    _act(loner, 3)
    first = _run()
    assert AlgorithmVersion.objects.get(is_active=True).calibration is not None
    for _ in range(30):  # everyone else becomes far more popular
        _act(c, 1, actor=NetworkAccountFactory(), days_ago=2)
        _act(a, 1, actor=NetworkAccountFactory(), days_ago=2)
    second = _run()
    score = lambda run, m: MemberScore.objects.get(run=run, member=m).score  # noqa: E731
    assert score(second, loner.member) == score(first, loner.member)
    assert score(second, c.member) >= score(first, c.member)


def test_acting_on_others_never_lowers_ones_own_score_in_the_database(world):
    a, b, c, _ = world
    before = _run()
    _act(NetworkAccountFactory(), 5, actor=a)  # a replies to a newcomer, five times
    after = _run()
    raw = lambda run: MemberScore.objects.get(run=run, member=a.member).raw  # noqa: E731
    assert raw(after) >= raw(before)


def test_opt_out_removes_every_score(world):
    a, *_ = world
    _run()
    _run(as_of=AS_OF + timedelta(days=1))
    member_opt_out(member=a.member)
    assert not MemberScore.objects.filter(member=a.member).exists()
    assert selectors_scores.member_score(member=a.member) is None


def test_version_switch_needs_a_shadow_run_and_keeps_history(world):
    a, *_ = world
    _run()
    v2 = algorithm_version_create(
        name="v2", description="faster decay", parameters={"half_life_days": 7}
    )
    with pytest.raises(VersionNotReady, match="Shadow-run v2"):
        algorithm_version_activate(version=v2)
    shadow = _run(as_of=AS_OF, version=v2)
    assert shadow.is_shadow
    report = selectors_scores.shadow_report(run=shadow)
    assert report["compared"] == 3
    assert sum(band["members"] for band in report["bands"]) == 3

    algorithm_version_activate(version=v2)
    _run(as_of=AS_OF + timedelta(days=1))
    history = selectors_scores.member_score_history(member=a.member)
    assert [h.run.version.name for h in history] == ["v1", "v2"]
    chart = selectors_scores.history_chart(history)
    assert [s["version"] for s in chart["switches"]] == ["v2"]
    statement = selectors_scores.member_statement(member=a.member)
    switch = next(r for r in statement.reasons if "changed from v1 to v2" in r)
    shadow_score = MemberScore.objects.get(run=shadow, member=a.member).score
    v1_score = history[0].score
    assert f"it moves your score by {shadow_score - v1_score:+d} point" in switch


def test_algorithm_version_create_refuses_bad_parameters():
    with pytest.raises(VersionNotReady, match="Unknown parameters: colour"):
        algorithm_version_create(name="v9", description="", parameters={"colour": 1})
    with pytest.raises(VersionNotReady, match="Invalid parameters"):
        algorithm_version_create(name="v9", description="", parameters={"damping": 2})


def test_statement_explains_a_change_in_numbers_and_words(world):
    a, b, c, _ = world
    _run()
    newcomers = [NetworkAccountFactory() for _ in range(4)]
    for fan in newcomers:
        ActionFactory(subject=a, actor_account=fan, occurred_at=AS_OF + timedelta(hours=12))
    _run(as_of=AS_OF + timedelta(days=1))
    statement = selectors_scores.member_statement(member=a.member)
    assert statement.previous is not None
    assert "4 more people acted on your posts" in statement.headline
    current, previous = statement.current, statement.previous
    assert current.run.baseline_id == previous.run_id
    by_new = current.score - current.score_time_only
    by_time = current.score_time_only - previous.score
    assert by_new + by_time == statement.change  # the parts add up to the change
    assert statement.change_parts == {"new_actions": by_new, "time": by_time}
    assert by_new >= 0 and by_time <= 0  # actions never lower; time alone never raises
    assert f"{by_new:+d} point" in next(r for r in statement.reasons if "4 new actions" in r)
    assert statement.contributors[0]["actions"] == 3


def test_time_alone_is_named_as_such(world):
    """No new actions between two runs: the whole change is time, and it says so."""
    a, *_ = world
    _run()
    _run(as_of=AS_OF + timedelta(days=20))
    statement = selectors_scores.member_statement(member=a.member)
    current = statement.current
    assert current.score_time_only == current.score  # nothing new: the same data
    assert statement.change <= 0
    if statement.change:
        (reason,) = statement.reasons
        assert reason.startswith(f"{statement.change:+d} point") and "time alone" in reason


def test_a_run_after_a_version_switch_has_no_time_only_scores(world):
    a, *_ = world
    _run()
    v2 = algorithm_version_create(name="v2-split", description="", parameters={"damping": 0.5})
    _run(as_of=AS_OF, version=v2)  # its shadow run
    algorithm_version_activate(version=v2)
    run = _run(as_of=AS_OF + timedelta(days=1))
    assert run.baseline_id is None
    assert not MemberScore.objects.filter(run=run, score_time_only__isnull=False).exists()


def test_statement_lists_what_the_rules_did_not_count(world):
    a, b, *_ = world
    _act(a, 30, actor=b, days_ago=3)
    _run()
    statement = selectors_scores.member_statement(member=a.member)
    assert any("count only in part" in line for line in statement.excluded)


def test_export_scores_command_writes_csv(world, tmp_path):
    a, *_ = world
    run = _run()
    path = tmp_path / "scores.csv"
    call_command("export_scores", "--output", str(path), stderr=io.StringIO())
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == 3
    row = next(r for r in rows if r["member_id"] == str(a.member_id))
    assert row["external_account_id"] == a.external_id
    assert row["algorithm_version"] == "v1" and row["run_id"] == str(run.pk)
    with pytest.raises(CommandError, match="Run 999 is not complete"):
        call_command("export_scores", "--run", "999")


def test_compute_scores_command(world):
    out = io.StringIO()
    call_command("compute_scores", stdout=out)
    assert "3 members" in out.getvalue()


def test_score_api_and_dashboard(world, client):
    a, *_ = world
    api = APIClient()
    api.force_authenticate(a.member.user)
    assert api.get(reverse("api_score")).status_code == 404
    _run()
    data = api.get(reverse("api_score")).json()
    assert data["current"]["true_reach"] == 2
    assert data["headline"].startswith("Your score is")
    assert data["change_parts"] is None  # a first score has nothing to split
    assert len(api.get(reverse("api_score_history")).json()) == 1
    _run(as_of=AS_OF + timedelta(days=3))
    parts = api.get(reverse("api_score")).json()["change_parts"]
    assert set(parts) == {"new_actions", "time"} and parts["new_actions"] == 0
    client.force_login(a.member.user)
    body = client.get(reverse("dashboard")).content.decode()
    assert "True Reach" in body and "Why this score" in body and "<svg" in body


def test_admin_shadow_report_page(world, admin_client):
    _run()
    v2 = algorithm_version_create(name="v2", description="x", parameters={"half_life_days": 7})
    shadow = _run(version=v2)
    body = admin_client.get(reverse("admin:scoring_scorerun_change", args=[shadow.pk]))
    assert "Migration report" in body.content.decode()


def test_member_who_opts_out_during_a_run_keeps_no_score(world, monkeypatch):
    a, *_ = world
    from scoring.services.runs import execute as runs

    real = runs.compute

    def compute_then_member_leaves(*args, **kwargs):
        result = real(*args, **kwargs)
        member_opt_out(member=a.member)  # while the run computes
        return result

    monkeypatch.setattr(runs, "compute", compute_then_member_leaves)
    run = _run()
    assert run.status == "complete"
    assert not MemberScore.objects.filter(member=a.member).exists()
    assert MemberScore.objects.filter(run=run).count() == 2


def test_member_deleted_during_a_run_does_not_fail_it(world, monkeypatch):
    a, *_ = world
    from klout.account.services import account_delete
    from scoring.services.runs import execute as runs

    real = runs.compute

    def compute_then_member_deleted(*args, **kwargs):
        result = real(*args, **kwargs)
        account_delete(member=a.member)
        return result

    monkeypatch.setattr(runs, "compute", compute_then_member_deleted)
    run = _run()
    assert run.status == "complete" and MemberScore.objects.filter(run=run).count() == 2


def test_first_run_without_influence_does_not_freeze_calibration(settings):
    settings.SCORE_CALIBRATION_MIN_MEMBERS = 100
    lonely = NetworkAccountFactory()
    run = _run()
    assert run.status == "complete"
    assert AlgorithmVersion.objects.get(is_active=True).calibration is None
    _act(lonely, 5)
    _run(as_of=AS_OF + timedelta(hours=1))
    assert MemberScore.objects.filter(member=lonely.member).latest("run__as_of").score >= 1
    assert AlgorithmVersion.objects.get(is_active=True).calibration is None  # still provisional


def test_calibration_once_frozen_is_never_refitted(world):
    _run()
    frozen = AlgorithmVersion.objects.get(is_active=True).calibration
    _act(world[2], 50, days_ago=2)
    _run(as_of=AS_OF + timedelta(days=1))
    assert AlgorithmVersion.objects.get(is_active=True).calibration == frozen


def test_a_run_is_executed_once_even_when_asked_twice(world):
    run = score_run_start(as_of=AS_OF)
    first = score_run_execute(run_id=run.pk)
    second = score_run_execute(run_id=run.pk)
    assert first.status == second.status == "complete"
    assert MemberScore.objects.filter(run=run).count() == 3
    from django.utils import timezone

    taken = score_run_start(as_of=AS_OF)
    ScoreRun.objects.filter(pk=taken.pk).update(executing_since=timezone.now())  # a live worker
    assert score_run_execute(run_id=taken.pk).status == "running"
    assert not MemberScore.objects.filter(run=taken).exists()
    # A worker that died long ago (past the task time limit) leaves the run to the next.
    ScoreRun.objects.filter(pk=taken.pk).update(executing_since=AS_OF)
    assert score_run_execute(run_id=taken.pk).status == "complete"


def test_readers_see_the_run_of_the_latest_time_not_the_last_to_finish(world):
    newer = _run(as_of=AS_OF + timedelta(days=1))
    _run(as_of=AS_OF)  # an older time, finishing later
    assert selectors_scores.latest_run() == newer


def test_statement_counts_back_dated_imports_as_new_and_blames_no_decay(world):
    a, *_ = world
    _run()
    for _ in range(3):  # imported after the first run, but dated before it
        ActionFactory(
            subject=a, actor_account=NetworkAccountFactory(), occurred_at=AS_OF - timedelta(days=5)
        )
    _run(as_of=AS_OF + timedelta(minutes=5))
    statement = selectors_scores.member_statement(member=a.member)
    (reason,) = statement.reasons  # five minutes of age cost no point
    assert reason == (
        f"{statement.change:+d} points from 3 new actions on your X/Twitter posts since then."
    )
    assert statement.current.score_time_only == statement.previous.score


def test_statement_names_only_opted_in_members_with_public_scores(world):
    from scoring.services import member_update

    a, b, c, outsider = world
    member_update(member=b.member, display_name="Bea", visibility="public")
    member_update(member=outsider.member, display_name="Otto", visibility="public")
    _act(a, 4, actor=outsider)
    _run()
    who = {c["who"] for c in selectors_scores.member_statement(member=a.member).contributors}
    assert "Bea" in who
    assert "Otto" not in who and "a member who keeps their profile private" in who
    stranger = AnonymousActor.objects.create(network=a.network, key_hash=uuid.uuid4())
    for minute in range(6):  # by a person who is not a member
        ActionFactory(
            subject=a, actor_anonymous=stranger, occurred_at=AS_OF - timedelta(minutes=minute)
        )
    _run(as_of=AS_OF + timedelta(minutes=1))
    rows = selectors_scores.member_statement(member=a.member).contributors
    assert {"who": "a person not on Klout Fair", "actions": 6, "profile": None} in rows
    assert next(r for r in rows if r["who"] == "Bea")["profile"] == b.member.public_id


def test_action_exactly_one_window_old_does_not_count_in_either_path(world):
    fresh = NetworkAccountFactory()
    ActionFactory(subject=fresh, occurred_at=AS_OF - timedelta(days=90))
    run = _run()
    assert MemberScore.objects.get(run=run, member=fresh.member).actions_counted == 0


def test_admin_csv_download_only_of_one_complete_run(world, admin_client):
    done = _run()
    running = score_run_start(as_of=AS_OF)
    url = reverse("admin:scoring_scorerun_changelist")
    refused = admin_client.post(
        url, {"action": "download_csv", "_selected_action": [running.pk]}, follow=True
    )
    assert "Choose exactly one complete run" in refused.content.decode()
    response = admin_client.post(url, {"action": "download_csv", "_selected_action": [done.pk]})
    assert response["Content-Type"] == "text/csv"
    assert len(response.content.decode().strip().splitlines()) == 4


def test_shadow_run_is_computed_at_the_live_runs_time(world):
    live = _run(as_of=AS_OF)
    v2 = algorithm_version_create(name="v2", description="x", parameters={"half_life_days": 7})
    shadow = score_run_start(version=v2)
    assert shadow.is_shadow and shadow.as_of == live.as_of


HIGGS = (
    __import__("pathlib").Path(__file__).resolve().parents[3] / "shared" / "data" / "higgs-twitter"
)


@pytest.mark.skipif(not HIGGS.is_dir(), reason=f"the SNAP Higgs data is not at {HIGGS}")
def test_higgs_sample_score_run_in_the_database(tmp_path):
    """A day of the Higgs log, imported with demo members and scored twice: the same
    scores, and the top scores go to the accounts most people acted on."""
    import gzip

    with gzip.open(HIGGS / "higgs-activity_time.txt.gz", "rt") as source:
        lines = [next(source) for _ in range(60_000)]
    path = tmp_path / "higgs-sample.txt"
    path.write_text("".join(lines))
    call_command(
        "import_actions", str(path), "--demo-members", stdout=io.StringIO(), stderr=io.StringIO()
    )
    as_of = datetime(2012, 7, 8, tzinfo=UTC)
    first, second = _run(as_of=as_of), _run(as_of=as_of)
    rows = lambda run: list(  # noqa: E731
        MemberScore.objects.filter(run=run).order_by("member_id").values_list("member_id", "raw")
    )
    assert rows(first) == rows(second)
    top_score = set(
        MemberScore.objects.filter(run=first)
        .order_by("-raw")
        .values_list("member_id", flat=True)[:5]
    )
    top_reach = set(
        MemberScore.objects.filter(run=first)
        .order_by("-true_reach")
        .values_list("member_id", flat=True)[:25]
    )
    assert top_score <= top_reach


def test_statement_lists_the_very_actions_each_rule_left_out(world):
    a, b, *_ = world
    _act(a, 30, actor=b, days_ago=3)  # b acts on a again and again
    ActionFactory(subject=a, actor_account=a, occurred_at=AS_OF - timedelta(days=1))  # self
    for _ in range(40):  # a burst of unnamed likes within one minute
        ActionFactory(subject=a, kind="like", occurred_at=AS_OF - timedelta(hours=2))
    run = _run()
    score = MemberScore.objects.get(run=run, member=a.member)
    listed = selectors_scores.member_excluded_actions(member=a.member, run=run)
    for rule in ("self", "one_actor_many_actions", "burst"):
        assert listed[rule]["total"] == score.excluded[rule]["actions"]  # engine and list agree
    assert listed["self"]["actions"][0]["who"] == "you"
    assert {x["who"] for x in listed["burst"]["actions"]} == {"an unnamed person"}
    assert len(listed["one_actor_many_actions"]["actions"]) == 10  # the newest ten shown


def test_ring_rule_of_version_v2_rings_and_its_statement():
    """Five members who act only on each other and on X's posts: under v2-rules they do not
    count for X, the statement says so and lists their actions; v1 (stored before the rule
    existed) still counts them, as it always did."""
    x = NetworkAccountFactory()
    ring = [NetworkAccountFactory() for _ in range(5)]
    for giver in ring:
        for receiver in ring:
            if giver != receiver:
                _act(receiver, 1, actor=giver, kind="like")
        _act(x, 1, actor=giver)
    for _ in range(3):  # X's own audience
        _act(x, 1, actor=NetworkAccountFactory())
    v1 = _run()
    v2 = _run(version=AlgorithmVersion.objects.get(name="v2-rules"), shadow=True)
    old, new = (MemberScore.objects.get(run=r, member=x.member) for r in (v1, v2))
    assert "ring" not in old.excluded and old.true_reach == 8
    assert new.true_reach == 3 and new.raw < old.raw
    assert new.excluded["ring"]["actions"] == 5
    assert sorted(new.excluded["ring"]["actors"]) == sorted(a.member_id for a in ring)
    listed = selectors_scores.member_excluded_actions(
        member=x.member, run=v2, excluded=new.excluded
    )
    assert listed["ring"]["total"] == 5 and {a["who"] for a in listed["ring"]["actions"]} == {
        "someone"
    }
    assert "one_actor_many_actions" not in listed
    assert any("rings do not lift" in line for line in selectors_scores._excluded(new))
    # The ring's own members: a circle of five, four others each, below the size of a ring.
    assert (
        not MemberScore.objects.filter(run=v2, excluded__has_key="ring")
        .exclude(member=x.member)
        .exists()
    )


def test_accounts_created_together_count_once_under_v2_rules_from_import_to_statement():
    """Eight strangers' accounts created in the same minute like X's posts (their creation
    times come with the import), two others do too: under v2-rules X has three people, and
    the statement lists the eight actions."""
    x = NetworkAccountFactory()
    made = datetime(2026, 5, 1, 9, 30, 5, tzinfo=UTC)
    records = [
        ActionRecord(
            network=x.network,
            actor_id=f"fresh-{i}",
            subject_id=x.external_id,
            kind="like",
            occurred_at=AS_OF - timedelta(days=1, minutes=i),
            actor_created_at=made + timedelta(seconds=i),  # the same minute
        )
        for i in range(8)
    ] + [
        ActionRecord(
            network=x.network,
            actor_id=f"old-{i}",
            subject_id=x.external_id,
            kind="like",
            occurred_at=AS_OF - timedelta(days=1),
            actor_created_at=made - timedelta(days=400 + i),
        )
        for i in range(2)
    ]
    actions_import(records=records)
    assert (
        Action.objects.filter(actor_cohort__isnull=False).values("actor_cohort").distinct().count()
        == 3
    )
    v1 = _run()
    v2 = _run(version=AlgorithmVersion.objects.get(name="v2-rules"), shadow=True)
    old, new = (MemberScore.objects.get(run=r, member=x.member) for r in (v1, v2))
    assert old.true_reach == 10 and new.true_reach == 3
    assert new.excluded["created_together"]["actions"] == 8
    listed = selectors_scores.member_excluded_actions(
        member=x.member, run=v2, excluded=new.excluded
    )
    assert listed["created_together"]["total"] == 8
    assert any("created in the same minute" in line for line in selectors_scores._excluded(new))


def test_a_version_stored_without_a_later_parameter_keeps_its_behaviour():
    v1 = AlgorithmVersion.objects.get(name="v1")
    assert "ring_min_size" not in v1.parameters
    assert v1.engine_parameters().ring_min_size == 0  # off, as before the rule existed
    assert not v1.engine_parameters().created_together_as_one
    made = algorithm_version_create(name="v3", description="", parameters={})
    assert made.engine_parameters().ring_min_size == 5  # new versions get the rule


def test_actions_stored_after_a_run_started_wait_for_the_next_run(world):
    a, *_ = world
    run = score_run_start(as_of=AS_OF)
    ActionFactory(
        subject=a, actor_account=NetworkAccountFactory(), occurred_at=AS_OF - timedelta(days=2)
    )  # stored after the run started
    score_run_execute(run_id=run.pk)
    assert MemberScore.objects.get(run=run, member=a.member).true_reach == 2


def test_actions_of_a_subject_outside_the_members_read_are_dropped_not_misassigned(
    world, monkeypatch
):
    a, b, c, _ = world
    from scoring.services.runs import loading as runs

    real = runs._action_columns

    def with_a_stranger(*args, **kwargs):
        columns = real(*args, **kwargs)
        stranger = max(m.member_id for m in (a, b, c)) + 1000  # not among the members read
        columns["subject"][0] = stranger
        return columns

    monkeypatch.setattr(runs, "_action_columns", with_a_stranger)
    run = _run()
    assert run.status == "complete"
    assert run.actions_used == 9  # ten actions in the window, one dropped


def test_components_get_a_frozen_1_to_100_map_with_the_score(world, client):
    a, b, c, _ = world
    first = _run()
    version = AlgorithmVersion.objects.get(is_active=True)
    assert set(version.component_calibration) == set(AlgorithmVersion.COMPONENTS)
    frozen = dict(version.component_calibration)
    for _ in range(20):  # others grow: the map does not move
        _act(c, 1, actor=NetworkAccountFactory(), days_ago=2)
    _run()
    version.refresh_from_db()
    assert version.component_calibration == frozen
    row = MemberScore.objects.get(run=first, member=a.member)
    scaled = [version.component_scale(name, getattr(row, name)) for name in version.COMPONENTS]
    assert all(1 <= value <= 100 for value in scaled)
    more = version.component_scale("true_reach", row.true_reach + 10)
    assert more >= scaled[0]  # non-decreasing in the raw figure
    assert version.component_scale("true_reach", 0) == 1
    client.force_login(a.member.user)
    body = client.get(reverse("dashboard")).content.decode()
    assert f'{scaled[0]} <span class="muted small">of 100 · 2 people</span>' in body


def test_opting_in_again_is_scored_within_minutes(
    world, client, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from scoring.services import member_opt_in

    a, *_ = world
    member_opt_out(member=a.member)
    cache.delete("score-run-soon")
    with django_capture_on_commit_callbacks(execute=True):
        member_opt_in(member=a.member)  # tasks run eagerly here: the queued run happens now
    assert MemberScore.objects.filter(member=a.member).exists()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        member_opt_out(member=a.member)
        member_opt_in(member=a.member)
    assert queued and not MemberScore.objects.filter(member=a.member).exists()  # one run a minute


def test_history_chart_places_runs_by_their_date(world):
    a, *_ = world
    one = _run()
    chart = selectors_scores.history_chart([MemberScore.objects.get(run=one, member=a.member)])
    assert chart["dots"][0]["x"] == chart["width"] / 2  # one point: in the middle
    _run(as_of=AS_OF + timedelta(days=1))
    _run(as_of=AS_OF + timedelta(days=365))
    history = selectors_scores.member_score_history(member=a.member)
    xs = [d["x"] for d in selectors_scores.history_chart(history)["dots"]]
    assert xs[0] < xs[1] < xs[2]
    assert xs[1] - xs[0] < (xs[2] - xs[0]) / 100  # a day is a day's width of a year
