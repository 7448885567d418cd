"""Worker processes for CPU work (extraction, signatures): one bounded pool, everywhere.

A crawl, ``archiver reextract``, ``archiver import``, ``archiver stories
--rebuild`` and ``archiver merge`` all run their per-page work through
:class:`BoundedPool`: processes started by a fork server that has loaded and
warmed the extraction code once (:mod:`archiver.extract.preload`: so each
starts warm, shares those pages with the others, and never inherits the
crawl's threads as a plain fork would), which ignore Ctrl-C (a terminal's
SIGINT goes to the whole process group, and the parent decides how to stop,
so a worker never turns it into a crash or a hang).  Each call is bounded
(:class:`Limits`): in time by an alarm in the worker and, for a worker stuck
in C code the alarm cannot interrupt, by the pool's watchdog thread, which
kills the pool and starts another; in memory by the worker's data-segment
limit (``RLIMIT_DATA``).  Callers only submit and read outcomes.
"""

from __future__ import annotations

import collections
import os
import resource
import select
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import forkserver, get_context
from typing import Any, Callable, Iterable, Iterator, TypeVar

from archiver.runtime.memory import release_memory

T = TypeVar("T")


GRACE = 5.0  # seconds a call may run past its alarm (the time to unwind a page) before its worker is killed


@dataclass(frozen=True)
class Limits:
    """What one call in a worker may take: ``seconds`` (ARCHIVER_EXTRACT_TIMEOUT) and ``memory`` bytes
    (ARCHIVER_EXTRACT_MEMORY, the worker's heap); 0: no limit."""

    seconds: float = 30
    memory: int = 2 * 2**30

    @property
    def deadline(self) -> float | None:
        """Seconds after which the watchdog kills a worker whose call is still running (None: never)."""
        return 2 * self.seconds + GRACE if self.seconds > 0 else None


def exit_with(pid: int) -> None:
    """End this process as soon as process ``pid`` has ended, from a daemon thread.

    A fork server and its workers wait on pipes their creator may never
    close: a crawl killed with ``-9`` would leave them running for good, and
    holding its standard output and error open.  Linux says when a process
    ends through a pidfd; where there is none, a second's poll says it.
    """
    def wait() -> None:
        try:
            handle = os.pidfd_open(pid)
        except ProcessLookupError:
            os._exit(0)
        except OSError:  # a kernel without pidfds
            while _alive(pid):
                time.sleep(1)
        else:
            select.select([handle], [], [])
        os._exit(0)

    threading.Thread(target=wait, name="archiver-orphan-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start_worker(memory: int, creator: int) -> None:
    exit_with(creator)  # a worker outlives no crawl
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory > 0:  # the heap (brk and private mappings): a page that needs more raises MemoryError
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        resource.setrlimit(resource.RLIMIT_DATA, (memory if hard == resource.RLIM_INFINITY else min(memory, hard), hard))


def worker_pool(workers: int | None, memory: int = 0) -> Executor:
    """``workers`` processes (None: one per core) of at most ``memory`` bytes of heap each; 0: a thread instead.

    Use :class:`BoundedPool` for work on pages: this is its building block.
    """
    if workers == 0:
        return ThreadPoolExecutor(1, thread_name_prefix="archiver-extract")
    context = get_context("forkserver")
    context.set_forkserver_preload(["archiver.extract.preload"])
    _start_fork_server_deaf()
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(memory, os.getpid()))


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
    # concurrent.futures has no public way to stop a running worker; its
    # process table is the only handle (a dict of multiprocessing.Process),
    # read before shutdown() forgets it
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()


class CallStopped(Exception):
    """A call the pool stopped, or lost with its worker; its text says why, after the work's name ("extraction ...")."""


class TimeLimitExceeded(CallStopped):
    """A call ran past its time limit in a worker and was interrupted, or its worker was killed."""

    def __init__(self, seconds: float):
        super().__init__(seconds)  # the only argument: the exception pickles back from a worker
        self.seconds = seconds

    def __str__(self) -> str:
        return f"took longer than {self.seconds:g} s"


class MemoryLimitExceeded(CallStopped):
    """A call needed more memory than its worker may have."""

    def __init__(self, memory: int):
        super().__init__(memory)
        self.memory = memory

    def __str__(self) -> str:
        return f"needed more than {self.memory / 2**20:,.0f} MiB of memory"


class WorkerDied(CallStopped):
    """The worker running a call died twice (a crash in C code, or killed by the system)."""

    def __str__(self) -> str:
        return f"crashed its worker process twice ({self.args[0]})"


