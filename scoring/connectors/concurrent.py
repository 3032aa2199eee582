"""Several walks of a network at once, their pages still in order.

A sync's time is mostly waiting for the network: one request per page of likes, reposts,
replies, each a round trip. ``in_order`` runs a few of those walks at once (one per post)
in threads and hands their items over job after job, in the order the jobs were given, so
that the cursor stored with each page still says exactly how far the sync has got: a page
of a later post is never handed over before every page of an earlier one. Memory stays
bounded: at most ``workers`` jobs run, each at most ``depth`` items ahead of the consumer.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


class _Job:
    """One job's thread and the bounded queue it fills."""

    def __init__(self, job: Callable[[], Iterator[T]], depth: int, leaving: threading.Event):
        self.items: queue.Queue = queue.Queue(maxsize=depth)
        self.leaving = leaving
        self.thread = threading.Thread(target=self._run, args=(job,), daemon=True)
        self.thread.start()

    def _offer(self, item) -> bool:
        while not self.leaving.is_set():
            try:
                self.items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, job: Callable[[], Iterator[T]]) -> None:
        try:
            for item in job():
                if not self._offer(item):
                    return
            self._offer(_END)
        except BaseException as error:  # handed to the consumer, after the items before it
            self._offer(error)

    def drain(self) -> Iterator[T]:
        while (item := self.items.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item


def in_order(
    jobs: Iterable[Callable[[], Iterator[T]]], *, workers: int, depth: int = 16
) -> Iterator[T]:
    """The items of every job, job after job in the given order, while up to ``workers``
    jobs run at once. A job's error comes out where its next item would have, after all the
    items of the jobs before it; leaving early (or an error) stops every running job."""
    if workers <= 1:
        for job in jobs:
            yield from job()
        return
    pending = iter(jobs)
    leaving = threading.Event()
    running: deque[_Job] = deque()
    try:
        while True:
            while len(running) < workers and (job := next(pending, None)) is not None:
                running.append(_Job(job, depth, leaving))
            if not running:
                return
            yield from running[0].drain()
            running.popleft()
    finally:
        leaving.set()
        for job in running:
            job.thread.join(timeout=5)
