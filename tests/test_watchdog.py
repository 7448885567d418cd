"""One watchdog for every page's work: a call stuck in C code, out of memory or killing its worker ends with
a reason, and the others are done; the crawl, `archiver reextract`, `import`, `stories --rebuild` and `merge` share it."""

from __future__ import annotations

from archiver.core.pool import BoundedPool, Limits, MemoryLimitExceeded, TimeLimitExceeded, WorkerDied
from stuckextractor import STUCK, dies, needs, stuck_in_c


def test_a_call_stuck_in_c_is_stopped_and_the_others_are_done() -> None:
    texts = ["one", f"a page {STUCK}", "two", "three", "four"]
    with BoundedPool(2, Limits(seconds=1)) as pool:
        outcomes = list(pool.outcomes(stuck_in_c, texts))
        stuck = pool.stuck
    assert outcomes[0] == "one" and outcomes[2:] == ["two", "three", "four"]
    assert isinstance(outcomes[1], TimeLimitExceeded) and str(outcomes[1]) == "took longer than 1 s"
    assert stuck == 1


def test_a_call_past_the_memory_limit_ends_with_memory_limit_exceeded() -> None:
    with BoundedPool(1, Limits(seconds=30, memory=2**30)) as pool:
        outcomes = list(pool.outcomes(needs, [10, 4096, 10]))
    assert outcomes[0] == outcomes[2] == 10 * 2**20
    assert isinstance(outcomes[1], MemoryLimitExceeded) and str(outcomes[1]) == "needed more than 1,024 MiB of memory"


def test_a_call_that_kills_its_worker_gives_up_alone() -> None:
    with BoundedPool(2, Limits(seconds=30)) as pool:
        outcomes = list(pool.outcomes(dies, ["a", "die", "b", "c"]))
    assert [o for o in outcomes if isinstance(o, str)] == ["a", "b", "c"]
    assert isinstance(outcomes[1], WorkerDied)
