"""CPU time by stage: what a crawl reports as ``archiver/cpu_ms/...`` and bench/throughput.py prints.

Each thread (the reactor, ``archiver-io``, ``archiver-cpu``) and each
extraction call keeps a meter of its own, so no meter is shared between
threads and none needs a lock.  ``time.thread_time`` counts only the calling
thread's CPU: waiting on a disk, a lock or another thread costs nothing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


class CpuMeter:
    """Sums the calling thread's CPU seconds by stage name.

    Stages nest exclusively: the time of a stage opened inside another counts
    for the inner one only, so the figures add up to the thread's total.
    """

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self._open: list[list] = []  # [name, CPU time when it last resumed], innermost last

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Count the CPU the ``with`` block takes under ``name`` (less what inner stages take)."""
        now = time.thread_time()
        if self._open:
            outer = self._open[-1]
            self.seconds[outer[0]] += now - outer[1]
        entry = [name, now]
        self._open.append(entry)
        try:
            yield
        finally:
            now = time.thread_time()
            self.seconds[name] += now - entry[1]
            self._open.pop()
            if self._open:
                self._open[-1][1] = now

    def add(self, seconds: Mapping[str, float], prefix: str = "") -> None:
        """Add another meter's figures (a worker's, sent back with its result), their names prefixed."""
        for name, value in seconds.items():
            self.seconds[prefix + name] += value


def stats(seconds: Mapping[str, float], prefix: str) -> dict[str, int]:
    """Scrapy stats of whole milliseconds, from CPU seconds by stage, named ``prefix + stage``."""
    return {prefix + name: round(value * 1000) for name, value in sorted(seconds.items())}
