"""Staff review of a campaign in the site admin: the fairness snapshot stored at submission,
the perks with their money, the targeting in words, and the justification a flagged
approval needs; staff only, in a bounded number of queries."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import CampaignEvent, CampaignStatus, CampaignTopic, FairnessSnapshot
from campaigns.services.campaigns import (
    campaign_fund_by_invoice,
    campaign_reject,
    campaign_submit,
)
from perks.models import Perk, PerkKind
from scoring.models import Topic
from tests.campaigns.conftest import START
from tests.campaigns.test_eligibility import live_run, scored

pytestmark = pytest.mark.django_db

FLAGS = ["score band: 1-20", "primary network: twitter"]
INLINES = {
    f"{prefix}-{name}": 0
    for prefix in ("topics", "events")
    for name in ("TOTAL_FORMS", "INITIAL_FORMS")
}


def add_perk(campaign, title: str, quantity: int, value_cents: int) -> Perk:
    return Perk.objects.create(
        campaign=campaign,
        title=title,
        kind=PerkKind.PHYSICAL,
        quantity=quantity,
        value_cents=value_cents,
        opens_at=START,
        closes_at=START + timedelta(days=10),
        disclosure_text="#ad",
    )


@pytest.fixture
def in_review(campaign, manager, site_staff):
    """The conftest campaign ($1,250.00 budget) aimed at Coffee or Tea on Bluesky or
    Mastodon from score 40, with two perks, funded and submitted (its snapshot taken
    against five scored members)."""
    run = live_run()
    coffee = Topic.objects.create(slug="coffee", name="Coffee")
    tea = Topic.objects.create(slug="tea", name="Tea")
    for topic in (coffee, tea):
        CampaignTopic.objects.create(campaign=campaign, topic=topic)
    for score in (80, 60, 45, 20, 10):
        scored(run, score, topics=[(coffee, 50)], networks=("bluesky",))
    campaign.min_score, campaign.networks = 40, ["bluesky", "mastodon"]
    campaign.save()
    add_perk(campaign, "Tasting kit", quantity=4, value_cents=25_000)
    add_perk(campaign, "Mug", quantity=10, value_cents=2_000)
    campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff)
    return campaign_submit(campaign=campaign, user=manager)


def flag(campaign) -> FairnessSnapshot:
    """Make the campaign's snapshot flag two groups, with their numbers."""
    snapshot = FairnessSnapshot.objects.get(campaign=campaign)
    report = dict(snapshot.report)
    report["groups"] = {
        "score band": [
            {"group": "1-20", "members": 40, "included": 2, "rate": 0.05, "ratio_to_best": 0.1,
             "flagged": True, "too_small": False},
            {"group": "41-60", "members": 40, "included": 20, "rate": 0.5, "ratio_to_best": 1.0,
             "flagged": False, "too_small": False},
        ],
        "primary network": [
            {"group": "twitter", "members": 31, "included": 3, "rate": 0.1,
             "ratio_to_best": 0.2, "flagged": True, "too_small": False},
        ],
    }  # fmt: skip
    snapshot.report, snapshot.flagged_groups = report, FLAGS
    snapshot.save()
    return snapshot


def review_url(campaign) -> str:
    return reverse("admin:campaigns_campaign_change", args=[campaign.pk])


def page_text(client, campaign) -> str:
    response = client.get(review_url(campaign))
    assert response.status_code == 200
    return " ".join(html.unescape(response.content.decode()).split())


def test_review_shows_the_snapshot_headline_and_its_key_numbers(admin_client, in_review):
    snapshot = FairnessSnapshot.objects.get(campaign=in_review)
    page = page_text(admin_client, in_review)
    assert "excludes 40% of the 5 members" in snapshot.headline
    assert snapshot.headline in page
    assert "Fairness at submission" in page and "No group flagged" in page
    assert "Included by the targeting" in page and "Excluded" in page
    assert reverse("campaign_fairness", args=[in_review.pk]) in page


def test_review_shows_perks_with_money_in_the_currencys_units(admin_client, in_review):
    page = page_text(admin_client, in_review)
    assert "Tasting kit" in page and "Mug" in page
    assert "$250.00" in page and "$1,000.00" in page and "$20.00" in page
    assert "The perks commit $1,200.00 of the $1,250.00 budget" in page
    assert "25000" not in page and "25,000" not in page and "125000" not in page


def test_review_shows_money_with_the_currencys_own_digits(admin_client, in_review):
    in_review.currency = "JPY"
    in_review.save()
    page = page_text(admin_client, in_review)
    assert "¥25,000" in page and "¥100,000" in page and "¥125,000" in page


