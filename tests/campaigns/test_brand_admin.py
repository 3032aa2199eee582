"""The brand admin: each brand's staff see and change only their own brand, object by
object, including direct URLs with another brand's ids."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from campaigns.models import (
    BrandInvitation,
    BrandMembership,
    BrandRole,
    Campaign,
    CampaignStatus,
    Payment,
)
from campaigns.services.campaigns import campaign_fund_by_invoice
from tests.campaigns.conftest import START, staff_of
from tests.factories import BrandFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_campaign(brand, name):
    return Campaign.objects.create(
        brand=brand,
        name=name,
        starts_at=START,
        ends_at=START + timedelta(days=9),
        budget_cents=10_000,
    )


@pytest.fixture
def two_brands(site_staff):
    a, b = BrandFactory(name="Alpha"), BrandFactory(name="Beta")
    a_owner, b_owner = staff_of(a, BrandRole.OWNER), staff_of(b, BrandRole.OWNER)
    a_campaign, b_campaign = make_campaign(a, "Alpha spring"), make_campaign(b, "Beta secret")
    b_payment = campaign_fund_by_invoice(campaign=b_campaign, staff_user=site_staff)
    b_invite = BrandInvitation.objects.create(
        brand=b, email="x@beta.test", role="viewer", token="tok-b", expires_at=START
    )
    return {
        "a": a,
        "b": b,
        "a_owner": a_owner,
        "b_owner": b_owner,
        "a_campaign": a_campaign,
        "b_campaign": b_campaign,
        "b_payment": b_payment,
        "b_invite": b_invite,
        "b_membership": BrandMembership.objects.get(user=b_owner),
    }


def campaign_form(brand, name, starts="2026-07-01", ends="2026-07-10") -> dict:
    """The brand admin's add form, filled in (with the empty inline formsets)."""
    return {
        "brand": brand.pk,
        "name": name,
        "starts_at_0": starts,
        "starts_at_1": "00:00:00",
        "ends_at_0": ends,
        "ends_at_1": "00:00:00",
        "budget_cents": 100,
        "currency": "USD",
        "min_score": 1,
        "max_score": 100,
        "topic_mode": "any",
        "networks": "",
        "inclusion_share_percent": 0,
        "topics-TOTAL_FORMS": 0,
        "topics-INITIAL_FORMS": 0,
        "events-TOTAL_FORMS": 0,
        "events-INITIAL_FORMS": 0,
    }


def b_objects(w):
    return [
        ("campaigns_campaign", w["b_campaign"].pk),
        ("campaigns_brand", w["b"].pk),
        ("campaigns_brandmembership", w["b_membership"].pk),
        ("campaigns_brandinvitation", w["b_invite"].pk),
        ("campaigns_payment", w["b_payment"].pk),
    ]


def test_brand_admin_needs_a_brand_membership(client):
    assert client.get(reverse("brand_admin:index")).status_code == 302  # to the login
    client.force_login(UserFactory())
    response = client.get(reverse("brand_admin:index"), follow=True)
    assert reverse("home") in [url for url, _ in response.redirect_chain]
    assert "not on the staff of any brand" in response.content.decode()


def test_lists_show_only_own_brand(client, two_brands):
    client.force_login(two_brands["a_owner"])
    for model in ("campaign", "brand", "brandmembership", "brandinvitation", "payment"):
        page = client.get(reverse(f"brand_admin:campaigns_{model}_changelist")).content.decode()
        assert "Beta" not in page and "x@beta.test" not in page, model
    assert (
        "Alpha spring"
        in client.get(reverse("brand_admin:campaigns_campaign_changelist")).content.decode()
    )


def test_direct_urls_with_the_other_brands_ids_reveal_and_change_nothing(client, two_brands):
    client.force_login(two_brands["a_owner"])
    for name, pk in b_objects(two_brands):
        for view in ("change", "history", "delete"):
            response = client.get(reverse(f"brand_admin:{name}_{view}", args=[pk]))
            assert response.status_code in (302, 403, 404), (name, view)
            assert "Beta" not in response.content.decode()
        response = client.post(reverse(f"brand_admin:{name}_change", args=[pk]), {"name": "Pwned"})
        assert response.status_code in (302, 403, 404), name
    b_campaign = two_brands["b_campaign"]
    b_campaign.refresh_from_db()
    assert b_campaign.name == "Beta secret"
    two_brands["b"].refresh_from_db()
    assert two_brands["b"].name == "Beta"


