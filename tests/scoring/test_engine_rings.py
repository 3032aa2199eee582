"""Rule "rings" (scoring/engine/rings.py): what it catches, what it leaves alone, that it
agrees with a plain reading of its definition, and that it keeps PRODUCT.md properties 1-4."""

from __future__ import annotations

from dataclasses import replace
from itertools import permutations

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from scoring.engine.model import Actions, Parameters, action_weights, compute
from scoring.engine.topics import TopicInput, compute_topics
from tests.scoring.test_engine_properties import action_rows, actions_of

P = Parameters()  # rings of at least 5 others, 95%
COMPONENTS = ("true_reach", "amplification", "network_impact", "raw")


def run(rows, *, n_members, n_nodes, p=P):
    actions = actions_of(rows)
    return actions, compute(actions, n_members=n_members, n_nodes=n_nodes, p=p)


def circle(members, age=3600.0):
    """Every member of the circle likes every other's post once."""
    return [(a, b, 4, age) for a, b in permutations(members, 2)]


def test_a_closed_circle_of_mutual_admirers_lifts_none_of_them():
    rows = circle(range(6))
    _, result = run(rows, n_members=6, n_nodes=6)
    assert result.ring.all()
    assert np.all(result.true_reach == 0) and np.all(result.amplification == 0)
    assert np.all(result.network_impact == 0) and np.all(result.counted_actions == 0)
    affected, weight = result.excluded["ring"]
    assert np.all(affected == 5) and np.all(weight > 0)
    _, off = run(rows, n_members=6, n_nodes=6, p=replace(P, ring_min_size=0))
    assert not off.ring.any() and np.all(off.true_reach == 5)


def test_a_circle_with_an_audience_of_its_own_is_not_a_ring():
    """Each member is also liked by two people outside: more than 5% of what they get."""
    audience = [(6 + 2 * m + k, m, 4, 60.0) for m in range(6) for k in range(2)]
    _, result = run(circle(range(6)) + audience, n_members=6, n_nodes=18)
    assert not result.ring.any()
    assert np.all(result.true_reach == 7)


def test_a_circle_too_small_is_not_a_ring():
    _, result = run(circle(range(5)), n_members=5, n_nodes=5)  # 4 others each
    assert not result.ring.any()


def test_a_ring_boosting_one_member_does_not_count_for_that_member():
    """Members 1-5 act only on each other and on member 0's posts. From member 0's point of
    view (its own engagement left out) they are a ring; member 0's real audience counts."""
    boost = [(m, 0, 0, 60.0) for m in range(1, 6)]  # shares of member 0's post
    audience = [(a, 0, 4, 60.0) for a in range(6, 9)]  # three anonymous people
    actions, result = run(circle(range(1, 6)) + boost + audience, n_members=6, n_nodes=9)
    on_zero = actions.subject == 0
    assert result.ring[on_zero & (actions.actor < 6)].all()
    assert not result.ring[on_zero & (actions.actor >= 6)].any()
    assert result.true_reach[0] == 3  # the audience, not the ring
    assert result.excluded["ring"][0][0] == 5
    # Members 1-5 are a circle of 5 (4 others each): no ring for them.
    assert not result.ring[~on_zero].any()


def test_ring_actions_count_for_no_topic():
    boost = [(m, 0, 0, 60.0) for m in range(1, 6)]
    audience = [(a, 0, 4, 60.0) for a in range(6, 9)]
    actions, result = run(circle(range(1, 6)) + boost + audience, n_members=6, n_nodes=9)
    on_post = np.where(actions.subject == 0, 0, -1)  # member 0's one post, on topic 0
    topics = TopicInput(
        action_post=on_post.astype(np.int64),
        post_topic_post=np.array([0]),
        post_topic_topic=np.array([0]),
        n_topics=1,
    )
    args = {"influence": result.influence, "n_nodes": 9, "p": P}
    counted = compute_topics(actions, topics, excluded=result.ring, **args)
    everything = compute_topics(actions, topics, **args)
    assert counted.true_reach.tolist() == [3.0] and everything.true_reach.tolist() == [8.0]


# --- A plain reading of the definition, member by member, to check the fast one against.


def rings_by_definition(actions: Actions, n_members: int, p: Parameters) -> np.ndarray:
    weight = action_weights(actions, p)
    weight = np.where(actions.actor == actions.subject, 0.0, weight)
    w = np.zeros((n_members, n_members))  # w[a, b]: what member a gives member b
    received = np.zeros(n_members)
    for actor, subject, x in zip(actions.actor, actions.subject, weight, strict=True):
        if x <= 0:
            continue
        received[subject] += x
        if 0 <= actor < n_members:
            w[actor, subject] += x
    flags = np.zeros(len(weight), dtype=bool)
    for x in range(n_members):
        group = {s for s in range(n_members) if s != x and w[s].sum() > 0}
        while True:
            keep = set()
            for s in group:
                out_in = sum(w[s, c] for c in group)
                in_in = sum(w[c, s] for c in group)
                out_total = w[s].sum() - w[s, x]
                in_total = received[s] - w[x, s]
                if (
                    out_in > 0
                    and in_in > 0
                    and out_in >= p.ring_share * out_total
                    and in_in >= p.ring_share * in_total
                ):
                    keep.add(s)
            if keep == group:
                break
            group = keep
        ring = set()
        unseen = set(group)
        while unseen:  # connected pieces, edges either way
            piece, todo = set(), [unseen.pop()]
            while todo:
                s = todo.pop()
                piece.add(s)
                for c in list(unseen):
                    if w[s, c] > 0 or w[c, s] > 0:
                        unseen.discard(c)
                        todo.append(c)
            if len(piece) >= p.ring_min_size:
                ring |= piece
        for i, (actor, subject) in enumerate(zip(actions.actor, actions.subject, strict=True)):
            flags[i] |= subject == x and actor in ring and weight[i] > 0
    return flags


