"""Rule "accounts created together": people we do not score whose accounts were created in
the same minute count as one person; and the properties still hold with it on."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine.model import Actions, Parameters, compute
from tests.scoring.test_engine_properties import action_rows, actions_of

P = Parameters(ring_min_size=0)  # this rule alone
OFF = replace(P, created_together_as_one=False)
COMPONENTS = ("true_reach", "amplification", "network_impact", "raw")


def with_cohorts(rows) -> Actions:
    """Rows of (actor, subject, kind, age, cohort)."""
    actions = actions_of([r[:4] for r in rows])
    return replace(actions, cohort=np.array([r[4] for r in rows], dtype=np.int64).reshape(-1))


def test_accounts_created_in_one_minute_count_as_one_person():
    # Member 0: ten anonymous accounts of one creation minute each share its post, plus two
    # people of other (or unknown) minutes.
    rows = [(a, 0, 0, 60.0, 7) for a in range(2, 12)] + [(12, 0, 0, 60.0, 8), (13, 0, 0, 60.0, -1)]
    result = compute(with_cohorts(rows), n_members=2, n_nodes=14, p=P)
    off = compute(with_cohorts(rows), n_members=2, n_nodes=14, p=OFF)
    assert result.true_reach[0] == 3 and off.true_reach[0] == 12
    assert result.amplification[0] < off.amplification[0]
    affected, weight = result.excluded["created_together"]
    assert affected[0] == 10 and weight[0] > 0
    assert result.influence.shape == (14,)  # the group's own node is not a person


def test_members_and_single_accounts_are_left_alone():
    rows = [(1, 0, 0, 60.0, 7), (2, 0, 0, 60.0, 7), (3, 0, 4, 60.0, 9)]  # 1: a member
    result = compute(with_cohorts(rows), n_members=2, n_nodes=4, p=P)
    assert result.true_reach[0] == 3
    assert result.excluded["created_together"][0][0] == 0


N_MEMBERS, N_NODES = 4, 9
action = action_rows(actors=N_NODES, subjects=N_MEMBERS)
cohort_of = st.lists(st.integers(-1, 2), min_size=N_NODES, max_size=N_NODES)  # per node


def _run(rows, cohorts, p=P):
    """An account has one creation minute: the cohort comes with the actor."""
    full = [(*r, cohorts[r[0]] if r[0] >= 0 else -1) for r in rows]
    return compute(with_cohorts(full), n_members=N_MEMBERS, n_nodes=N_NODES, p=p)


@settings(max_examples=300, deadline=None)
@given(st.lists(action, max_size=40), action, cohort_of)
def test_an_action_never_lowers_anyones_score_with_the_rule(rows, extra, cohorts):
    """The rule is a grouping fixed by the accounts, then a saturation: like the others, it
    keeps properties 1 and 2 for everyone."""
    before, after = _run(rows, cohorts), _run([*rows, extra], cohorts)
    for name in COMPONENTS:
        b, a = getattr(before, name), getattr(after, name)
        assert np.all(a >= b - 1e-9 * (1 + np.abs(b))), (name, b, a)


@settings(max_examples=100, deadline=None)
@given(st.lists(action, max_size=40), cohort_of)
def test_same_actions_same_scores_bit_for_bit_with_the_rule(rows, cohorts):
    first, again = _run(rows, cohorts), _run(rows, cohorts)
    for name in COMPONENTS:
        assert np.array_equal(getattr(first, name), getattr(again, name))


@settings(max_examples=100, deadline=None)
@given(st.lists(action, max_size=40), cohort_of)
def test_the_rule_never_counts_more_than_without_it(rows, cohorts):
    on, off = _run(rows, cohorts), _run(rows, cohorts, OFF)
    assert np.all(on.true_reach <= off.true_reach)
    assert np.all(on.amplification <= off.amplification + 1e-9)


@settings(max_examples=200, deadline=None)
@given(st.lists(action, max_size=40), action, cohort_of)
def test_both_new_rules_together_keep_properties_1_and_2(rows, extra, cohorts):
    """v2-rules' two rules at once (rings made likely by a small size and share): the member
    acted on and a member acting never lose."""
    both = Parameters(ring_min_size=2, ring_share=0.8)
    before, after = _run(rows, cohorts, both), _run([*rows, extra], cohorts, both)
    who = [extra[1]] + ([extra[0]] if 0 <= extra[0] < N_MEMBERS else [])
    for name in COMPONENTS:
        b, a = getattr(before, name)[who], getattr(after, name)[who]
        assert np.all(a >= b - 1e-9 * (1 + np.abs(b))), (name, b, a)


def test_an_account_whose_creation_time_came_late_is_still_one_person():
    """Older actions read without the creation time and newer ones with it: one account."""
    rows = [(1, 0, 0, 86_400.0, -1), (1, 0, 0, 60.0, 7)]
    result = compute(with_cohorts(rows), n_members=1, n_nodes=2, p=P)
    assert result.true_reach[0] == 1


def test_one_accounts_many_actions_are_reported_under_their_own_rule():
    rows = [(1, 0, 0, 60.0 * i, 7) for i in range(1, 11)]  # ten shares by one account
    with_rule = compute(with_cohorts(rows), n_members=1, n_nodes=2, p=P)
    without = compute(with_cohorts(rows), n_members=1, n_nodes=2, p=OFF)
    assert with_rule.excluded["one_actor_many_actions"][0][0] == 10
    assert with_rule.excluded["created_together"][0][0] == 0
    assert with_rule.amplification[0] == without.amplification[0]
