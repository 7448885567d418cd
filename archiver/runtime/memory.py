"""Giving freed memory back to the system: glibc keeps the C heap's free pages unless asked.

The parse trees of a large page leave megabytes free inside the heap that
glibc holds on to: a worker's memory would then stay at its largest page's.
The extraction workers call :func:`release_memory` after each page.  (In the
crawl process it gave back nothing measurable, bench/throughput.py.)
"""

from __future__ import annotations

import ctypes
import threading
import time
from typing import Callable

EVERY = 1.0  # seconds: malloc_trim takes about 0.7 ms, so at most once a second per process


def _malloc_trim() -> Callable[[int], int] | None:
    # the running process's own symbols: ctypes.util.find_library would start ldconfig at import time
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_MALLOC_TRIM = _malloc_trim()
_lock = threading.Lock()
_trimmed = 0.0


def release_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``), at most once a second."""
    global _trimmed
    if _MALLOC_TRIM is None or time.monotonic() - _trimmed < EVERY or not _lock.acquire(blocking=False):
        return
    try:
        _trimmed = time.monotonic()
        _MALLOC_TRIM(0)
    finally:
        _lock.release()
