"""The labelled topic evaluation, through the real import, matching and run path: the
precision target holds, and none of the traps becomes a topic."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scoring.evaluation import topic_evaluation_run
from scoring.services.topics import topics_load_file

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def evaluation(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            topics_load_file()
            result = topic_evaluation_run(as_of=datetime(2026, 6, 1, tzinfo=UTC))
            transaction.set_rollback(True)
    return result


def test_evaluation_precision_of_shown_topics_is_at_least_0_9(evaluation):
    assert evaluation.precision >= 0.9, evaluation.mistakes()
    assert evaluation.recall >= 0.8, evaluation.mistakes()


@pytest.mark.parametrize(
    ("member", "trap"),
    [
        ("dave", "cuba"),  # one lucky holiday post
        ("isla", "bourbon"),  # an ironic hashtag on a cup of tea
        ("elena", "dementia"),  # many posts, nobody engaged
        ("farid", "astronomy"),  # two engaged posts, the same two people
        ("kai", "cats"),  # the same
        ("ben", "reptiles"),  # python the snake (the language is his topic)
        ("grace", "running"),  # "running late"
        ("hiro", "indonesia"),  # Java the island, one post
        ("ana", "hot-tubs"),  # "hot take", "hot coffee"
    ],
)
def test_evaluation_traps_are_not_topics(evaluation, member, trap):
    assert trap not in evaluation.shown[member]


def test_evaluation_genuine_topics_are_shown(evaluation):
    assert {"social-media-marketing", "marketing", "coffee"} <= evaluation.shown["ana"]
    assert "bourbon" in evaluation.shown["dave"]  # keywords only, no hashtag
    assert "dementia" in evaluation.shown["farid"]  # people did engage with his
    assert "hot-tubs" in evaluation.shown["lucia"]
