"""+K: every limit, evidence, and its (deliberate) non-effect on scores."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from scoring.errors import PlusKLimit, PlusKRefused
from scoring.models import MemberScore, MemberTopicScore, PlusK, Visibility
from scoring.services.runs.execute import score_run_execute, score_run_start
from scoring.services.topics_members import PLUS_K_PER_DAY, plus_k_give, topic_hide
from tests.conftest import requires_postgres
from tests.factories import MemberTopicScoreFactory, OptedInMemberFactory
from tests.scoring.topic_world import AS_OF

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 31, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _calibrate_on_small_runs(settings):
    settings.SCORE_CALIBRATION_MIN_MEMBERS = 1


@pytest.fixture
def receiver(author):
    score_run_execute(run_id=score_run_start(as_of=AS_OF).pk)
    author.visibility = Visibility.PUBLIC
    author.save()
    return author


@pytest.fixture
def smm(tree):
    return tree["social-media-marketing"]


def with_evidence(run, member, topic):
    """A topic score over the evidence bar, as a run would store it."""
    MemberTopicScoreFactory(run=run, member=member, topic=topic)


def give(giver, receiver, topic, at=NOW):
    return plus_k_give(giver=giver, receiver=receiver, topic=topic, now=at)


def test_plus_k_given_on_a_public_topic_with_evidence(receiver, smm):
    giver = OptedInMemberFactory()
    k = give(giver, receiver, smm)
    assert (k.giver, k.receiver, k.topic, k.given_at) == (giver, receiver, smm, NOW)


def test_plus_k_never_to_oneself(receiver, smm):
    with pytest.raises(PlusKRefused, match="yourself"):
        give(receiver, receiver, smm)


@pytest.mark.parametrize("visibility", [Visibility.PRIVATE, Visibility.BRANDS])
def test_plus_k_only_when_the_profile_is_public(receiver, smm, visibility):
    receiver.visibility = visibility
    receiver.save()
    with pytest.raises(PlusKRefused, match="not public"):
        give(OptedInMemberFactory(), receiver, smm)


def test_plus_k_only_on_topics_with_evidence_and_not_hidden(receiver, smm, tree):
    giver = OptedInMemberFactory()
    with pytest.raises(PlusKRefused, match="evidence"):
        give(giver, receiver, tree["cuba"])  # one lucky post: no evidence
    topic_hide(member=receiver, topic=smm)
    with pytest.raises(PlusKRefused, match="evidence"):
        give(giver, receiver, smm)
    assert not PlusK.objects.exists()


def test_plus_k_at_most_five_in_24_hours(receiver, tree):
    giver = OptedInMemberFactory()
    others = []
    for _ in range(PLUS_K_PER_DAY):
        other = OptedInMemberFactory(visibility=Visibility.PUBLIC)
        others.append(other)
    # five receivers with evidence: reuse the author on two topics and patch evidence in
    run = MemberTopicScore.objects.first().run
    for other in others:
        with_evidence(run, other, tree["cuba"])
    for i, other in enumerate(others):
        give(giver, other, tree["cuba"], at=NOW + timedelta(hours=i))
    with pytest.raises(PlusKLimit, match="5 \\+K in 24 hours") as error:
        give(giver, receiver, tree["marketing"], at=NOW + timedelta(hours=23))
    assert error.value.status == 429
    # 24 hours after the first one, one more is possible
    give(giver, receiver, tree["marketing"], at=NOW + timedelta(hours=24, seconds=1))
    assert PlusK.objects.filter(giver=giver).count() == PLUS_K_PER_DAY + 1


def test_plus_k_same_person_and_topic_once_in_seven_days(receiver, smm, tree):
    giver = OptedInMemberFactory()
    give(giver, receiver, smm)
    with pytest.raises(PlusKLimit, match="again from"):
        give(giver, receiver, smm, at=NOW + timedelta(days=6, hours=23))
    give(giver, receiver, tree["marketing"], at=NOW + timedelta(hours=1))  # another topic
    give(giver, receiver, smm, at=NOW + timedelta(days=7, seconds=1))
    assert PlusK.objects.filter(giver=giver, topic=smm).count() == 2


def test_plus_k_counts_as_evidence_but_never_moves_a_score(receiver, smm):
    before_scores = dict(MemberScore.objects.values_list("member_id", "raw"))
    before = MemberTopicScore.objects.get(member=receiver, topic=smm)
    give(OptedInMemberFactory(), receiver, smm, at=AS_OF - timedelta(days=1))
    run = score_run_execute(run_id=score_run_start(as_of=AS_OF).pk)
    after = MemberTopicScore.objects.get(run=run, member=receiver, topic=smm)
    assert (after.people, after.plus_k) == (before.people + 1, 1)
    assert (after.raw, after.score) == (before.raw, before.score)
    after_scores = MemberScore.objects.filter(run=run, member_id__in=before_scores)
    assert dict(after_scores.values_list("member_id", "raw")) == before_scores


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_plus_k_limit_holds_under_concurrency(tree):
    """Eight requests at once from one giver to eight public members: exactly five pass."""
    from scoring.models import AlgorithmVersion, ScoreRun

    receivers = [OptedInMemberFactory(visibility=Visibility.PUBLIC) for _ in range(8)]
    # A flushed database (transactional tests) has no version: make the live run directly.
    version, _ = AlgorithmVersion.objects.get_or_create(
        is_active=True, defaults={"name": "v-race", "description": "", "parameters": {}}
    )
    run = ScoreRun.objects.create(version=version, status=ScoreRun.Status.COMPLETE, as_of=AS_OF)
    for r in receivers:
        with_evidence(run, r, tree["cuba"])
    giver = OptedInMemberFactory()
    barrier = threading.Barrier(len(receivers))
    outcomes = []

    def attempt(r):
        try:
            barrier.wait()
            give(giver, r, tree["cuba"])
            outcomes.append("ok")
        except PlusKLimit:
            outcomes.append("limit")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(r,)) for r in receivers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["limit"] * 3 + ["ok"] * 5
    assert PlusK.objects.filter(giver=giver).count() == PLUS_K_PER_DAY
