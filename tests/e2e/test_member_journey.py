"""A member's whole journey in a real browser: sign up, verify, opt in, see the dashboard,
change visibility, download the data, delete the account."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from scoring.models import Member
from tests.conftest import requires_chromium

pytestmark = [requires_chromium, pytest.mark.browser]

EMAIL = "journey@example.org"
PASSWORD = "a-long-and-unusual-passphrase"


@pytest.mark.django_db(transaction=True)
def test_member_journey_signup_to_deletion(page, tmp_path):
    page.goto("/")
    page.get_by_role("link", name="Join").first.click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()

    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    page.get_by_role("heading", name="You are not scored").wait_for()
    page.get_by_label(re.compile("I agree to have an influence score")).check()
    page.get_by_role("button", name="Opt in to scoring").click()
    page.get_by_text("You are opted in").wait_for()
    assert Member.objects.get(user__email=EMAIL).opted_in_at is not None

    page.get_by_role("navigation").get_by_role("link", name="Dashboard").click()
    page.get_by_role("heading", name="Your score").wait_for()
    assert page.get_by_text(re.compile("Opted in on")).is_visible()

    page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    page.get_by_label("Public: anyone can see my score").check()
    page.get_by_role("button", name="Save visibility").click()
    page.get_by_text("Score visibility: Public").wait_for()
    assert Member.objects.get(user__email=EMAIL).visibility == "public"

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data").click()
    path = tmp_path / "export.json"
    download_info.value.save_as(path)
    exported = json.loads(path.read_text())
    assert exported["login"]["email"] == EMAIL
    assert exported["member"]["visibility"] == "public"
    assert [e["kind"] for e in exported["consent_events"]] == ["opt_in"]

    page.get_by_role("link", name="Delete my account").click()
    page.get_by_label("Type DELETE to confirm").fill("DELETE")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete everything").click()
    page.get_by_text("Your account and everything about you has been deleted").wait_for()

    assert not get_user_model().objects.filter(email=EMAIL).exists()
    assert not Member.objects.filter(user__email=EMAIL).exists()
    page.goto("/dashboard/")
    assert "/accounts/login/" in page.url
