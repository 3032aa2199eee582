"""A small topic world shared by the topic tests: a tree, and a member with evidence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scoring.models import Topic
from scoring.services.topics import topics_load
from tests.factories import ActionFactory, ContentFactory, NetworkAccountFactory

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
TREE = {
    "version": 1,
    "topics": [
        {
            "slug": "marketing",
            "name": "Marketing",
            "aliases": ["marketing"],
            "keywords": ["brand awareness", "funnel"],
            "children": [
                {
                    "slug": "social-media-marketing",
                    "name": "Social Media Marketing",
                    "aliases": ["social media marketing", "smm"],
                    "hashtags": ["socialmediamarketing"],
                }
            ],
        },
        {
            "slug": "cuba",
            "name": "Cuba",
            "aliases": ["cuba"],
            "hashtags": ["cuba"],
            "keywords": ["havana"],
        },
        {"slug": "bourbon", "name": "Bourbon", "keywords": ["mash bill", "rickhouse"]},
    ],
}


@pytest.fixture
def tree():
    topics_load(data=TREE)
    return {t.slug: t for t in Topic.objects.all()}


def engage(post, actors, kind="like", days_ago=1):
    for i, actor in enumerate(actors):
        ActionFactory(
            subject=post.account,
            content=post,
            actor_account=actor,
            kind=kind,
            occurred_at=AS_OF - timedelta(days=days_ago, minutes=i),
        )


@pytest.fixture
def author(tree):
    """A member with two engaged posts on social media marketing (three people), one lucky
    post about Cuba (five people) and keyword-only bourbon posts nobody engaged with."""
    account = NetworkAccountFactory()
    people = [NetworkAccountFactory() for _ in range(5)]
    smm1 = ContentFactory(account=account, text="Five #SocialMediaMarketing lessons", tags=[])
    smm2 = ContentFactory(account=account, text="Why SMM budgets grow", tags=[])
    cuba = ContentFactory(account=account, text="Sunset in Havana, Cuba", tags=[])
    ContentFactory(account=account, text="The mash bill and the rickhouse", tags=[])
    engage(smm1, people[:2])
    engage(smm2, people[1:3], kind="share")
    engage(cuba, people)
    return account.member
