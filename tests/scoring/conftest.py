"""Fixtures of the scoring tests: the topic world, and a local fake of Bluesky with a small
world on it for the live-network tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scoring.services import sync
from tests.scoring.bluesky_fake import BlueskyFake
from tests.scoring.topic_world import author, tree  # noqa: F401 (fixtures for every module)

PASSWORD = "abcd-efgh-ijkl-mnop"


@pytest.fixture
def fake(settings):
    fake = BlueskyFake().start()
    settings.BLUESKY_APPVIEW_URL = fake.url
    settings.BLUESKY_SERVICE_URL = fake.url
    yield fake
    fake.stop()


@pytest.fixture
def world(fake):
    """Ana (who will connect) with three posts in the window and one older; Bob, Cy and
    Dee engage; Dee is a member too."""
    now = datetime.now(UTC)
    ana = fake.actor("ana.bsky.social", password=PASSWORD)
    bob, cy = fake.actor("bob.bsky.social"), fake.actor("cy.bsky.social", created_at=None)
    dee = fake.actor("dee.bsky.social")
    first = fake.post(
        ana, "Flat white ☕ and a croissant 🥐", now - timedelta(days=3), hashtags=["coffee"]
    )
    first.likes = [
        (bob, now - timedelta(days=2)),
        (cy, now - timedelta(days=1)),
        (dee, now - timedelta(hours=9)),
    ]
    first.reposts = [bob, dee]
    fake.reply(first, cy, "Where is this?", now - timedelta(days=2, hours=1))
    fake.quote(first, bob, "The best in town", now - timedelta(days=1, hours=2))
    second = fake.post(ana, "Nothing happened here", now - timedelta(days=10), tags=["quiet"])
    third = fake.post(ana, "Espresso dial-in notes", now - timedelta(days=30))
    third.likes = [(cy, now - timedelta(days=29))]
    fake.post(ana, "Too old to count", now - timedelta(days=200)).likes = [
        (bob, now - timedelta(days=199))
    ]
    return {"ana": ana, "bob": bob, "cy": cy, "dee": dee, "posts": [first, second, third]}


@pytest.fixture
def connected(world, opted_in_member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        account = sync.bluesky_connect(
            member=opted_in_member, handle="@ana.bsky.social", app_password=PASSWORD
        )
    return account
