"""The review's words: targeting as a sentence, the inclusion share, and the snapshot read
back as it was stored."""

from __future__ import annotations

import pytest

from campaigns.models import FairnessSnapshot, TopicMode
from campaigns.selectors.review import (
    approval_flags,
    inclusion_in_words,
    snapshot_summary,
    targeting_in_words,
)

pytestmark = pytest.mark.django_db


def test_targeting_in_words_says_any_for_an_open_targeting(campaign):
    assert targeting_in_words(campaign=campaign, topics=[]) == (
        "Members with any score, on any network, about any topic, visible to brands."
    )


def test_targeting_in_words_names_networks_topics_and_their_minimums(campaign):
    campaign.min_score, campaign.max_score = 40, 90
    campaign.networks = ["bluesky", "twitter", "facebook_page", "my_forum"]
    campaign.topic_mode = TopicMode.ALL
    words = targeting_in_words(campaign=campaign, topics=[("Coffee", 1), ("Tea", 30), ("Cake", 1)])
    assert words == (
        "Members with a score from 40 to 90, on Bluesky, X/Twitter, Facebook page or My Forum, "
        "about all of Coffee, Tea (topic score 30 or more) and Cake, visible to brands."
    )


def test_targeting_in_words_one_topic_in_all_mode_reads_plainly(campaign):
    campaign.topic_mode = TopicMode.ALL
    assert "about Coffee, visible" in targeting_in_words(campaign=campaign, topics=[("Coffee", 1)])


def test_inclusion_in_words_only_when_a_share_is_reserved(campaign):
    assert inclusion_in_words(campaign=campaign) == ""
    campaign.inclusion_share_percent = 10
    assert inclusion_in_words(campaign=campaign).startswith(
        "Plus 10% of the perks drawn by lottery"
    )


def test_snapshot_summary_reads_the_stored_report_and_the_latest_flags(campaign):
    assert snapshot_summary(snapshot=None) is None and approval_flags(campaign=campaign) == []
    FairnessSnapshot.objects.create(
        campaign=campaign, headline="old", flagged_groups=["score band: 1-20"], report={}
    )
    latest = FairnessSnapshot.objects.create(
        campaign=campaign,
        headline="This campaign excludes 50% of the 10 members active in its topics, ...",
        flagged_groups=[],
        report={"population": 10, "included": 5, "excluded": 5, "excluded_share": 0.5},
    )
    assert approval_flags(campaign=campaign) == []  # the resubmission's snapshot counts
    summary = snapshot_summary(snapshot=latest)
    assert (summary.population, summary.included, summary.excluded) == (10, 5, 5)
    assert summary.flagged == [] and summary.suggested_min_score is None


def test_snapshot_summary_of_a_report_without_scores_keeps_its_note(campaign):
    snapshot = FairnessSnapshot.objects.create(
        campaign=campaign,
        headline="Nobody is in this campaign's population yet.",
        report={"campaign": campaign.pk, "population": 0, "note": "No scores yet."},
    )
    summary = snapshot_summary(snapshot=snapshot)
    assert summary.population == 0 and summary.note == "No scores yet."
