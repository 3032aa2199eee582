"""Fixtures of the scoring tests."""

from tests.scoring.topic_world import author, tree  # noqa: F401 (fixtures for every module)
