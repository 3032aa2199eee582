"""Per-topic scores and the evidence bar, on arrays: hand-worked cases and properties."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine.model import Actions, Parameters, compute
from scoring.engine.topics import TopicInput, compute_topics

N_MEMBERS, N_NODES, N_POSTS, N_TOPICS = 4, 9, 8, 3
POST_AUTHOR = [0, 0, 0, 1, 1, 2, 3, 3]  # a post belongs to one member
POST_TOPICS = [(0, 0), (1, 0), (1, 1), (2, 1), (3, 0), (4, 0), (4, 2), (5, 2), (6, 1), (7, 1)]
P = Parameters()
HOUR = 3600.0


def run(rows, plus_k=(), p=P):
    """rows: (actor, post, kind, age); the subject is the post's author (post -1: a
    mention on member 0, on no post)."""
    arr = np.array(rows, dtype=np.float64).reshape(-1, 4)
    post = arr[:, 1].astype(np.int64)
    subject = np.where(post >= 0, np.array(POST_AUTHOR)[np.maximum(post, 0)], 0)
    actions = Actions(
        actor=arr[:, 0].astype(np.int64),
        subject=subject.astype(np.int64),
        kind=arr[:, 2].astype(np.int8),
        age_seconds=arr[:, 3],
    )
    k = np.array(plus_k, dtype=np.int64).reshape(-1, 3)
    topics = TopicInput(
        action_post=post,
        post_topic_post=np.array([pt[0] for pt in POST_TOPICS]),
        post_topic_topic=np.array([pt[1] for pt in POST_TOPICS]),
        n_topics=N_TOPICS,
        plus_k_receiver=k[:, 0],
        plus_k_topic=k[:, 1],
        plus_k_giver=k[:, 2],
    )
    overall = compute(actions, n_members=N_MEMBERS, n_nodes=N_NODES, p=p)
    return compute_topics(actions, topics, influence=overall.influence, n_nodes=N_NODES, p=p)


def rows_of(result) -> dict[tuple[int, int], dict]:
    fields = ("true_reach", "amplification", "network_impact", "raw", "posts", "people")
    return {
        (int(m), int(t)): {f: float(getattr(result, f)[i]) for f in fields}
        | {"shown": bool(result.has_evidence[i])}
        for i, (m, t) in enumerate(zip(result.member, result.topic, strict=True))
    }


def like(actor, post, age=HOUR):
    return (actor, post, 4, age)


def test_topic_needs_two_engaged_posts_one_lucky_post_is_not_enough():
    lucky = rows_of(run([like(a, 0) for a in (4, 5, 6, 7, 8)]))
    assert lucky[(0, 0)]["people"] == 5 and lucky[(0, 0)]["posts"] == 1
    assert not lucky[(0, 0)]["shown"]
    two = rows_of(run([like(4, 0), like(5, 0), like(6, 1)]))
    assert two[(0, 0)]["posts"] == 2 and two[(0, 0)]["shown"]


def test_topic_needs_three_distinct_people():
    below = rows_of(run([like(4, 0), like(5, 1), like(4, 1), like(5, 0)]))
    assert below[(0, 0)]["people"] == 2
    assert not below[(0, 0)]["shown"]


def test_topic_own_actions_and_outside_window_do_not_count():
    own = rows_of(run([like(0, 0), like(0, 1), like(4, 0), like(5, 1)]))
    assert own[(0, 0)]["people"] == 2 and not own[(0, 0)]["shown"]
    old = rows_of(run([like(4, 0), like(5, 1), like(6, 1, age=91 * 86_400)]))
    assert old[(0, 0)]["people"] == 2 and not old[(0, 0)]["shown"]


def test_topic_unknown_people_count_as_engagement_not_as_people():
    result = rows_of(run([like(-1, 0), like(-1, 1), like(4, 0), like(5, 1)]))
    assert result[(0, 0)]["posts"] == 2
    assert result[(0, 0)]["people"] == 2 and not result[(0, 0)]["shown"]


def test_topic_plus_k_counts_as_a_person_but_makes_no_post():
    base = [like(4, 0), like(5, 1)]
    with_k = rows_of(run(base, plus_k=[(0, 0, 8)]))
    assert with_k[(0, 0)]["people"] == 3 and with_k[(0, 0)]["shown"]
    # the giver who also acted is one person, not two
    same = rows_of(run(base, plus_k=[(0, 0, 4)]))
    assert same[(0, 0)]["people"] == 2
    # +K alone on a topic without engaged posts shows nothing
    assert (2, 1) not in rows_of(run(base, plus_k=[(2, 1, 4), (2, 1, 5), (2, 1, 6)]))


def test_topic_plus_k_does_not_change_the_topic_score():
    base = [like(4, 0), like(5, 1), like(6, 1)]
    without, with_k = rows_of(run(base)), rows_of(run(base, plus_k=[(0, 0, 7), (0, 0, 8)]))
    for key in without:
        for name in ("true_reach", "amplification", "network_impact", "raw"):
            assert without[key][name] == with_k[key][name]


def test_topic_evidence_lists_posts_most_people_first():
    result = run([like(4, 1), like(5, 0), like(6, 0), like(7, 0), like(7, 0)])
    rows = rows_of(result)
    assert rows[(0, 0)]["shown"]
    row = list(zip(result.member, result.topic, strict=True)).index((0, 0))
    posts = result.evidence_post[result.evidence_row == row].tolist()
    people = result.evidence_people[result.evidence_row == row].tolist()
    actions = result.evidence_actions[result.evidence_row == row].tolist()
    assert posts == [0, 1] and people == [3, 1] and actions == [4, 1]


def test_topic_actions_on_no_post_count_for_no_topic():
    assert rows_of(run([like(4, -1), like(5, -1), like(6, -1)])) == {}


action = st.tuples(
    st.integers(-1, N_NODES - 1),
    st.integers(-1, N_POSTS - 1),
    st.integers(0, 4),
    st.floats(0, 100 * 86_400, allow_nan=False),
)
plus_k = st.tuples(
    st.integers(0, N_MEMBERS - 1), st.integers(0, N_TOPICS - 1), st.integers(0, N_NODES - 1)
)


def never_lower(before: dict, after: dict) -> None:
    for key, b in before.items():
        assert key in after, key
        a = after[key]
        for name in ("true_reach", "amplification", "network_impact", "raw", "posts", "people"):
            assert a[name] >= b[name] - 1e-9 * (1 + abs(b[name])), (key, name, b, a)
        assert a["shown"] or not b["shown"], key


@settings(max_examples=300, deadline=None)
@given(st.lists(action, max_size=40), action, st.lists(plus_k, max_size=4))
def test_topic_an_action_never_lowers_any_topic_score_or_evidence(rows, extra, given_k):
    """Properties 1 and 2 per topic: whoever acts on whatever, no member's topic score,
    component or evidence goes down, and no shown topic disappears."""
    never_lower(rows_of(run(rows, given_k)), rows_of(run([*rows, extra], given_k)))


@settings(max_examples=100, deadline=None)
@given(st.lists(action, max_size=40), st.lists(plus_k, max_size=4), plus_k)
def test_topic_plus_k_never_lowers_evidence(rows, given_k, extra):
    never_lower(rows_of(run(rows, given_k)), rows_of(run(rows, [*given_k, extra])))


@settings(max_examples=50, deadline=None)
@given(st.lists(action, max_size=40), st.lists(plus_k, max_size=4))
def test_topic_same_input_same_output_bit_for_bit(rows, given_k):
    a, b = run(rows, given_k), run(rows, given_k)
    for name in ("raw", "true_reach", "amplification", "network_impact", "evidence_post"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