SMALL = replace(P, ring_min_size=2, ring_share=0.8)  # rings common on small graphs
N_MEMBERS, N_NODES = 6, 8
act = action_rows(actors=N_NODES, subjects=N_MEMBERS)
# Mostly members acting on members, so that closed groups appear often.
among_members = action_rows(actors=N_MEMBERS, subjects=N_MEMBERS, first_actor=0, days=30)
noise = st.lists(st.one_of(among_members, among_members, act), max_size=40)


@st.composite
def planted(draw):
    """A circle among some members (each acting on each other member, with random kinds
    and ages), plus random actions around it."""
    members = draw(st.lists(st.integers(0, N_MEMBERS - 1), min_size=2, max_size=5, unique=True))
    kind, age = st.integers(0, 4), st.floats(0, 30 * 86_400, allow_nan=False)
    rows = [(a, b, draw(kind), draw(age)) for a, b in permutations(members, 2)]
    return rows + draw(st.lists(st.one_of(among_members, act), max_size=12))


graphs = st.one_of(noise, planted())


@settings(max_examples=300, deadline=None)
@given(graphs, st.sampled_from([SMALL, replace(SMALL, ring_min_size=3, ring_share=0.95)]))
def test_the_fast_rule_agrees_with_the_definition(rows, p):
    actions, result = run(rows, n_members=N_MEMBERS, n_nodes=N_NODES, p=p)
    event(f"a ring found: {bool(result.ring.any())}")
    assert np.array_equal(result.ring, rings_by_definition(actions, N_MEMBERS, p))


def _never_lower(before, after, who) -> None:
    for name in COMPONENTS:
        b, a = getattr(before, name)[who], getattr(after, name)[who]
        assert np.all(a >= b - 1e-9 * (1 + np.abs(b))), (name, who, b, a)


@settings(max_examples=300, deadline=None)
@given(graphs, among_members)
def test_an_action_never_lowers_its_subject_or_its_actor(rows, extra):
    """Properties 1 and 2 with the rule on: the member acted on, and the member acting,
    never lose (others may: an action can close a group into a ring)."""
    before = run(rows, n_members=N_MEMBERS, n_nodes=N_NODES, p=SMALL)[1]
    after = run([*rows, extra], n_members=N_MEMBERS, n_nodes=N_NODES, p=SMALL)[1]
    _never_lower(before, after, [extra[1], extra[0]])


@settings(max_examples=200, deadline=None)
@given(graphs, st.integers(0, N_MEMBERS - 1), st.lists(act, min_size=1, max_size=10))
def test_connecting_another_network_never_lowers_the_member(rows, member, network):
    """Property 3 with the rule on: a network brings the member actions received and given
    (each new action has the member on one side)."""
    mine = [
        (member, s, k, t) if i % 2 else (a, member, k, t) for i, (a, s, k, t) in enumerate(network)
    ]
    before = run(rows, n_members=N_MEMBERS, n_nodes=N_NODES, p=SMALL)[1]
    after = run(rows + mine, n_members=N_MEMBERS, n_nodes=N_NODES, p=SMALL)[1]
    _never_lower(before, after, [member])


@settings(max_examples=100, deadline=None)
@given(graphs)
def test_same_actions_same_rings_bit_for_bit(rows):
    first = run(rows, n_members=N_MEMBERS, n_nodes=N_NODES, p=SMALL)[1]
    again = run(rows, n_members=N_MEMBERS, n_nodes=N_NODES, p=SMALL)[1]
    assert np.array_equal(first.ring, again.ring)
    for name in COMPONENTS:
        assert np.array_equal(getattr(first, name), getattr(again, name))


def test_a_share_of_exactly_one_is_refused():
    """At 100% the rule would hang on the last rounding step of a sum."""
    with pytest.raises(ValueError, match="ring_share"):
        Parameters(ring_share=1.0)


def test_a_ring_newly_seen_by_a_member_never_costs_a_rounding_step():
    """When a ring first acts on member 0, 0's sums are taken the same way as before, so its
    components do not drop by even the last bit (they are compared exactly here)."""
    circle_1_6 = circle(range(1, 7))
    rng = np.random.default_rng(0)
    for _ in range(200):
        audience = [(7 + i, 0, 4, float(round(rng.uniform(0, 30 * 86_400)))) for i in range(12)]
        _, before = run(circle_1_6 + audience, n_members=7, n_nodes=19)
        _, after = run(circle_1_6 + audience + [(1, 0, 0, 60.0)], n_members=7, n_nodes=19)
        assert after.ring[-1]
        for name in COMPONENTS:
            assert getattr(after, name)[0] >= getattr(before, name)[0], name
