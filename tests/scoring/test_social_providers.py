"""Social logins are switched on only when their credentials are set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
# Reads the configuration only: no database is touched.
LIST_PROVIDERS = (
    "from django.conf import settings as s; p = s.SOCIALACCOUNT_PROVIDERS;"
    "print(sorted(a.get('provider_id') or k for k, v in p.items() for a in v['APPS']))"
)


def _providers(**env: str) -> str:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TWITTER_", "FACEBOOK_", "LINKEDIN_"))
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", LIST_PROVIDERS],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_no_credentials_no_social_providers():
    assert _providers() == "[]"


def test_credentials_enable_twitter_facebook_linkedin():
    listed = _providers(
        TWITTER_CLIENT_ID="t",
        TWITTER_CLIENT_SECRET="ts",
        FACEBOOK_APP_ID="f",
        FACEBOOK_APP_SECRET="fs",
        LINKEDIN_CLIENT_ID="l",
        LINKEDIN_CLIENT_SECRET="ls",
    )
    assert listed == "['facebook', 'linkedin', 'twitter_oauth2']"


@pytest.mark.django_db
def test_settings_page_offers_connect_for_configured_provider(member_client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "twitter_oauth2": {"APPS": [{"client_id": "t", "secret": "s"}]}
    }
    body = member_client.get(reverse("member_settings")).content.decode()
    assert "/accounts/twitter_oauth2/login/?process=connect" in body
    assert ">Connect X/Twitter</a>" in body
