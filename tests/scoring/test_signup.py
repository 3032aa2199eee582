"""Sign-up with e-mail as the login, mandatory verification, password reset."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from scoring.models import Member

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase"


def _sign_up(client, capture, email="new.member@example.org"):
    with capture(execute=True):
        return client.post(
            reverse("account_signup"),
            {"email": email, "password1": PASSWORD, "password2": PASSWORD},
        )


def _link_in(message) -> str:
    match = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body)
    assert match, message.body
    return match.group(0)


def test_signup_creates_member_not_opted_in_and_sends_verification(
    client, django_capture_on_commit_callbacks
):
    response = _sign_up(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    user = get_user_model().objects.get(email="new.member@example.org")
    member = Member.objects.get(user=user)
    assert member.opted_in_at is None
    assert member.visibility == "private"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.member@example.org"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_login_before_verification_is_refused(client, django_capture_on_commit_callbacks):
    _sign_up(client, django_capture_on_commit_callbacks)
    client.logout()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_login"), {"login": "new.member@example.org", "password": PASSWORD}
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("dashboard")).status_code == 302


def test_following_verification_link_verifies_and_logs_in(
    client, django_capture_on_commit_callbacks
):
    _sign_up(client, django_capture_on_commit_callbacks)
    link = _link_in(mail.outbox[0]).split("testserver", 1)[-1]

    assert client.get(link).status_code == 200  # confirmation page, no change on GET
    response = client.post(link)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new.member@example.org").verified
    assert client.get(reverse("dashboard")).status_code == 200


def test_signup_existing_email_creates_nothing_and_tells_the_owner(
    client, django_capture_on_commit_callbacks, user
):
    """No account enumeration: the page looks the same; the owner gets a mail instead."""
    response = _sign_up(client, django_capture_on_commit_callbacks, email=user.email)

    assert response.status_code == 302
    assert get_user_model().objects.filter(email=user.email).count() == 1
    assert len(mail.outbox) == 1
    assert "already" in mail.outbox[0].body.lower()


def test_password_reset_sends_mail(client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})

    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_signup_page_has_labelled_fields(client):
    body = client.get(reverse("account_signup")).content.decode()
    for field_id in ("id_email", "id_password1", "id_password2"):
        assert f'for="{field_id}"' in body
