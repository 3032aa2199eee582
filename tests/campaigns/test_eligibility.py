"""The eligibility engine: reasons in numbers, and the set query agreeing with the
per-member decision on random data."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.models import CampaignTopic, TopicMode
from campaigns.selectors.eligibility import (
    campaign_targeting,
    eligibility_decide,
    eligibility_preview,
    eligible_scores,
)
from scoring.models import (
    VISIBLE_TO_BRANDS,
    AlgorithmVersion,
    MemberScore,
    ScoreRun,
    Topic,
    TopicHide,
    Visibility,
)
from tests.factories import MemberTopicScoreFactory, NetworkAccountFactory, OptedInMemberFactory

pytestmark = pytest.mark.django_db
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def live_run():
    return ScoreRun.objects.create(
        version=AlgorithmVersion.objects.get(is_active=True), status="complete", as_of=AS_OF
    )


def scored(run, score, topics=(), visibility=Visibility.BRANDS, networks=("twitter",)):
    member = OptedInMemberFactory(visibility=visibility)
    for network in networks:
        NetworkAccountFactory(member=member, network=network)
    MemberScore.objects.create(
        run=run,
        member=member,
        score=score,
        true_reach=1,
        amplification=1,
        network_impact=1,
        raw=1,
        visible_to_brands=visibility in VISIBLE_TO_BRANDS,
    )
    for topic, topic_score in topics:
        MemberTopicScoreFactory(
            run=run,
            member=member,
            topic=topic,
            score=topic_score,
            member_score=score,  # as a run writes them
            visible_to_brands=visibility in VISIBLE_TO_BRANDS,
        )
    return member


@pytest.fixture
def topics(db):
    return (
        Topic.objects.create(slug="marketing", name="Marketing"),
        Topic.objects.create(slug="coffee", name="Coffee"),
    )


def target(campaign, *, lo=1, hi=100, topics=(), mode=TopicMode.ANY, networks=()):
    campaign.min_score, campaign.max_score = lo, hi
    campaign.topic_mode, campaign.networks = mode, list(networks)
    campaign.save()
    CampaignTopic.objects.filter(campaign=campaign).delete()
    for topic, minimum in topics:
        CampaignTopic.objects.create(campaign=campaign, topic=topic, min_topic_score=minimum)
    return campaign


def members(campaign) -> set[int]:
    return {row["member_id"] for row in eligible_scores(campaign=campaign)}


def texts(decision):
    return {r.rule: r.text for r in decision.reasons if not r.passed}


def test_decision_reasons_in_numbers(campaign, topics):
    marketing, coffee = topics
    run = live_run()
    member = scored(run, 52, topics=[(marketing, 38)])
    target(campaign, lo=40, hi=90, topics=[(marketing, 45)])
    decision = eligibility_decide(campaign=campaign, member=member)
    assert not decision.eligible
    assert texts(decision) == {"topic": "needs Marketing topic score 45, yours is 38"}
    assert decision.is_near_miss  # 7 points short
    assert decision.facts["score"] == 52 and decision.facts["topic_scores"] == {"Marketing": 38}
    target(campaign, lo=60, hi=90, topics=[(coffee, 10)])
    decision = eligibility_decide(campaign=campaign, member=member)
    assert texts(decision) == {
        "score": "needs an overall score of 60-90, yours is 52",
        "topic": "needs Coffee topic score 10, you have no evidence for Coffee",
    }
    assert not decision.is_near_miss  # no evidence at all is not "narrow"
    # What a claim stores: every field of every reason (a field added later is not lost).
    stored = decision.as_dict()
    assert stored["reasons"] == [dataclasses.asdict(r) for r in decision.reasons]
    assert stored["eligible"] is False and stored["facts"] == decision.facts


def test_private_members_and_hidden_topics_never_count(campaign, topics):
    marketing, _ = topics
    run = live_run()
    private = scored(run, 70, topics=[(marketing, 90)], visibility=Visibility.PRIVATE)
    target(campaign, topics=[(marketing, 10)])
    decision = eligibility_decide(campaign=campaign, member=private)
    assert not decision.eligible and "private" in texts(decision)["visibility"]
    hider = scored(run, 70, topics=[(marketing, 90)])
    assert eligibility_decide(campaign=campaign, member=hider).eligible
    TopicHide.objects.create(member=hider, topic=marketing)
    decision = eligibility_decide(campaign=campaign, member=hider)
    assert texts(decision) == {"topic": "Marketing: you hid this topic"}
    assert not eligible_scores(campaign=campaign).filter(member_id=hider.pk).exists()


def test_any_all_and_networks(campaign, topics):
    marketing, coffee = topics
    run = live_run()
    both = scored(run, 50, topics=[(marketing, 50), (coffee, 50)])
    one = scored(run, 50, topics=[(coffee, 50)], networks=("instagram",))
    target(campaign, topics=[(marketing, 40), (coffee, 40)], mode=TopicMode.ANY)
    assert members(campaign) == {both.pk, one.pk}
    target(campaign, topics=[(marketing, 40), (coffee, 40)], mode=TopicMode.ALL)
    assert members(campaign) == {both.pk}
    target(campaign, networks=["instagram", "blog"])
    assert members(campaign) == {one.pk}
    assert texts(eligibility_decide(campaign=campaign, member=both)) == {
        "networks": "needs an account on instagram or blog; you have twitter"
    }


def test_preview_counts_and_bands(campaign, topics):
    run = live_run()
    for score in (5, 15, 35, 55, 95, 99):
        scored(run, score)
    scored(run, 50, visibility=Visibility.PRIVATE)
    preview = eligibility_preview(targeting=campaign_targeting(target(campaign, lo=10, hi=96)))
    assert preview["eligible"] == 4
    assert [b["members"] for b in preview["bands"]] == [1, 1, 1, 0, 1]


def test_no_run_no_one_is_eligible(campaign):
    member = OptedInMemberFactory(visibility=Visibility.PUBLIC)
    decision = eligibility_decide(campaign=campaign, member=member)
    assert not decision.eligible and "no score yet" in texts(decision)["opted_in"]
    assert eligible_scores(campaign=campaign).count() == 0


people = st.lists(
    st.tuples(
        st.integers(1, 100),  # score
        st.sampled_from([Visibility.PRIVATE, Visibility.BRANDS, Visibility.PUBLIC]),
        st.one_of(st.none(), st.integers(1, 100)),  # marketing topic score
        st.one_of(st.none(), st.integers(1, 100)),  # coffee
        st.booleans(),  # hides marketing
        st.sampled_from(["twitter", "instagram"]),
    ),
    min_size=1,
    max_size=8,
)
targetings = st.tuples(
    st.integers(1, 100),
    st.integers(0, 60),
    st.lists(
        st.tuples(st.sampled_from([0, 1]), st.integers(1, 100)),
        max_size=2,
        unique_by=lambda t: t[0],
    ),
    st.sampled_from([TopicMode.ANY, TopicMode.ALL]),
    st.sampled_from([(), ("twitter",), ("instagram", "blog")]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people, targetings)
def test_query_and_decision_always_agree(campaign, topics, crowd, targeting):
    """The set query (pages, previews, counts) and the per-member decision (claims,
    explanations) are one engine: on random data they admit exactly the same members."""
    MemberScore.objects.all().delete()
    ScoreRun.objects.all().delete()
    run = live_run()
    members = []
    for score, visibility, m_score, c_score, hides, network in crowd:
        given_topics = [(t, s) for t, s in zip(topics, (m_score, c_score), strict=True) if s]
        member = scored(run, score, topics=given_topics, visibility=visibility, networks=(network,))
        if hides:
            TopicHide.objects.create(member=member, topic=topics[0])
        members.append(member)
    lo, width, wanted, mode, networks = targeting
    target(
        campaign,
        lo=lo,
        hi=min(100, lo + width),
        mode=mode,
        networks=networks,
        topics=[(topics[i], m) for i, m in wanted],
    )
    in_query = set(eligible_scores(campaign=campaign).values_list("member_id", flat=True))
    decided = {m.pk for m in members if eligibility_decide(campaign=campaign, member=m).eligible}
    assert in_query == decided


def test_visibility_changes_and_runs_keep_the_score_flag_in_step(campaign):
    from scoring.services import member_update
    from scoring.services.runs.execute import score_run

    member = OptedInMemberFactory(visibility=Visibility.PRIVATE)
    run = score_run()
    assert MemberScore.objects.get(run=run, member=member).visible_to_brands is False
    assert not eligible_scores(campaign=campaign).filter(member_id=member.pk).exists()
    member_update(member=member, visibility=Visibility.BRANDS)
    assert MemberScore.objects.get(run=run, member=member).visible_to_brands is True
    assert eligible_scores(campaign=campaign).filter(member_id=member.pk).exists()
    assert eligibility_decide(campaign=campaign, member=member).eligible
    member_update(member=member, visibility=Visibility.PRIVATE)
    assert not eligible_scores(campaign=campaign).filter(member_id=member.pk).exists()
    later = score_run()
    assert MemberScore.objects.get(run=later, member=member).visible_to_brands is False


def test_visibility_changed_in_the_site_admin_reaches_the_scores(client, campaign):
    from django.urls import reverse

    from scoring.services.runs.execute import score_run
    from tests.factories import UserFactory

    member = OptedInMemberFactory(visibility=Visibility.PRIVATE)
    run = score_run()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:scoring_member_change", args=[member.pk])
    form = {
        "user": member.user_id,
        "display_name": "x",
        "visibility": "brands",
        "is_demo": "",
        "network_accounts-TOTAL_FORMS": 0,
        "network_accounts-INITIAL_FORMS": 0,
        "consent_events-TOTAL_FORMS": 0,
        "consent_events-INITIAL_FORMS": 0,
    }
    assert client.post(url, form).status_code == 302
    assert MemberScore.objects.get(run=run, member=member).visible_to_brands is True
