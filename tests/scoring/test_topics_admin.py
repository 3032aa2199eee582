"""Site-staff admin for topics and disputes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scoring.models import Topic, TopicDispute, TopicHide
from scoring.services.runs.execute import score_run_execute, score_run_start
from scoring.services.topics import content_topics_refresh
from scoring.services.topics_members import topic_dispute_create
from tests.factories import UserFactory
from tests.scoring.topic_world import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _calibrate_on_small_runs(settings):
    settings.SCORE_CALIBRATION_MIN_MEMBERS = 1


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_edits_topic_terms_one_per_line_and_posts_rematch(staff_client, author, tree):
    content_topics_refresh()
    cuba = tree["cuba"]
    url = reverse("admin:scoring_topic_change", args=[cuba.pk])
    page = staff_client.get(url).content.decode()
    assert "havana" in page
    form = {
        "name": "Cuba",
        "slug": "cuba",
        "parent": "",
        "description": "",
        "aliases": "Republic of Cuba\nCuban, ",
        "hashtags": "#Cuba\ncubatravel",
        "keywords": "havana, malecon",
    }
    assert staff_client.post(url, form).status_code == 302
    cuba.refresh_from_db()
    assert cuba.aliases == ["Republic of Cuba", "Cuban"]
    assert cuba.hashtags == ["cuba", "cubatravel"]
    assert content_topics_refresh() == 4  # the tree changed: every post is matched again


def test_admin_refuses_a_hashtag_of_another_topic_and_a_fourth_level(staff_client, tree):
    url = reverse("admin:scoring_topic_add")
    form = {"name": "Rum", "slug": "rum", "parent": "", "hashtags": "cuba", "keywords": ""}
    page = staff_client.post(url, form).content.decode()
    assert "#cuba belongs to Cuba" in page
    level3 = Topic.objects.create(slug="x", name="X", parent=tree["social-media-marketing"])
    form = {"name": "Deep", "slug": "deep", "parent": str(level3.pk), "hashtags": ""}
    page = staff_client.post(url, form).content.decode()
    assert "at most 3 levels" in page
    assert not Topic.objects.filter(slug__in=["rum", "deep"]).exists()


def test_admin_dispute_queue_shows_evidence_and_upholding_hides(
    staff_client,
    author,
    tree,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    score_run_execute(run_id=score_run_start(as_of=AS_OF).pk)
    dispute = topic_dispute_create(
        member=author, topic=tree["marketing"], reason="I am a chef, not a marketer."
    )
    listing = staff_client.get(reverse("admin:scoring_topicdispute_changelist")).content.decode()
    assert "I am a chef" in listing
    url = reverse("admin:scoring_topicdispute_change", args=[dispute.pk])
    page = staff_client.get(url).content.decode()
    assert "Five #SocialMediaMarketing lessons" in page and "3 people" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {"decision": "uphold", "staff_response": "Sorry!"})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == TopicDispute.Status.UPHELD and dispute.staff_response == "Sorry!"
    assert TopicHide.objects.filter(member=author, topic=tree["marketing"]).exists()
    assert mailoutbox and "Sorry!" in mailoutbox[-1].body


def test_admin_plus_k_and_topic_scores_are_read_only(staff_client, author):
    score_run_execute(run_id=score_run_start(as_of=AS_OF).pk)
    assert staff_client.get(reverse("admin:scoring_plusk_changelist")).status_code == 200
    scores = staff_client.get(reverse("admin:scoring_membertopicscore_changelist"))
    assert scores.status_code == 200 and "Social Media Marketing" in scores.content.decode()
    assert staff_client.get(reverse("admin:scoring_plusk_add")).status_code == 403
