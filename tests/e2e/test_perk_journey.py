"""Perks in a real browser: a member sees a perk, claims it and gets the code by e-mail; a
second member sees it sold out."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from campaigns.models import Brand, Campaign
from perks.models import Perk, PerkCode
from scoring.models import AlgorithmVersion, Member, MemberScore, ScoreRun
from tests.conftest import requires_chromium

pytestmark = [requires_chromium, pytest.mark.browser]
PASSWORD = "a-long-and-unusual-passphrase"


def member(email: str, run: ScoreRun) -> Member:
    user = get_user_model().objects.create_user(
        username=email.split("@")[0], email=email, password=PASSWORD
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    m = Member.objects.create(user=user, opted_in_at=timezone.now(), visibility="brands")
    MemberScore.objects.create(
        run=run,
        member=m,
        score=55,
        true_reach=3,
        amplification=4,
        network_impact=5,
        raw=1,
        visible_to_brands=True,
    )
    return m


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Hello").wait_for()


@pytest.mark.django_db(transaction=True)
def test_perk_journey_claim_code_by_mail_then_sold_out(page):
    now = timezone.now()
    version, _ = AlgorithmVersion.objects.get_or_create(
        is_active=True, defaults={"name": "v-e2e", "description": "", "parameters": {}}
    )
    run = ScoreRun.objects.create(version=version, status="complete", as_of=now)
    campaign = Campaign.objects.create(
        brand=Brand.objects.create(name="Roasters", slug=f"roasters-{uuid.uuid4().hex[:6]}"),
        name="Tasting",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=9),
        budget_cents=10_000,
        status="live",
    )
    perk = Perk.objects.create(
        campaign=campaign,
        title="Free bag of beans",
        kind="code",
        quantity=1,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        disclosure_text="I got these beans free from Roasters. #ad",
    )
    PerkCode.objects.create(perk=perk, code="BEANS-ONLY-ONE")
    member("first@example.org", run)
    member("second@example.org", run)

    sign_in(page, "first@example.org")
    page.get_by_role("link", name="Perks").first.click()
    page.get_by_role("link", name="Free bag of beans").click()
    assert "I got these beans free from Roasters. #ad" in page.content()
    page.get_by_role("button", name="Claim").click()
    page.locator("#perk-code").wait_for()
    assert page.locator("#perk-code").inner_text() == "BEANS-ONLY-ONE"
    assert any("BEANS-ONLY-ONE" in m.body for m in mail.outbox)

    page.context.clear_cookies()
    sign_in(page, "second@example.org")
    page.goto(f"/perks/{perk.pk}/")
    page.locator("#sold-out").wait_for()
    assert "Sold out." in page.locator("#sold-out").inner_text()
