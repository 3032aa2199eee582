"""A member connects Bluesky in a real browser (against the local fake), watches the sync,
and sees the score and its statement built from the people who acted on their posts, with
no file."""

from __future__ import annotations

import pytest

from scoring.models import AlgorithmVersion, MemberScore, NetworkAccount
from tests.conftest import requires_chromium
from tests.factories import PASSWORD, OptedInMemberFactory
from tests.scoring.conftest import PASSWORD as APP_PASSWORD
from tests.scoring.conftest import fake, world  # noqa: F401, F811 (the fake Bluesky fixtures)

pytestmark = [requires_chromium, pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_bluesky_journey_connect_sync_and_see_the_score(page, world, tmp_path):  # noqa: F811
    # An earlier journey's flush may have removed the version the migrations made.
    AlgorithmVersion.objects.get_or_create(
        is_active=True, defaults={"name": "v-e2e", "description": "", "parameters": {}}
    )
    member = OptedInMemberFactory()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(member.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Hello").wait_for()

    page.goto("/settings/")
    page.get_by_role("link", name="Connect Bluesky").click()
    page.get_by_label("Your Bluesky handle").fill("ana.bsky.social")
    page.get_by_label("An app password").fill(APP_PASSWORD)
    page.get_by_role("button", name="Connect Bluesky").click()

    page.get_by_text("Connected ana.bsky.social").wait_for()
    page.get_by_text("Up to date").first.wait_for()
    page.screenshot(path=str(tmp_path / "sync.png"), full_page=True)
    assert page.locator('[data-field="actions_stored"]').inner_text() == "8"
    account = NetworkAccount.objects.get(network="bluesky")
    assert account.member_id == member.pk

    page.get_by_role("link", name="My score").click()
    page.get_by_role("heading", name="Why this score").wait_for()
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    score = MemberScore.objects.filter(member=member).latest("pk")
    assert page.get_by_text(f"{score.score}").first.is_visible()
    reach = page.locator("dt", has_text="True Reach").locator("xpath=following-sibling::dd[1]")
    assert "3 people" in reach.inner_text()  # beside its 1-100 figure once calibrated
