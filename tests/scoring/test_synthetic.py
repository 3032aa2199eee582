from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.ingest.synthetic import SyntheticSpec, generate_actions

END = datetime(2026, 6, 1, tzinfo=UTC)
SMALL = SyntheticSpec(n_people=500, n_members=80, n_actions=3000)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_generate_actions_same_seed_same_records(seed):
    spec = replace(SMALL, seed=seed, n_actions=300)
    assert list(generate_actions(spec, end=END)) == list(generate_actions(spec, end=END))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_generate_actions_never_self_and_inside_window(seed):
    spec = replace(SMALL, seed=seed, n_actions=500)
    for record in generate_actions(spec, end=END):
        assert record.actor_id != record.subject_id
        assert 0 <= (END - record.occurred_at).total_seconds() < spec.days * 86_400
        assert int(record.subject_id) - 100_000 < spec.n_members


def test_generate_actions_different_seeds_differ():
    a = list(generate_actions(replace(SMALL, seed=1), end=END))
    b = list(generate_actions(replace(SMALL, seed=2), end=END))
    assert a != b


def test_generate_actions_is_heavy_tailed():
    """A few members receive most of the engagement, as on real networks."""
    received = Counter(r.subject_id for r in generate_actions(SMALL, end=END))
    counts = sorted(received.values(), reverse=True)
    top_tenth = sum(counts[: len(counts) // 10])
    assert top_tenth / sum(counts) > 0.3
    assert counts[0] > 10 * counts[len(counts) // 2]
