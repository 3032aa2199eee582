"""The engine's arrays and glibc's allocator.

A score run allocates and frees arrays of several megabytes (one per action column) many
times. glibc's malloc moves its thresholds as it goes: which arrays come from fresh mmap'd
pages, and when freed memory goes back to the OS, then depend on what the process did
before, so the same computation costs 55 ms in one process state and 100 ms in another (the
Higgs log, measured): the difference is page faults, not arithmetic. Fixing the thresholds
keeps the arrays' memory in the process between runs and makes the cost the arithmetic's.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
MMAP_THRESHOLD = 64 * 1024 * 1024  # arrays below this come from the heap, reused
TRIM_THRESHOLD = 512 * 1024 * 1024  # free memory kept by the process, up to this

_steady = False


def steady_allocator() -> bool:
    """Fix glibc's thresholds for this process (once; a no-op elsewhere). Call it where
    the engine runs (the score run, the benchmarks): it is process-wide. True when set."""
    global _steady
    if _steady:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    _steady = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    return _steady
