"""Worker processes for CPU work (extraction, signatures): one way to make them, everywhere.

A crawl, ``archiver reextract`` and ``archiver stories --rebuild`` all use
:func:`worker_pool`: processes started by a fork server that has imported
the extraction code once (so each starts warm, and never inherits the
crawl's threads as a plain fork would), which ignore Ctrl-C: a terminal's
SIGINT goes to the whole process group, and the parent decides how to stop,
so a worker never turns it into a crash or a hang.
"""

from __future__ import annotations

import signal
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def worker_pool(workers: int | None) -> Executor:
    """``workers`` processes (None: one per core); 0: a single thread of this process instead."""
    if workers == 0:
        return ThreadPoolExecutor(1, thread_name_prefix="archiver-extract")
    context = get_context("forkserver")
    context.set_forkserver_preload(["archiver.extract"])
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_ignore_interrupts)


def terminate(pool: Executor) -> None:
    """Stop a pool now: queued work is dropped and running workers are killed."""
    pool.shutdown(wait=False, cancel_futures=True)
    # concurrent.futures has no public way to stop a running worker; its
    # process table is the only handle (a dict of multiprocessing.Process)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.kill()
