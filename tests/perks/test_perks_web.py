"""Perk pages and API: offers, claim with an idempotency key, my claims, cancel, export,
and the staff audit showing the decisions stored with claims."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from perks.models import Claim, ClaimStatus, PerkKind
from scoring.models import MemberScore
from tests.factories import UserFactory
from tests.perks.conftest import make_perk

pytestmark = pytest.mark.django_db


def api_for(member):
    client = APIClient()
    client.force_authenticate(member.user)
    return client


def test_perk_pages_list_claim_and_show_the_code(
    client, perk, eligible, django_capture_on_commit_callbacks
):
    member = eligible(60)
    low = eligible(10)
    client.force_login(member.user)
    listing = client.get(reverse("perk_list")).content.decode()
    assert "Free bag of beans" in listing and "10 of 10 left" in listing
    page = client.get(reverse("perk_detail", args=[perk.pk])).content.decode()
    assert "I got this free from Roasters. #ad" in page and 'name="idempotency_key"' in page
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("perk_claim", args=[perk.pk]), {"idempotency_key": key})
        client.post(
            reverse("perk_claim", args=[perk.pk]), {"idempotency_key": key}
        )  # double submit
    assert Claim.objects.filter(member=member).count() == 1
    shown = client.get(reverse("perk_detail", args=[perk.pk])).content.decode()
    assert 'id="perk-code">BEANS-0000' in shown
    client.force_login(low.user)
    near = client.get(reverse("perk_detail", args=[perk.pk])).content.decode()
    assert "needs an overall score of 20-100, yours is 10" in near


def test_sold_out_is_shown_to_the_next_member(client, live_campaign, eligible):
    perk = make_perk(live_campaign, quantity=1, codes=1)
    first, second = eligible(), eligible()
    api_for(first).post(reverse("api_perk_claim", args=[perk.pk]), HTTP_IDEMPOTENCY_KEY="a")
    client.force_login(second.user)
    assert 'id="sold-out"' in client.get(reverse("perk_detail", args=[perk.pk])).content.decode()
    refused = api_for(second).post(
        reverse("api_perk_claim", args=[perk.pk]), HTTP_IDEMPOTENCY_KEY="b"
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "perk_sold_out"


def test_api_claim_needs_a_key_and_retries_return_the_same_claim(perk, eligible):
    member = eligible()
    api = api_for(member)
    url = reverse("api_perk_claim", args=[perk.pk])
    missing = api.post(url)
    assert missing.status_code == 400 and "Idempotency-Key" in missing.json()["error"]["fields"]
    made = api.post(url, HTTP_IDEMPOTENCY_KEY="retry-1")
    again = api.post(url, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert (made.status_code, again.status_code) == (201, 200)
    assert made.json()["id"] == again.json()["id"]
    mine = api.get(reverse("api_my_claims")).json()
    assert [c["id"] for c in mine] == [made.json()["id"]]
    offers = api.get(reverse("api_perks")).json()
    assert offers["eligible"][0]["claim"]["id"] == made.json()["id"]


def test_api_claim_refuses_a_bad_body_by_field_and_stores_nothing(perk, eligible):
    api = api_for(eligible())
    url = reverse("api_perk_claim", args=[perk.pk])
    too_long = api.post(url, {"shipping_name": "x" * 121}, format="json", HTTP_IDEMPOTENCY_KEY="b1")
    assert too_long.status_code == 400
    assert "shipping_name" in too_long.json()["error"]["fields"]
    for body in ([], [1], "text"):
        wrong = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="b2")
        assert wrong.status_code == 400, body
    assert not Claim.objects.exists()
    assert api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="b3").status_code == 201


def test_api_cancel_and_physical_address(live_campaign, eligible):
    perk = make_perk(live_campaign, kind=PerkKind.PHYSICAL, codes=0, title="Grinder")
    member = eligible()
    api = api_for(member)
    url = reverse("api_perk_claim", args=[perk.pk])
    no_address = api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="p1")
    assert (
        no_address.status_code == 400 and "shipping_address" in no_address.json()["error"]["fields"]
    )
    made = api.post(
        url,
        {"shipping_name": "Ada", "shipping_address": "1 Main St"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="p2",
    ).json()
    cancelled = api.post(reverse("api_claim_cancel", args=[made["id"]])).json()
    assert cancelled["status"] == ClaimStatus.CANCELLED
    other = api_for(eligible())
    assert other.post(reverse("api_claim_cancel", args=[made["id"]])).status_code == 404


def test_staff_audit_shows_now_and_the_decision_stored_with_each_claim(client, perk, eligible):
    member = eligible(60)
    api_for(member).post(reverse("api_perk_claim", args=[perk.pk]), HTTP_IDEMPOTENCY_KEY="z")
    MemberScore.objects.filter(member=member).update(score=5)  # the score fell since
    staff = UserFactory(is_staff=True, is_superuser=True)
    audit = APIClient()
    audit.force_authenticate(staff)
    body = audit.get(
        reverse("api_staff_audit"), {"member": str(member.public_id), "campaign": perk.campaign_id}
    ).json()
    assert body["now"]["eligible"] is False and body["now"]["facts"]["score"] == 5
    assert body["claims"][0]["decision"]["eligible"] is True
    assert body["claims"][0]["decision"]["facts"]["score"] == 60
    client.force_login(staff)
    page = client.get(
        reverse("admin:perks_claim_audit"),
        {"member": member.user.email, "campaign": perk.campaign_id},
    ).content.decode()
    assert "As of now: not eligible" in page and "Free bag of beans" in page
    assert "needs an overall score of 20-100, yours is 60" in page


def test_data_export_includes_claims(client, perk, eligible):
    member = eligible()
    api_for(member).post(reverse("api_perk_claim", args=[perk.pk]), HTTP_IDEMPOTENCY_KEY="e")
    client.force_login(member.user)
    data = json.loads(client.get(reverse("data_export")).content)
    assert data["claims"][0]["perk"] == "Free bag of beans"
    assert data["claims"][0]["decision"]["eligible"] is True


@pytest.mark.parametrize("status", ["draft", "funded", "in_review", "rejected"])
def test_perks_of_campaigns_not_yet_live_are_not_public(client, live_campaign, eligible, status):
    from campaigns.models import Campaign

    perk = make_perk(live_campaign, title="Unreleased launch perk")
    Campaign.objects.filter(pk=live_campaign.pk).update(status=status)
    client.force_login(eligible().user)
    assert client.get(reverse("perk_detail", args=[perk.pk])).status_code == 404
    client.force_login(live_campaign.manager)  # its brand previews it
    page = client.get(reverse("perk_detail", args=[perk.pk]))
    assert page.status_code == 200 and "Unreleased launch perk" in page.content.decode()
