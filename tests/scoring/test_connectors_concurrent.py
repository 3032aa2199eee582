"""Several walks at once, their items still in order (scoring/connectors/concurrent.py)."""

from __future__ import annotations

import random
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.connectors.concurrent import in_order


def _job(name: int, length: int, running: list, peak: list, pause: float = 0.0):
    def items():
        running.append(name)
        peak.append(len(running))
        try:
            for n in range(length):
                if pause:
                    time.sleep(pause * random.random())
                yield (name, n)
        finally:
            running.remove(name)

    return items


@settings(max_examples=40, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 40), max_size=12),
    workers=st.integers(1, 5),
    depth=st.integers(1, 8),
)
def test_items_come_job_after_job_whatever_the_threads_do(lengths, workers, depth):
    running, peak = [], []
    jobs = [_job(k, n, running, peak, pause=0.0005) for k, n in enumerate(lengths)]
    got = list(in_order(jobs, workers=workers, depth=depth))
    assert got == [(k, n) for k, length in enumerate(lengths) for n in range(length)]
    assert max(peak, default=0) <= workers  # never more jobs at once than asked


def test_jobs_overlap_when_they_wait():
    def slow():
        time.sleep(0.2)
        yield 1

    started = time.perf_counter()
    assert list(in_order([slow] * 4, workers=4)) == [1, 1, 1, 1]
    assert time.perf_counter() - started < 0.6  # one at a time would take 0.8 s


def test_an_error_comes_after_the_items_of_the_jobs_before_it():
    def good():
        yield from ("a", "b")

    def bad():
        yield "c"
        raise ValueError("refused")

    def later():
        yield "never"

    got = []
    with pytest.raises(ValueError, match="refused"):
        for item in in_order([good, bad, later], workers=3):
            got.append(item)
    assert got == ["a", "b", "c"]


def test_leaving_early_stops_every_running_job():
    stopped = threading.Event()

    def endless():
        try:
            n = 0
            while True:
                n += 1
                yield n
        finally:
            stopped.set()

    items = in_order([endless, endless], workers=2, depth=2)
    assert [next(items) for _ in range(5)] == [1, 2, 3, 4, 5]
    items.close()
    assert stopped.wait(2)
    time.sleep(0.3)
    assert not [t for t in threading.enumerate() if t.daemon and t.is_alive() and "_run" in str(t)]