def test_actions_and_exports_ignore_other_brands_ids(client, two_brands):
    client.force_login(two_brands["a_owner"])
    url = reverse("brand_admin:campaigns_campaign_changelist")
    ids = [two_brands["a_campaign"].pk, two_brands["b_campaign"].pk]
    export = client.post(url, {"action": "export_csv", "_selected_action": ids})
    body = export.content.decode()
    assert "Alpha spring" in body and "Beta secret" not in body
    client.post(url, {"action": "end", "_selected_action": [two_brands["b_campaign"].pk]})
    two_brands["b_campaign"].refresh_from_db()
    assert two_brands["b_campaign"].status == CampaignStatus.FUNDED
    members = reverse("brand_admin:campaigns_brandmembership_changelist")
    client.post(
        members,
        {"action": "remove_from_staff", "_selected_action": [two_brands["b_membership"].pk]},
    )
    assert BrandMembership.objects.filter(pk=two_brands["b_membership"].pk).exists()


def test_add_form_offers_only_own_brands_and_refuses_others(client, two_brands):
    client.force_login(two_brands["a_owner"])
    url = reverse("brand_admin:campaigns_campaign_add")
    page = client.get(url).content.decode()
    assert "Alpha" in page and "Beta" not in page
    data = campaign_form(two_brands["b"], "Sneaky", starts="2026-07-01", ends="2026-07-10")
    response = client.post(url, data)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Campaign.objects.filter(name="Sneaky").exists()
    data["brand"] = two_brands["a"].pk
    assert client.post(url, data).status_code == 302
    assert Campaign.objects.get(name="Sneaky").brand == two_brands["a"]


def test_viewer_reads_but_cannot_change_and_payments_are_for_owners(client, two_brands):
    viewer = staff_of(two_brands["a"], BrandRole.VIEWER)
    client.force_login(viewer)
    campaign = two_brands["a_campaign"]
    page = client.get(reverse("brand_admin:campaigns_campaign_change", args=[campaign.pk]))
    assert page.status_code == 200 and 'name="name"' not in page.content.decode()  # read-only
    client.post(reverse("brand_admin:campaigns_campaign_change", args=[campaign.pk]), {"name": "x"})
    campaign.refresh_from_db()
    assert campaign.name == "Alpha spring"
    assert client.get(reverse("brand_admin:campaigns_payment_changelist")).status_code == 403


def test_manager_creates_a_campaign_with_validation_errors_in_the_form(client, two_brands):
    manager = staff_of(two_brands["a"], BrandRole.MANAGER)
    client.force_login(manager)
    data = campaign_form(two_brands["a"], "Bad dates", starts="2026-07-10", ends="2026-07-01")
    page = client.post(reverse("brand_admin:campaigns_campaign_add"), data).content.decode()
    assert "must end after it starts" in page
    assert not Payment.objects.filter(campaign__name="Bad dates").exists()
    assert not Campaign.objects.filter(name="Bad dates").exists()


def test_live_preview_before_any_score_run_is_all_zero(client, two_brands):
    """A fresh install has no score run: the preview says nobody yet, it does not fail."""
    client.force_login(two_brands["a_owner"])
    answer = client.get(reverse("brand_admin:campaigns_campaign_preview"), {"min_score": 30})
    assert answer.status_code == 200
    assert answer.json()["eligible"] == 0
    assert [b["members"] for b in answer.json()["bands"]] == [0, 0, 0, 0, 0]


def test_live_preview_counts_eligible_by_band_for_the_edited_targeting(client, two_brands):
    from scoring.models import Topic, Visibility
    from tests.campaigns.test_eligibility import live_run, scored

    coffee = Topic.objects.create(slug="coffee", name="Coffee")
    run = live_run()
    scored(run, 55, topics=[(coffee, 60)])
    scored(run, 85, topics=[(coffee, 20)])
    scored(run, 70, topics=[(coffee, 90)], visibility=Visibility.PRIVATE)
    client.force_login(two_brands["a_owner"])
    url = reverse("brand_admin:campaigns_campaign_preview")
    everyone = client.get(url).json()
    assert everyone["eligible"] == 2
    narrowed = client.get(url, {"min_score": 50, "topic": f"{coffee.pk}:50"}).json()
    assert narrowed["eligible"] == 1
    assert [b["members"] for b in narrowed["bands"]] == [0, 0, 1, 0, 0]
    assert client.get(url, {"min_score": 90, "max_score": 10}).status_code == 400
    page = client.get(
        reverse("brand_admin:campaigns_campaign_change", args=[two_brands["a_campaign"].pk])
    ).content.decode()
    assert 'id="targeting-preview"' in page and "targeting-preview.js" in page
    client.force_login(UserFactory())
    assert client.get(url).status_code == 302  # not brand staff: to the login
