"""The fairness report: hand-worked cases, group arithmetic against a direct computation on
random data, snapshots at submission, and the justification a flagged approval needs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.errors import CampaignInvalid
from campaigns.models import CampaignTopic, FairnessSnapshot
from campaigns.selectors.eligibility import eligibility_decide
from campaigns.selectors.fairness import (
    FOUR_FIFTHS,
    MIN_GROUP,
    fairness_report,
    group_rates,
    headline,
)
from campaigns.services.campaigns import campaign_approve, campaign_fund_by_invoice, campaign_submit
from scoring.models import MemberScore, Topic, TopicHide, Visibility
from tests.campaigns.test_eligibility import live_run, scored

pytestmark = pytest.mark.django_db


def slow_rates(labels, included):
    """The definition, spelled out: rate per group, ratio to the best rate among groups
    with at least MIN_GROUP members, flag below four fifths."""
    out = {}
    for label in set(labels):
        members = [i for i, lab in enumerate(labels) if lab == label]
        chosen = [i for i in members if included[i]]
        out[label] = (len(members), len(chosen), len(chosen) / len(members))
    best = max((r for n, _, r in out.values() if n >= MIN_GROUP), default=0)
    return {
        label: (n, k, r, (r / best if best and n >= MIN_GROUP else None))
        for label, (n, k, r) in out.items()
    }


@given(st.lists(st.tuples(st.sampled_from("abcd"), st.booleans()), max_size=300))
def test_group_rates_match_the_direct_computation(data):
    import numpy as np

    labels = [lab for lab, _ in data]
    included = np.array([inc for _, inc in data], dtype=bool)
    expected = slow_rates(labels, included.tolist())
    for g in group_rates(labels, included):
        n, k, rate, ratio = expected[g["group"]]
        assert (g["members"], g["included"]) == (n, k)
        assert g["rate"] == pytest.approx(rate)
        if ratio is None:
            assert g["ratio_to_best"] is None and not g["flagged"]
        else:
            assert g["ratio_to_best"] == pytest.approx(ratio)
            assert g["flagged"] == (ratio < FOUR_FIFTHS)
        assert g["too_small"] == (n < MIN_GROUP)


def test_group_rates_hand_worked():
    import numpy as np

    labels = ["low"] * 40 + ["high"] * 40 + ["tiny"] * 5
    included = np.array([i < 10 for i in range(40)] + [i < 30 for i in range(40)] + [False] * 5)
    rows = {g["group"]: g for g in group_rates(labels, included)}
    assert rows["high"]["rate"] == 0.75 and rows["high"]["ratio_to_best"] == 1.0
    assert rows["low"]["rate"] == 0.25
    assert rows["low"]["ratio_to_best"] == pytest.approx(1 / 3) and rows["low"]["flagged"]
    assert rows["tiny"]["too_small"] and not rows["tiny"]["flagged"]


@pytest.fixture
def marketing_world(campaign):
    """Six members active on Marketing: four in the score range (one hides the topic), two
    below it; a private one never counts."""
    run = live_run()
    marketing = Topic.objects.create(slug="marketing", name="Marketing")
    CampaignTopic.objects.create(campaign=campaign, topic=marketing, min_topic_score=10)
    campaign.min_score = 40
    campaign.save()
    members = [scored(run, s, topics=[(marketing, 50)]) for s in (80, 60, 45, 41, 20, 10)]
    TopicHide.objects.create(member=members[3], topic=marketing)
    scored(run, 90, topics=[(marketing, 90)], visibility=Visibility.PRIVATE)
    # engagement received on the topic and given to others, per member
    from scoring.models import MemberTopicScore

    for member, got, gave in zip(members, (10, 10, 10, 5, 30, 40), (1, 1, 1, 1, 8, 8), strict=True):
        MemberTopicScore.objects.filter(member=member).update(actions=got)
        MemberScore.objects.filter(member=member).update(actions_given=gave)
    return campaign, members


def test_report_population_shares_curve_and_suggestion(marketing_world):
    campaign, members = marketing_world
    report = fairness_report(campaign=campaign)
    # the hider (41) is outside the population; the private member too
    assert report["population"] == 5 and report["included"] == 3 and report["excluded"] == 2
    assert report["engagement_received"] == 100.0
    assert report["excluded_received_share"] == pytest.approx(0.7)  # 30 + 40 of 100
    assert report["excluded_given_share"] == pytest.approx(16 / 19)
    curve = {c["min_score"]: c for c in report["min_score_curve"]}
    assert curve[40]["eligible"] == 3 and curve[1]["eligible"] == 5 and curve[81]["eligible"] == 0
    assert curve[10]["excluded_engagement_share"] == 0.0
    # including 80% of the engagement needs min score 10
    assert report["suggestion"]["min_score"] == 10
    assert report["without_each_topic"][0]["without_topic"] == "Marketing"
    assert "excludes 40% of the 5 members" in headline(report)
    bands = {g["group"]: g for g in report["groups"]["score band"]}
    assert bands["1-20"]["included"] == 0 and bands["41-60"]["included"] == 2


def test_submission_snapshots_the_report_and_flagged_approval_needs_a_reason(
    marketing_world, manager, site_staff
):
    campaign, _ = marketing_world
    campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff)
    campaign_submit(campaign=campaign, user=manager)
    snapshot = FairnessSnapshot.objects.get(campaign=campaign)
    assert snapshot.report["population"] == 5 and "excludes" in snapshot.headline
    FairnessSnapshot.objects.filter(pk=snapshot.pk).update(flagged_groups=["score band: 1-20"])
    with pytest.raises(CampaignInvalid, match="score band: 1-20"):
        campaign_approve(campaign=campaign, staff_user=site_staff, note="")
    approved = campaign_approve(campaign=campaign, staff_user=site_staff, note="Launch event only.")
    assert approved.status == "live" and approved.review_note == "Launch event only."


def test_report_page_csv_and_json_for_brand_staff_and_site_staff_only(
    client, marketing_world, manager, site_staff
):
    from django.urls import reverse

    from tests.campaigns.conftest import staff_of
    from tests.factories import BrandFactory

    campaign, _ = marketing_world
    url = reverse("campaign_fairness", args=[campaign.pk])
    client.force_login(manager)
    page = client.get(url).content.decode()
    assert "excludes 40% of the 5 members" in page and "<svg" in page
    assert "Selection rate by score band" in page
    csv_body = client.get(url, {"format": "csv"}).content.decode()
    assert csv_body.splitlines()[0].startswith("dimension,group,members,included,rate")
    assert "score band,41-60,2,2,1.0000" in csv_body
    data = client.get(reverse("api_fairness", args=[campaign.pk])).json()
    assert data["population"] == 5 and data["headline"].startswith("This campaign excludes")
    # a chosen share: 30% of the engagement is reached up to a minimum score of 45
    half = client.get(reverse("api_fairness", args=[campaign.pk]), {"share": 30}).json()
    assert half["suggestion"] == {
        "engagement_target": 0.3,
        "min_score": 45,
        "current_min_score": 40,
    }
    bad = client.get(reverse("api_fairness", args=[campaign.pk]), {"share": "lots"}).json()
    assert bad["suggestion"]["engagement_target"] == 0.8
    client.force_login(staff_of(BrandFactory(), "owner"))
    assert client.get(url).status_code == 404  # another brand's staff
    assert client.get(reverse("api_fairness", args=[campaign.pk])).status_code == 404
    client.force_login(site_staff)
    assert client.get(url).status_code == 200


def test_fairness_api_takes_tokens_and_answers_errors_as_the_api_does(marketing_world, manager):
    from django.urls import reverse
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from tests.campaigns.conftest import staff_of
    from tests.factories import BrandFactory

    campaign, _ = marketing_world
    url = reverse("api_fairness", args=[campaign.pk])
    api = APIClient()
    anonymous = api.get(url)
    assert anonymous.status_code == 401 and "error" in anonymous.json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    assert api.get(url).json()["population"] == 5
    stranger = Token.objects.create(user=staff_of(BrandFactory(), "owner"))
    api.credentials(HTTP_AUTHORIZATION=f"Token {stranger.key}")
    refused = api.get(url)
    assert refused.status_code == 404 and refused.json()["error"]["code"]


def test_pages_reuse_the_report_until_what_it_is_made_of_changes(marketing_world, manager):
    """The report takes seconds at scale: pages and the API reuse it, but a targeting edit,
    a new perk or a new run makes a new one at once."""
    from unittest import mock

    from django.core.cache import cache

    from campaigns.selectors import fairness
    from campaigns.services.campaigns import campaign_update
    from tests.perks.conftest import make_perk

    campaign, _ = marketing_world
    cache.clear()
    with mock.patch.object(fairness, "fairness_report", wraps=fairness.fairness_report) as made:
        first = fairness.fairness_report_cached(campaign=campaign)
        assert fairness.fairness_report_cached(campaign=campaign) == first
        assert made.call_count == 1
        fairness.fairness_report_cached(campaign=campaign, engagement_target=0.3)
        assert made.call_count == 2  # another share, another report
        campaign = campaign_update(campaign=campaign, user=manager, min_score=10)
        assert fairness.fairness_report_cached(campaign=campaign)["included"] == 5
        assert made.call_count == 3
        make_perk(campaign, title="Mug")
        fairness.fairness_report_cached(campaign=campaign)
        assert made.call_count == 4
        live_run()
        fairness.fairness_report_cached(campaign=campaign)
        assert made.call_count == 5


def test_live_preview_carries_the_fairness_headline(client, marketing_world, owner):
    from django.urls import reverse

    campaign, _ = marketing_world
    topic = campaign.topics.get().topic
    client.force_login(owner)
    preview = client.get(
        reverse("brand_admin:campaigns_campaign_preview"),
        {"min_score": 40, "topic": f"{topic.pk}:10"},
    ).json()
    assert preview["eligible"] == 3
    assert preview["fairness"]["population"] == 5
    assert preview["fairness"]["excluded_received_share"] == pytest.approx(0.7)
    assert "excludes 40%" in preview["fairness"]["headline"]


people = st.lists(
    st.tuples(
        st.integers(1, 100),  # overall score
        st.sampled_from([Visibility.PRIVATE, Visibility.BRANDS, Visibility.PUBLIC]),
        st.one_of(st.none(), st.integers(1, 100)),  # Marketing topic score (None: no evidence)
        st.integers(0, 50),  # actions received on the topic
        st.integers(0, 20),  # actions given
    ),
    max_size=25,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people, st.integers(1, 100), st.integers(1, 100))
def test_report_matches_a_direct_computation_on_random_members(
    campaign, crowd, min_score, min_topic
):
    """Population, inclusion, engagement shares and score-band rates, recomputed member by
    member with the eligibility engine's own decision."""
    from scoring.models import MemberTopicScore

    MemberScore.objects.all().delete()
    from scoring.models import ScoreRun

    ScoreRun.objects.all().delete()
    CampaignTopic.objects.filter(campaign=campaign).delete()
    run = live_run()
    marketing, _ = Topic.objects.get_or_create(slug="marketing", defaults={"name": "Marketing"})
    CampaignTopic.objects.create(campaign=campaign, topic=marketing, min_topic_score=min_topic)
    campaign.min_score, campaign.max_score = min_score, 100
    campaign.save()
    members = []
    for score, visibility, topic_score, got, gave in crowd:
        topics = [(marketing, topic_score)] if topic_score else []
        member = scored(run, score, topics=topics, visibility=visibility)
        MemberTopicScore.objects.filter(member=member).update(actions=got)
        MemberScore.objects.filter(member=member).update(actions_given=gave)
        members.append((member, score, visibility, topic_score, got, gave))
    report = fairness_report(campaign=campaign)
    population = [m for m in members if m[2] != Visibility.PRIVATE and m[3]]
    included = [
        m for m in population if eligibility_decide(campaign=campaign, member=m[0]).eligible
    ]
    assert report.get("population", 0) == len(population)
    if not population:
        return
    assert report["included"] == len(included)
    got_all = sum(m[4] for m in population)
    got_out = sum(m[4] for m in population if m not in included)
    assert report["excluded_received_share"] == pytest.approx(got_out / got_all if got_all else 0)
    gave_all = sum(m[5] for m in population)
    gave_out = sum(m[5] for m in population if m not in included)
    assert report["excluded_given_share"] == pytest.approx(gave_out / gave_all if gave_all else 0)
    bands = {g["group"]: g for g in report["groups"]["score band"]}
    for lo, hi in ((1, 20), (21, 40), (41, 60), (61, 80), (81, 100)):
        in_band = [m for m in population if lo <= m[1] <= hi]
        if in_band:
            row = bands[f"{lo}-{hi}"]
            assert row["members"] == len(in_band)
            assert row["included"] == sum(1 for m in in_band if m in included)
