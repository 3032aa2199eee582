from __future__ import annotations

import sys

import pytest

from scoring.engine import allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux's")
def test_steady_allocator_fixes_the_thresholds_once():
    assert allocator.steady_allocator() is True
    assert allocator.steady_allocator() is True  # idempotent


def test_steady_allocator_elsewhere_changes_nothing(monkeypatch):
    monkeypatch.setattr(allocator, "_steady", False)
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.steady_allocator() is False