def test_review_says_the_targeting_in_words_with_network_labels_and_topic_names(
    admin_client, in_review
):
    page = page_text(admin_client, in_review)
    assert (
        "Members with a score from 40 to 100, on Bluesky or Mastodon, about Coffee or Tea, "
        "visible to brands." in page
    )


def test_review_queue_lists_campaigns_with_their_flags(admin_client, in_review):
    flag(in_review)
    queue = admin_client.get(
        reverse("admin:campaigns_campaign_changelist"), {"status__exact": "in_review"}
    ).content.decode()
    assert in_review.name in queue and "2 groups flagged" in queue and "$1,250.00" in queue


def test_review_of_a_flagged_campaign_lists_the_groups_and_asks_for_a_justification(
    admin_client, in_review
):
    flag(in_review)
    page = page_text(admin_client, in_review)
    assert "2 groups flagged" in page and "score band: 1-20; primary network: twitter" in page
    assert "Required to approve" in page
    assert "Score band" in page and "Primary network" in page and "10%" in page


def test_review_approving_a_flagged_campaign_without_justification_is_refused(
    admin_client, in_review, mailoutbox
):
    flag(in_review)
    events = CampaignEvent.objects.filter(campaign=in_review).count()
    response = admin_client.post(
        review_url(in_review), {"decision": "approve", "review_text": "  ", **INLINES}
    )
    assert response.status_code == 200  # the form again, with the error next to the field
    page = html.unescape(response.content.decode())
    assert (
        "Write why the campaign may go live anyway: its fairness report flagged 2 groups at "
        "submission (score band: 1-20; primary network: twitter)." in page
    )
    in_review.refresh_from_db()
    assert in_review.status == CampaignStatus.IN_REVIEW and in_review.reviewed_by is None
    assert CampaignEvent.objects.filter(campaign=in_review).count() == events
    assert not mailoutbox


def test_review_approving_a_flagged_campaign_with_a_justification_goes_live(
    admin_client, admin_user, in_review, django_capture_on_commit_callbacks
):
    flag(in_review)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            review_url(in_review),
            {"decision": "approve", "review_text": "Launch event only.", **INLINES},
            follow=True,
        )
    in_review.refresh_from_db()
    assert in_review.status == CampaignStatus.LIVE
    assert in_review.review_note == "Launch event only." and in_review.reviewed_by == admin_user
    assert "is approved and live" in html.unescape(response.content.decode())


def test_review_approving_an_unflagged_campaign_needs_no_note(admin_client, in_review):
    admin_client.post(review_url(in_review), {"decision": "approve", "review_text": "", **INLINES})
    in_review.refresh_from_db()
    assert in_review.status == CampaignStatus.LIVE


def test_review_decided_meanwhile_changes_nothing_and_says_so(admin_client, in_review, site_staff):
    """Two staff on the same review: the second decision is refused by the service."""
    campaign_reject(campaign=in_review, staff_user=site_staff, reason="Too vague.")
    response = admin_client.post(
        review_url(in_review), {"decision": "approve", "review_text": "", **INLINES}, follow=True
    )
    page = html.unescape(response.content.decode())
    assert "Nothing changed:" in page and "changed successfully" not in page
    in_review.refresh_from_db()
    assert in_review.status == CampaignStatus.REJECTED and in_review.reviewed_by == site_staff


def test_review_is_for_site_staff_only(client, in_review, manager, site_staff):
    url = review_url(in_review)
    client.force_login(manager)  # the campaign's own brand manager, not site staff
    response = client.get(url)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    refused = client.post(url, {"decision": "approve", "review_text": "ok", **INLINES})
    assert refused.status_code == 302
    client.force_login(site_staff)  # staff without the campaign permissions
    assert client.get(url).status_code == 403
    in_review.refresh_from_db()
    assert in_review.status == CampaignStatus.IN_REVIEW


def _queries(client, campaign) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(review_url(campaign)).status_code == 200
    return len(queries)


def test_review_page_queries_are_bounded_whatever_the_perks_topics_and_history(
    admin_client, in_review, django_assert_max_num_queries
):
    flag(in_review)
    with django_assert_max_num_queries(15):
        admin_client.get(review_url(in_review))
    before = _queries(admin_client, in_review)
    parent = Topic.objects.create(slug="drinks", name="Drinks")
    for i in range(4):
        topic = Topic.objects.create(slug=f"t{i}", name=f"Topic {i}", parent=parent)
        CampaignTopic.objects.create(campaign=in_review, topic=topic, min_topic_score=30)
        add_perk(in_review, f"Extra {i}", quantity=1, value_cents=100)
        CampaignEvent.objects.create(
            campaign=in_review, from_status="in_review", to_status="in_review", note=f"{i}"
        )
    assert _queries(admin_client, in_review) == before
