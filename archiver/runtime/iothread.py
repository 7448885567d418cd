"""The archive's I/O thread: runs calls in order and commits them in batches.

Every WARC write and SQL statement of a crawl runs here, one at a time, so
records land in the WARC file in order and the reactor thread never waits
on a disk, zlib or SQLite.  Calls are grouped: ``flush`` (the database
commit) runs when the queue runs dry with a call waiting for it, after
``max_calls`` calls or after ``max_age`` seconds, whichever comes first.  A
call's future resolves only once its batch is committed, so nobody is told
"stored" before it is.  (The archive service files an article in one call,
so that is one commit per page at most, fewer when pages come fast.)
Its :class:`~archiver.runtime.cpu.CpuMeter` counts each call's CPU under the
function's name, and the commits under ``commit``.

No write is fired and forgotten: a caller either waits for its call
(:meth:`IOThread.run` from the event loop, :meth:`IOThread.call` from a
plain thread), or holds its future (:meth:`IOThread.submit`, for the archive
service, :class:`archiver.archive.service.Archive`, which reads every one),
or posts it (:meth:`IOThread.post`) and its failure, or its batch's failed
commit, goes to the thread's ``on_failure`` (the crawl logs the first with
its traceback and counts them all in ``archiver/errors/storage``).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from concurrent.futures import Future, InvalidStateError
from typing import Any, Callable, TypeVar

from archiver.runtime.cpu import CpuMeter

T = TypeVar("T")
logger = logging.getLogger(__name__)

_STOP = object()


class IOThread:
    """A single worker thread with batched commits."""

    def __init__(self, name: str, flush: Callable[[], None], max_calls: int = 500, max_age: float = 1.0,
                 on_failure: Callable[[BaseException], None] | None = None):
        """``on_failure`` is called, on this thread, with each failure nobody waits for (default: logged)."""
        self._flush = flush
        self._on_failure = on_failure or _log_failure
        self._max_calls = max_calls
        self._max_age = max_age
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self.cpu = CpuMeter()  # read it on this thread only (a call run here), or after shutdown()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, function: Callable[..., T], *args: Any) -> "Future[T]":
        """Queue ``function(*args)``: its future resolves once its batch is committed (its error: once it ran)."""
        return self._submit(function, *args)

    def _submit(self, function: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        self._queue.put((future, function, args))
        return future

    def call(self, function: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """From a plain thread: run ``function(*args)`` here and wait until its batch is committed; its error is raised."""
        return self._submit(function, *args).result(timeout=timeout)

    def post(self, function: Callable[..., Any], *args: Any) -> None:
        """Queue ``function(*args)`` without waiting (a signal handler cannot wait): if it or its commit fails,
        ``on_failure`` hears of it."""
        self._submit(function, *args).add_done_callback(self._check)

    def _check(self, done: Future) -> None:
        if not done.cancelled() and done.exception() is not None:
            self._report(done.exception())

    def _report(self, exc: BaseException) -> None:
        try:
            self._on_failure(exc)
        except Exception:  # noqa: BLE001 - a reporter's bug must not stop the thread every write depends on
            logger.exception("The I/O thread could not report a failed write (%s)", exc)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """From the event loop: run ``function(*args)`` here and wait for its batch to be committed.

        Cancelling the awaiting task (a crawl being stopped) abandons the wait,
        never the call: what was queued is still written, in order.
        """
        future = self._submit(function, *args)
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()

        def settle(done: Future) -> None:
            if waiter.cancelled():
                return
            if done.exception() is not None:
                waiter.set_exception(done.exception())
            else:
                waiter.set_result(done.result())

        future.add_done_callback(lambda done: loop.call_soon_threadsafe(settle, done))
        return await waiter

    @property
    def alive(self) -> bool:
        """Whether the thread still takes calls."""
        return self._thread.is_alive()

    def shutdown(self) -> None:
        """Run what is queued, commit it, and stop the thread."""
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        waiting: list[tuple[Future, Any]] = []  # calls run since the last commit, with their results
        uncommitted, started = 0, 0.0  # calls run since the last commit; when the first of them ran
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, started + self._max_age - time.monotonic()) if uncommitted else None)
            except queue.Empty:  # only calls that failed (nobody waits on a commit): commit once they are max_age old
                self._commit(waiting)
                waiting, uncommitted = [], 0
                continue
            if item is _STOP:
                self._commit(waiting)
                return
            future, function, args = item
            if not uncommitted:
                started = time.monotonic()
            uncommitted += 1
            try:
                with self.cpu.stage(getattr(function, "__name__", "call")):
                    result = function(*args)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                _settle(future, exc)
            else:
                waiting.append((future, result))
            if ((waiting and self._queue.empty()) or uncommitted >= self._max_calls
                    or time.monotonic() - started >= self._max_age):
                self._commit(waiting)
                waiting, uncommitted = [], 0

    def _commit(self, batch: list[tuple[Future, Any]]) -> None:
        try:
            with self.cpu.stage("commit"):
                self._flush()
        except BaseException as exc:  # noqa: BLE001 - every call in the batch failed with it
            if not batch:  # only calls that failed ran: no future to fail
                self._report(exc)
            for future, _ in batch:
                _settle(future, exc)
        else:
            for future, result in batch:
                _settle(future, result=result)


def _log_failure(exc: BaseException) -> None:
    logger.error("A write on the I/O thread failed: %s", exc, exc_info=(type(exc), exc, exc.__traceback__))


def _settle(future: Future, exc: BaseException | None = None, result: Any = None) -> None:
    """Resolve a caller's future, unless the caller gave up on it (the work itself is done either way).

    A future cancelled while its call ran must not stop this thread: every
    later write of the crawl, its closing included, depends on it.
    """
    if future.cancelled():
        return
    try:
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result)
    except InvalidStateError:  # cancelled between the check and now
        pass
