from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.factories import MemberFactory, NetworkAccountFactory, OptedInMemberFactory, UserFactory

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


requires_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql")),
    reason="needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)",
)
requires_broker = pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"),
    reason="needs a real broker: set CELERY_BROKER_URL=redis://... (CI does)",
)
requires_chromium = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None and not os.path.exists(CHROMIUM),
    reason=f"needs Chromium at {CHROMIUM} (apt-get install -y chromium)",
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    """Tasks run in process in the suite, whatever the broker; the worker test turns this off
    for itself to go through a real worker process."""
    from klout.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth's rate limits live in the cache: each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def opted_in_member(db):
    return OptedInMemberFactory()


@pytest.fixture
def member_client(client, opted_in_member):
    client.force_login(opted_in_member.user)
    client.member = opted_in_member
    return client


@pytest.fixture
def account(opted_in_member):
    return NetworkAccountFactory(member=opted_in_member)
