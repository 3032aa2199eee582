"""Calibration: the frozen map from raw influence to the 1-100 scale of one algorithm version.

Breakpoints are fitted once, from a reference run, and stored with the version; afterwards a
member's score moves only when their raw influence does, never because everyone else's did.
"""

from __future__ import annotations

import numpy as np

SCALE = np.linspace(1.0, 100.0, 100)


def fit(raw: np.ndarray) -> np.ndarray:
    """100 increasing breakpoints: the percentiles of the positive raw values.

    Ties (many members with the same raw value) are spread by a tiny step so that the map
    stays a function; with no positive value the map sends everything to 1.
    """
    positive = np.sort(raw[raw > 0])
    if positive.size == 0:
        return np.arange(1.0, 101.0) * 1e-9
    points = np.quantile(positive, np.linspace(0.0, 1.0, 100), method="linear")
    step = max(float(points[-1]) * 1e-9, 1e-12)
    return np.maximum.accumulate(points + step * np.arange(100))


def apply(raw: np.ndarray, breakpoints: np.ndarray) -> np.ndarray:
    """Scores 1..100 (integers) from raw values: non-decreasing in raw; 1 for no influence."""
    scores = np.interp(raw, breakpoints, SCALE, left=1.0, right=100.0)
    scores = np.where(raw > 0, scores, 1.0)
    return np.clip(np.rint(scores), 1, 100).astype(np.int16)
