"""Worker processes for CPU work (extraction, signatures): one way to make them, everywhere.

A crawl, ``archiver reextract`` and ``archiver stories --rebuild`` all use
:func:`worker_pool`: processes started by a fork server that has loaded and
warmed the extraction code once (:mod:`archiver.extract.preload`: so each
starts warm, shares those pages with the others, and never inherits the
crawl's threads as a plain fork would), which ignore Ctrl-C: a terminal's
SIGINT goes to the whole process group, and the parent decides how to stop,
so a worker never turns it into a crash or a hang.
"""

from __future__ import annotations

import signal
import threading
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import forkserver, get_context
from typing import Any, Callable, TypeVar

from .memory import release_memory

T = TypeVar("T")


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def worker_pool(workers: int | None) -> Executor:
    """``workers`` processes (None: one per core); 0: a single thread of this process instead."""
    if workers == 0:
        return ThreadPoolExecutor(1, thread_name_prefix="archiver-extract")
    context = get_context("forkserver")
    context.set_forkserver_preload(["archiver.extract.preload"])
    _start_fork_server_deaf()
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_ignore_interrupts)


def _start_fork_server_deaf() -> None:
    """Start the fork server with SIGINT ignored, which it and every worker it forks inherit from birth.

    The fork server imports the extraction code before it ignores SIGINT
    itself, and a worker is forked before its initializer runs: a Ctrl-C in
    either moment would kill it (and with the fork server, every later worker).
    An ignored signal survives exec, and Python keeps it ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


def terminate(pool: Executor) -> None:
    """Stop a pool now: queued work is dropped and running workers are killed."""
    pool.shutdown(wait=False, cancel_futures=True)
    # concurrent.futures has no public way to stop a running worker; its
    # process table is the only handle (a dict of multiprocessing.Process)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.kill()


class TimeLimitExceeded(Exception):
    """A call ran past its time limit in a worker and was interrupted."""

    def __init__(self, seconds: float):
        super().__init__(seconds)  # the only argument: the exception pickles back from a worker
        self.seconds = seconds

    def __str__(self) -> str:
        return f"took longer than {self.seconds:g} s"


def within(seconds: float, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)``, interrupted with :class:`TimeLimitExceeded` after ``seconds`` (0: no limit).

    For worker processes, whose calls run on their main thread: SIGALRM
    interrupts Python code between bytecodes, so a parser stuck in one C call
    runs on until it returns; the crawl's watchdog stops the worker then.
    Elsewhere (a thread) it is a plain call.  Either way the C heap's free
    pages go back to the system afterwards (:func:`~archiver.core.memory.release_memory`).
    """
    try:
        if seconds <= 0 or threading.current_thread() is not threading.main_thread():
            return function(*args)

        def interrupt(signum: int, frame: Any) -> None:
            raise TimeLimitExceeded(seconds)

        previous = signal.signal(signal.SIGALRM, interrupt)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return function(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    finally:
        release_memory()