def within(seconds: float, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)``, interrupted with :class:`TimeLimitExceeded` after ``seconds`` (0: no limit).

    For worker processes, whose calls run on their main thread: SIGALRM
    interrupts Python code between bytecodes, so a parser stuck in one C call
    runs on until it returns; :class:`BoundedPool`'s watchdog stops the worker
    then.  Elsewhere (a thread) it is a plain call.  A MemoryError (the
    worker's memory limit) becomes :class:`MemoryLimitExceeded`.  Either way
    the C heap's free pages go back to the system afterwards
    (:func:`~archiver.runtime.memory.release_memory`).
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
    except MemoryError:
        limit = resource.getrlimit(resource.RLIMIT_DATA)[0]
        if limit == resource.RLIM_INFINITY:  # no limit of ours (a thread): the machine's memory ran out
            raise
        raise MemoryLimitExceeded(limit) from None
    finally:
        release_memory()


@dataclass
class _Call:
    outcome: Future  # what the caller holds
    function: Callable[..., Any]
    args: tuple
    deaths: int = 0  # pools broken under it
    started: float | None = None  # when a worker took it (None: waiting in the pool's queue behind a running call)
    pool: Executor | None = None


class BoundedPool:
    """Worker processes whose every call is bounded in time and memory; a stuck worker is killed and replaced.

    :meth:`submit` returns a future that always resolves: to the call's
    result or exception, to :class:`TimeLimitExceeded` when it ran past
    :attr:`Limits.deadline` (its worker stuck in C code: the pool is killed,
    the other calls it held start again in a new one), or to
    :class:`WorkerDied` when its pool broke under it twice.  Each worker
    has one call running and at most :attr:`AHEAD` more waiting in the
    pool's queue, so that it takes its next page the moment it is done
    with one, without waiting for this process (its threads share one
    interpreter lock with the reactor and the I/O thread) to settle the last
    and hand it the next: with one call a worker, the two workers of a
    crawl kept one core busy of two.  A call's time is its own, not its
    queue's: the worker's alarm starts with the call, and the deadline of a
    waiting call starts when a call ahead of it ends (the workers take
    calls in order).  A watchdog thread (``archiver-watchdog``) owns the
    pool: it starts calls, settles them and keeps the deadlines.
    """

    AHEAD = 1  # calls waiting in the pool's queue per worker

    def __init__(self, workers: int | None, limits: Limits = Limits()):
        self.workers = workers
        self.limits = limits
        self.capacity = 1 if workers == 0 else workers or os.cpu_count() or 1
        self._pool = worker_pool(workers, limits.memory)
        self._queue: collections.deque[_Call] = collections.deque()
        self._running: dict[Future, _Call] = {}
        self._lock = threading.Lock()
        self._wake: Future = Future()
        self._closing = False
        self._cancelled = False
        self._cold = True  # its workers not started yet: starting them is not a call's time
        self._watchdog = threading.Thread(target=self._watch, name="archiver-watchdog", daemon=True)
        self._watchdog.start()

    def submit(self, function: Callable[..., T], *args: Any) -> "Future[T]":
        """Run ``function(*args)`` in a worker, bounded; the future resolves however the call ends."""
        call = _Call(Future(), function, args)
        with self._lock:
            if self._closing:
                raise RuntimeError("the pool is shut down")
            self._queue.append(call)
            self._wake_up()
        return call.outcome

    def outcomes(self, function: Callable[..., T], items: Iterable[Any], chunk: int = 1) -> Iterator[T | CallStopped]:
        """``function(item)`` for each item, in order: its result, or the :class:`CallStopped` saying why there is none.

        ``chunk`` items go to a worker in one call (for work of a millisecond
        an item, where a call's own cost, half a millisecond, would double
        it); a chunk stopped is done again item by item, so that only the item
        that cannot be done fails.  Any other exception of ``function`` is
        raised here: a worker function that must not stop its caller catches
        its own.
        """
        items = list(items)
        parts = [items[start:start + chunk] for start in range(0, len(items), chunk)]
        for part, future in [(part, self.submit(_each, function, part)) for part in parts]:
            try:
                yield from future.result()
            except CallStopped as exc:
                if len(part) == 1:
                    yield exc
                else:
                    yield from self.outcomes(function, part)

    def shutdown(self, cancel: bool = False) -> None:
        """Finish the calls submitted (``cancel``: drop those not started, kill those running), then stop."""
        with self._lock:
            self._closing, self._cancelled = True, cancel
            self._wake_up()
        self._watchdog.join()
        if cancel:
            terminate(self._pool)
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)

    def __enter__(self) -> "BoundedPool":
        return self

    def __exit__(self, kind: Any, exc: Any, traceback: Any) -> None:
        self.shutdown(cancel=kind is not None)  # after Ctrl-C or an error: stop now

    def _wake_up(self) -> None:
        if not self._wake.done():
            self._wake.set_result(None)

    def _watch(self) -> None:
        deadline = self.limits.deadline
        while True:
            if self._cold:
                self._cold = False
                wait([self._pool.submit(_ready) for _ in range(self.capacity)])
            with self._lock:
                if self._cancelled:
                    for call in [*self._queue, *self._running.values()]:
                        call.outcome.cancel()
                    return
                while (self._queue and len(self._running) < self.capacity * (1 + self.AHEAD)
                       and not self._suspect()):
                    self._start(self._queue.popleft())
                self._clock()
                if self._closing and not self._running and not self._queue:
                    return
                self._wake = Future()
                waiting = [*self._running, self._wake]
            first = min((c.started for c in self._running.values() if c.started is not None), default=None)
            timeout = None if deadline is None or first is None else max(0.0, first + deadline - time.monotonic())
            done, _ = wait(waiting, timeout=timeout, return_when=FIRST_COMPLETED)
            with self._lock:
                for job in done:
                    if job in self._running:
                        self._settle(job, self._running.pop(job))
                if deadline is not None:
                    self._kill_stuck(deadline)

    def _suspect(self) -> bool:
        """Whether the next call must wait: a call whose worker died runs again alone, so only it can die with it."""
        return bool(self._running) and (self._queue[0].deaths > 0 or any(c.deaths for c in self._running.values()))

    def _clock(self) -> None:
        """Start the deadlines of the calls the workers hold: the oldest ``capacity`` unsettled (they take calls in order)."""
        now = time.monotonic()
        for _, call in zip(range(self.capacity), self._running.values()):
            if call.started is None:
                call.started = now

    def _start(self, call: _Call) -> None:
        if call.outcome.cancelled():  # its caller gave up waiting (a crawl closing)
            return
        call.started, call.pool = None, self._pool
        try:
            job = self._pool.submit(within, self.limits.seconds, call.function, *call.args)
        except BrokenProcessPool as exc:  # broken before the watchdog saw it
            self._died(call, exc)
        else:
            self._running[job] = call

    def _settle(self, job: Future, call: _Call) -> None:
        if call.outcome.cancelled():
            return
        exc = job.exception()
        if isinstance(exc, BrokenProcessPool):
            self._died(call, exc)
        elif exc is not None:
            call.outcome.set_exception(exc)
        else:
            call.outcome.set_result(job.result())

    def _died(self, call: _Call, exc: BaseException) -> None:
        """A worker died (out of memory for the system, a crash in C): every call of its pool sees it.

        Each is tried once more, alone (:meth:`_suspect`), in a new pool,
        so the call that kills its worker is the one that gives up.
        """
        self._renew(call.pool)
        call.deaths += 1
        if call.deaths < 2:
            self._queue.appendleft(call)
        else:
            call.outcome.set_exception(WorkerDied(str(exc) or "a crash"))

    def _kill_stuck(self, deadline: float) -> None:
        now = time.monotonic()
        stuck = [job for job, call in self._running.items() if call.started is not None and now - call.started >= deadline]
        if not stuck:
            return
        pool = self._pool
        for job in stuck:
            self._running.pop(job).outcome.set_exception(TimeLimitExceeded(self.limits.seconds))
        # the others in the killed pool start again, first, in a new one: not their fault
        for call in reversed(self._running.values()):  # in the order they were started
            self._queue.appendleft(call)
        self._running.clear()
        self._renew(pool)

    def _renew(self, pool: Executor | None) -> None:
        """Stop a broken or stuck pool and start a fresh one (once, whoever notices first)."""
        if pool is self._pool:
            terminate(pool)
            self._pool = worker_pool(self.workers, self.limits.memory)
            self._cold = True


def _each(function: Callable[..., T], items: list[Any]) -> list[T]:
    """In a worker: ``function`` of each item."""
    return [function(item) for item in items]


def _ready() -> None:
    """Nothing: run once by each new worker, so that its start is not counted in the first call's time."""
