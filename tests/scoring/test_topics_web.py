"""Topic pages and API: my topics with evidence, hide/restore/dispute, public profiles, +K."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.models import PlusK, TopicDispute, TopicHide, Visibility
from scoring.services.runs.execute import score_run_execute, score_run_start
from tests.factories import OptedInMemberFactory
from tests.scoring.topic_world import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _calibrate_on_small_runs(settings):
    settings.SCORE_CALIBRATION_MIN_MEMBERS = 1


@pytest.fixture
def scored(author):
    score_run_execute(run_id=score_run_start(as_of=AS_OF).pk)
    return author


@pytest.fixture
def api(scored):
    client = APIClient()
    client.force_authenticate(scored.user)
    return client


def test_dashboard_lists_topics_with_evidence_and_their_match(
    client, scored, django_assert_max_num_queries
):
    client.force_login(scored.user)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("dashboard")).content.decode()
    assert "Marketing &gt; Social Media Marketing" in page
    assert "Five #SocialMediaMarketing lessons" in page
    assert "#socialmediamarketing (hashtag)" in page
    assert "matched through Social Media Marketing" in page
    assert "Cuba" not in page.split('id="topics"')[1]  # one lucky post: not a topic
    assert "at least 3 different" in page


def test_dashboard_hide_and_restore_buttons(client, scored, tree):
    client.force_login(scored.user)
    response = client.post(reverse("topic_hide", args=["marketing"]))
    assert response.status_code == 302 and response.url.endswith("#topics")
    assert TopicHide.objects.filter(member=scored, topic__slug="marketing").exists()
    page = client.get(reverse("dashboard")).content.decode()
    assert "Show again" in page
    client.post(reverse("topic_restore", args=["marketing"]))
    assert not TopicHide.objects.exists()
    assert client.get(reverse("topic_hide", args=["marketing"])).status_code == 405


def test_dispute_page_validates_and_sends(client, scored):
    client.force_login(scored.user)
    url = reverse("topic_dispute", args=["social-media-marketing"])
    assert "because 3 people acted on 2" in client.get(url).content.decode()
    short = client.post(url, {"reason": "no"})
    assert short.status_code == 200 and "at least 10 characters" in short.content.decode()
    assert not TopicDispute.objects.exists()
    done = client.post(url, {"reason": "I never worked in marketing."})
    assert done.status_code == 302
    assert TopicDispute.objects.get().reason == "I never worked in marketing."
    assert client.get(reverse("topic_dispute", args=["cuba"])).status_code == 404


def test_api_my_topics_hide_restore_dispute(api, scored):
    rows = api.get(reverse("api_my_topics")).json()
    slugs = [r["topic"]["slug"] for r in rows]
    assert set(slugs) == {"social-media-marketing", "marketing"}
    smm = next(r for r in rows if r["topic"]["slug"] == "social-media-marketing")
    assert smm["people"] == 3 and smm["posts"] == 2 and smm["hidden"] is False
    assert {tuple(m) for e in smm["evidence"] for m in e["matched"]} == {
        ("hashtag", "socialmediamarketing"),
        ("alias", "smm"),
    }
    assert api.post(reverse("api_topic_hide", args=["marketing"])).status_code == 204
    hidden = {r["topic"]["slug"]: r["hidden"] for r in api.get(reverse("api_my_topics")).json()}
    assert hidden == {"social-media-marketing": False, "marketing": True}
    assert api.post(reverse("api_topic_restore", args=["marketing"])).status_code == 204
    missing = api.post(reverse("api_topic_hide", args=["no-such-topic"]))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    url = reverse("api_topic_dispute", args=["marketing"])
    bad = api.post(url, {}, format="json")
    assert bad.status_code == 400 and "reason" in bad.json()["error"]["fields"]
    assert api.post(url, {"reason": "Not my field at all."}, format="json").status_code == 201
    again = api.post(url, {"reason": "Not my field at all."}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "dispute_refused"
    assert api.get(reverse("api_my_disputes")).json()["results"][0]["topic"] == "marketing"


def test_api_topic_tree_is_public(client, tree):
    rows = APIClient().get(reverse("api_topics")).json()
    by_slug = {r["slug"]: r for r in rows}
    assert by_slug["social-media-marketing"]["parent"] == "marketing"
    assert by_slug["social-media-marketing"]["full_name"] == "Marketing > Social Media Marketing"


def test_profile_only_when_public_and_plus_k_from_the_page(client, scored):
    url = reverse("profile", args=[scored.public_id])
    assert client.get(url).status_code == 404  # private by default
    scored.visibility = Visibility.PUBLIC
    scored.save()
    anonymous = client.get(url).content.decode()
    assert "Social Media Marketing" in anonymous and "+K</button>" not in anonymous
    fan = OptedInMemberFactory()
    client.force_login(fan.user)
    page = client.get(url).content.decode()
    assert "+K</button>" in page
    give = reverse("plus_k_give", args=[scored.public_id, "social-media-marketing"])
    assert client.post(give).status_code == 302
    assert PlusK.objects.filter(giver=fan, receiver=scored).count() == 1
    again = client.post(give, follow=True).content.decode()
    assert "again from" in again  # the 7-day rule, said on the page
    client.force_login(scored.user)
    assert "+K</button>" not in client.get(url).content.decode()  # not to oneself


def test_api_profile_and_plus_k(scored):
    anonymous = APIClient()
    url = reverse("api_profile", args=[scored.public_id])
    assert anonymous.get(url).status_code == 404
    scored.visibility = Visibility.PUBLIC
    scored.display_name = "Ada"
    scored.save()
    profile = anonymous.get(url).json()
    assert profile["display_name"] == "Ada" and profile["score"] is not None
    assert {t["topic"]["slug"] for t in profile["topics"]} == {
        "social-media-marketing",
        "marketing",
    }
    give = reverse("api_plus_k_give", args=[scored.public_id, "marketing"])
    assert anonymous.post(give).status_code == 401
    fan = APIClient()
    fan_member = OptedInMemberFactory()
    fan.force_authenticate(fan_member.user)
    made = fan.post(give)
    assert made.status_code == 201 and made.json()["receiver"] == "Ada"
    assert made.json()["giver"] == "a member"  # the giver's profile is private
    assert fan.post(give).json()["error"]["code"] == "plus_k_limit"
    no_evidence = fan.post(reverse("api_plus_k_give", args=[scored.public_id, "cuba"]))
    assert no_evidence.status_code == 400
    assert no_evidence.json()["error"]["code"] == "plus_k_refused"
    mine = fan.get(reverse("api_my_plus_k")).json()
    assert [k["topic"] for k in mine["given"]] == ["marketing"] and mine["received"] == []
