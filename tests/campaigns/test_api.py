"""The campaigns API: brand isolation object by object, members' offers, staff audit."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from campaigns.models import BrandRole, Campaign
from campaigns.services.campaigns import campaign_approve, campaign_fund_by_invoice, campaign_submit
from scoring.models import Topic, Visibility
from tests.campaigns.conftest import staff_of
from tests.campaigns.test_brand_admin import make_campaign
from tests.campaigns.test_eligibility import live_run, scored
from tests.factories import BrandFactory, UserFactory

pytestmark = pytest.mark.django_db
BODY = {
    "name": "Autumn",
    "starts_at": "2026-09-01T00:00:00Z",
    "ends_at": "2026-09-30T00:00:00Z",
    "budget_cents": 90_000,
    "min_score": 30,
    "topics": [{"topic": "coffee", "min_topic_score": 20}],
}


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(site_staff):
    Topic.objects.create(slug="coffee", name="Coffee")
    a, b = BrandFactory(slug="alpha"), BrandFactory(slug="beta")
    a_manager = staff_of(a, BrandRole.MANAGER)
    b_campaign = make_campaign(b, "Beta secret")
    return {"a": a, "b": b, "a_manager": a_manager, "b_campaign": b_campaign}


def test_manager_creates_and_edits_through_the_api(world):
    api = api_for(world["a_manager"])
    made = api.post(reverse("api_brand_campaigns", args=["alpha"]), BODY, format="json")
    assert made.status_code == 201, made.json()
    data = made.json()
    assert data["status"] == "draft" and data["topics"] == [
        {"topic": "coffee", "min_topic_score": 20}
    ]
    url = reverse("api_campaign", args=[data["id"]])
    assert api.patch(url, {"max_score": 90}, format="json").json()["max_score"] == 90
    bad = api.patch(url, {"min_score": 95, "max_score": 90}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "campaign_invalid"
    unknown = api.patch(url, {"topics": [{"topic": "nope"}]}, format="json")
    assert unknown.status_code == 400 and "topics" in unknown.json()["error"]["fields"]
    early = api.post(reverse("api_campaign_transition", args=[data["id"], "submit"]))
    assert early.status_code == 409 and "fund it first" in early.json()["error"]["message"]


def test_other_brands_campaigns_are_404_everywhere(world):
    api = api_for(world["a_manager"])
    b_id = world["b_campaign"].pk
    assert api.get(reverse("api_brand_campaigns", args=["beta"])).status_code == 404
    assert (
        api.post(reverse("api_brand_campaigns", args=["beta"]), BODY, format="json").status_code
        == 404
    )
    assert api.get(reverse("api_campaign", args=[b_id])).status_code == 404
    assert (
        api.patch(reverse("api_campaign", args=[b_id]), {"name": "x"}, format="json").status_code
        == 404
    )
    for action in ("submit", "pause", "resume", "end"):
        assert api.post(reverse("api_campaign_transition", args=[b_id, action])).status_code == 404
    checkout = {"success_url": "https://a.test/ok", "cancel_url": "https://a.test/no"}
    assert (
        api.post(reverse("api_campaign_checkout", args=[b_id]), checkout, format="json").status_code
        == 404
    )
    assert api.get(reverse("api_campaign_eligible", args=[b_id])).status_code == 404
    world["b_campaign"].refresh_from_db()
    assert world["b_campaign"].name == "Beta secret"
    assert [b["slug"] for b in api.get(reverse("api_brands")).json()] == ["alpha"]


def test_viewer_reads_but_cannot_write(world):
    viewer = staff_of(world["a"], BrandRole.VIEWER)
    api = api_for(viewer)
    assert api.get(reverse("api_brand_campaigns", args=["alpha"])).status_code == 200
    refused = api.post(reverse("api_brand_campaigns", args=["alpha"]), BODY, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "role_required"


def test_preview_eligible_list_member_offers_and_staff_audit(world, site_staff):
    run = live_run()
    coffee = Topic.objects.get(slug="coffee")
    fan = scored(run, 60, topics=[(coffee, 50)], visibility=Visibility.PUBLIC)
    near = scored(run, 25, topics=[(coffee, 50)])
    scored(run, 90, topics=[(coffee, 50)], visibility=Visibility.PRIVATE)
    api = api_for(world["a_manager"])
    preview = api.post(
        reverse("api_targeting_preview"),
        {"min_score": 30, "topics": [{"topic": "coffee"}]},
        format="json",
    )
    assert preview.json()["eligible"] == 1
    campaign = Campaign.objects.get(
        pk=api.post(reverse("api_brand_campaigns", args=["alpha"]), BODY, format="json").json()[
            "id"
        ]
    )
    listed = api.get(reverse("api_campaign_eligible", args=[campaign.pk])).json()["results"]
    assert [r["member"] for r in listed] == [str(fan.public_id)]
    campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff)
    campaign_submit(campaign=campaign, user=world["a_manager"])
    campaign_approve(campaign=campaign, staff_user=site_staff)
    offers = api_for(fan.user).get(reverse("api_my_campaigns")).json()
    assert [o["campaign"]["name"] for o in offers["eligible"]] == ["Autumn"]
    near_offers = api_for(near.user).get(reverse("api_my_campaigns")).json()
    assert near_offers["eligible"] == []
    reasons = near_offers["near"][0]["decision"]["reasons"]
    assert "needs an overall score of 30-100, yours is 25" in [r["text"] for r in reasons]
    audit = (
        api_for(site_staff)
        .get(reverse("api_staff_audit"), {"member": str(near.public_id), "campaign": campaign.pk})
        .json()
    )
    assert audit["now"]["eligible"] is False and audit["now"]["facts"]["score"] == 25
    assert api_for(UserFactory()).get(reverse("api_staff_audit")).status_code == 403


def test_openapi_schema_has_no_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_member_campaigns_page_lists_eligible_and_near(client, world, site_staff):
    run = live_run()
    member = scored(run, 25)
    campaign = make_campaign(world["a"], "Tasting")
    campaign.min_score = 30
    campaign.save()
    campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff)
    campaign_submit(campaign=campaign, user=world["a_manager"])
    campaign_approve(campaign=campaign, staff_user=site_staff)
    client.force_login(member.user)
    page = client.get(reverse("member_campaigns")).content.decode()
    assert "You narrowly miss" in page and "needs an overall score of 30-100, yours is 25" in page


def test_site_admin_review_queue_and_audit(
    client, world, site_staff, mailoutbox, django_capture_on_commit_callbacks
):
    site_staff.is_superuser = True
    site_staff.save()
    campaign = make_campaign(world["a"], "Queued")
    campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff)
    campaign_submit(campaign=campaign, user=world["a_manager"])
    client.force_login(site_staff)
    queue = client.get(
        reverse("admin:campaigns_campaign_changelist"), {"status__exact": "in_review"}
    )
    assert "Queued" in queue.content.decode()
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    inlines = {
        f"{prefix}-{name}": 0
        for prefix in ("topics", "events")
        for name in ("TOTAL_FORMS", "INITIAL_FORMS")
    }
    refused = client.post(url, {"decision": "reject", "review_text": "", **inlines})
    assert "Say why" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "reject", "review_text": "Too vague.", **inlines})
    campaign.refresh_from_db()
    assert campaign.status == "rejected" and "Too vague." in mailoutbox[-1].body
    member = scored(live_run(), 40)
    audit = client.get(
        reverse("admin:perks_claim_audit"),
        {"member": member.user.email, "campaign": campaign.pk},
    ).content.decode()
    assert (
        "As of now: eligible" in audit and "needs an overall score of 1-100, yours is 40" in audit
    )
