"""The I/O thread commits once per unit of work: steps resolve when they ran, the durable end when committed."""

from __future__ import annotations

import threading

from archiver.core.iothread import IOThread


def test_steps_resolve_at_once_and_the_durable_end_waits_for_the_commit() -> None:
    commits: list[list[str]] = []
    done: list[str] = []
    io = IOThread("test-io", flush=lambda: commits.append(list(done)), max_age=60)
    try:
        for step in ("article", "candidates", "story"):
            assert io.submit(done.append, step, durable=False).result(timeout=10) is None
        assert commits == []  # nobody waits on a commit yet: none ran
        io.submit(done.append, "filed").result(timeout=10)
        # the durable end's future resolved only after one commit that holds every step
        assert commits == [["article", "candidates", "story", "filed"]]
    finally:
        io.shutdown()


def test_steps_nobody_waits_on_are_committed_after_max_age() -> None:
    committed = threading.Event()
    io = IOThread("test-io", flush=committed.set, max_age=0.05)
    try:
        io.submit(lambda: None, durable=False).result(timeout=10)
        assert committed.wait(timeout=10)
    finally:
        io.shutdown()


def test_a_failed_commit_fails_the_durable_calls_that_wait_on_it() -> None:
    def flush() -> None:
        raise OSError("disk full")

    io = IOThread("test-io", flush=flush, max_age=60)
    try:
        step = io.submit(lambda: "step", durable=False)
        end = io.submit(lambda: "end")
        assert step.result(timeout=10) == "step"
        assert isinstance(end.exception(timeout=10), OSError)
    finally:
        io.shutdown()
