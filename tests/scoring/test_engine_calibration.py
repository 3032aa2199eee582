from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine.calibration import apply, fit

values = st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=200)


@settings(max_examples=200, deadline=None)
@given(reference=values, raws=values)
def test_calibration_is_monotone_and_in_range(reference, raws):
    breakpoints = fit(np.array(reference))
    raw = np.sort(np.array(raws))
    scores = apply(raw, breakpoints)
    assert np.all(np.diff(scores) >= 0)
    assert scores.min() >= 1 and scores.max() <= 100


@given(reference=values, raw=st.floats(0, 1e6, allow_nan=False), others=values)
def test_calibration_frozen_score_does_not_depend_on_other_members(reference, raw, others):
    breakpoints = fit(np.array(reference))
    alone = apply(np.array([raw]), breakpoints)[0]
    among = apply(np.array([raw, *others]), breakpoints)[0]
    assert alone == among


def test_calibration_spreads_a_reference_over_the_scale():
    reference = np.random.default_rng(1).pareto(1.2, 10_000)
    scores = apply(reference, fit(reference))
    assert scores.min() == 1 and scores.max() == 100
    assert 45 <= np.median(scores) <= 55
    assert apply(np.array([0.0]), fit(reference))[0] == 1
