"""The engine's promises, on random graphs (PRODUCT.md properties 1-4)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine.model import Actions, Parameters, compute

N_MEMBERS, N_NODES = 6, 10  # nodes 6..9 are anonymous actors
# Without the ring rule nobody at all can lose from a new action (below). With it, the
# member acted on and the member acting still never lose: tests/scoring/test_engine_rings.py.
P = Parameters(ring_min_size=0)
COMPONENTS = ("true_reach", "amplification", "network_impact", "raw")


def action_rows(*, actors: int, subjects: int, first_actor: int = -1, days: int = 100):
    """Rows of (actor, subject, kind, age in seconds): actors from ``first_actor`` (-1, an
    unknown person) to ``actors - 1``, subjects (members) 0 to ``subjects - 1``."""
    return st.tuples(
        st.integers(first_actor, actors - 1),
        st.integers(0, subjects - 1),
        st.integers(0, 4),
        st.floats(0, days * 86_400, allow_nan=False),
    )


action = action_rows(actors=N_NODES, subjects=N_MEMBERS)
graphs = st.lists(action, max_size=40)


def actions_of(rows) -> Actions:
    """Rows of (actor, subject, kind, age in seconds) as the engine's arrays."""
    arr = np.array(rows, dtype=np.float64).reshape(-1, 4)
    return Actions(
        actor=arr[:, 0].astype(np.int64),
        subject=arr[:, 1].astype(np.int64),
        kind=arr[:, 2].astype(np.int8),
        age_seconds=arr[:, 3],
    )


def _run(rows):
    return compute(actions_of(rows), n_members=N_MEMBERS, n_nodes=N_NODES, p=P)


def _never_lower(before, after) -> None:
    for name in COMPONENTS:
        b, a = getattr(before, name), getattr(after, name)
        assert np.all(a >= b - 1e-9 * (1 + np.abs(b))), (name, b, a)


@settings(max_examples=300, deadline=None)
@given(graphs, action)
def test_an_action_never_lowers_anyones_score_or_component(rows, extra):
    """Property 1 (the subject gains) and 2 (the actor, a member or not, never loses), and
    in fact nobody at all loses: there is no normalisation that a new action could dilute."""
    _never_lower(_run(rows), _run([*rows, extra]))


@settings(max_examples=200, deadline=None)
@given(graphs, st.lists(action, min_size=1, max_size=10))
def test_connecting_another_network_never_lowers_a_score(rows, network):
    """Property 3: another network brings more actions received and given, never fewer."""
    _never_lower(_run(rows), _run(rows + network))


@settings(max_examples=100, deadline=None)
@given(graphs)
def test_same_actions_same_scores_bit_for_bit(rows):
    """Property 4: the same actions in the same order (runs read them by action id) give the
    same scores bit for bit; in another order they agree to rounding."""
    first, again = _run(rows), _run(list(reversed(rows)))
    for name in COMPONENTS:
        assert np.array_equal(getattr(_run(rows), name), getattr(first, name))
        assert np.allclose(getattr(again, name), getattr(first, name), rtol=1e-12, atol=0)


def test_replying_to_a_newcomer_does_not_lower_the_replier():
    """The Klout complaint: talking to "less influential" people lowered your score."""
    popular = [(n, 0, 0, 3600.0) for n in range(1, 6)]  # members 1-5 share member 0's posts
    before = _run(popular)
    after = _run([*popular, (0, 5, 1, 60.0)])  # member 0 replies to newcomer 5
    assert after.raw[0] >= before.raw[0]
    assert after.raw[5] > before.raw[5]


def test_one_actor_many_actions_saturates():
    once = _run([(6, 0, 0, 60.0)])
    hundred = _run([(6, 0, 0, 60.0 * k) for k in range(1, 101)])
    assert hundred.true_reach[0] == once.true_reach[0] == 1
    assert hundred.amplification[0] <= P.pair_cap
    assert hundred.excluded["one_actor_many_actions"][1][0] > 0
    assert hundred.excluded["one_actor_many_actions"][0][0] == 100


def test_unknown_burst_saturates_and_is_reported():
    burst = _run([(-1, 0, 4, 30.0)] * 500)
    spread = _run([(-1, 0, 4, 30.0 + 3600 * k) for k in range(500)])
    assert burst.amplification[0] <= P.burst_cap
    assert burst.excluded["burst"][1][0] > 0
    assert burst.excluded["burst"][0][0] == 500
    assert spread.amplification[0] > burst.amplification[0]
    assert burst.true_reach[0] == 0  # unknown people are engagement, not distinct people


def test_self_actions_and_actions_outside_the_window_do_not_count():
    result = _run([(0, 0, 0, 60.0), (1, 0, 0, 91 * 86_400.0), (1, 0, 0, -60.0)])
    assert result.raw[0] == 0
    assert result.excluded["self"][0][0] == 1


def test_influential_engagers_count_more():
    """Network Impact: an engager who is themselves engaged with weighs more."""
    plain = _run([(1, 0, 0, 60.0)])
    backed = _run([(1, 0, 0, 60.0)] + [(n, 1, 0, 60.0) for n in range(6, 10)])
    assert backed.network_impact[0] > plain.network_impact[0]
    assert backed.true_reach[0] == plain.true_reach[0]
