"""The I/O thread commits in batches: every call resolves only once its batch is committed.

And no write is fired and forgotten: one posted without waiting that fails (a real read-only SQLite
database here) is reported, in a crawl as a log line with its traceback and the archiver/errors/storage stat.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path

import pytest

from archiver.runtime.iothread import IOThread
from conftest import run_crawl
from schemesite import SchemeSite, Trap


def test_calls_queued_together_share_one_commit_and_each_resolves_after_it() -> None:
    commits: list[list[str]] = []
    done: list[str] = []
    io = IOThread("test-io", flush=lambda: commits.append(list(done)), max_age=60)
    held = threading.Event()
    try:
        first = io.submit(lambda: (held.wait(10), done.append("article")))  # the others queue up behind it
        rest = [io.submit(done.append, name) for name in ("candidates", "story", "filed")]
        assert not first.done() and commits == []
        held.set()
        for future in (first, *rest):
            future.result(timeout=10)
        # none resolved before the one commit that holds them all
        assert commits == [["article", "candidates", "story", "filed"]]
    finally:
        io.shutdown()


def test_a_failed_call_is_committed_after_max_age() -> None:
    committed = threading.Event()
    io = IOThread("test-io", flush=committed.set, max_age=0.05)
    try:
        with pytest.raises(ZeroDivisionError):
            io.submit(lambda: 1 / 0).result(timeout=10)
        assert committed.wait(timeout=10)  # what it wrote before failing is not left uncommitted
    finally:
        io.shutdown()


def test_a_failed_commit_fails_the_durable_calls_that_wait_on_it() -> None:
    def flush() -> None:
        raise OSError("disk full")

    io = IOThread("test-io", flush=flush, max_age=60)
    try:
        with pytest.raises(OSError):
            io.call(lambda: "end", timeout=10)
    finally:
        io.shutdown()


def read_only(tmp_path: Path) -> sqlite3.Connection:
    path = tmp_path / "archive.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE notes (text TEXT)")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def test_a_posted_write_that_fails_reaches_on_failure(tmp_path: Path) -> None:
    database = read_only(tmp_path)
    failures: list[BaseException] = []
    io = IOThread("test-io", flush=database.commit, on_failure=failures.append)
    try:
        io.post(database.execute, "INSERT INTO notes VALUES ('lost?')")
        io.call(lambda: None)  # in order: the posted write has run and been reported
    finally:
        io.shutdown()
    assert len(failures) == 1 and isinstance(failures[0], sqlite3.OperationalError)
    assert "readonly" in str(failures[0])


def test_without_on_failure_a_posted_failure_is_logged_with_its_traceback(tmp_path: Path, caplog) -> None:
    database = read_only(tmp_path)
    io = IOThread("test-io", flush=database.commit)
    try:
        with caplog.at_level(logging.ERROR, logger="archiver.runtime.iothread"):
            io.post(database.execute, "INSERT INTO notes VALUES ('lost?')")
            io.call(lambda: None)
    finally:
        io.shutdown()
    [record] = caplog.records
    assert "A write on the I/O thread failed" in record.getMessage() and record.exc_info is not None


@pytest.mark.crawl
def test_a_crawl_logs_and_counts_a_failed_write_nobody_waited_on(tmp_path: Path) -> None:
    """A feed entry that is missing (404) is noted for the next run without waiting: that write fails for real
    (a trigger in the archive refuses rows in ``retries``), and the crawl says so and counts it."""
    trap = Trap()
    site = SchemeSite(trap).start()
    try:
        first = run_crawl(tmp_path, "article", {"url": site.url("/")})  # creates the archive
        assert first.returncode == 0, first.stderr[-3000:]
        with sqlite3.connect(first.db_path) as db:
            db.execute("CREATE TRIGGER refuse_retries BEFORE INSERT ON retries "
                       "BEGIN SELECT RAISE(ABORT, 'retries are refused by this archive'); END")
        crawl = run_crawl(tmp_path, "feed", {"url": site.url("/hostile/feed.xml")})
    finally:
        site.stop()
        trap.close()
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    stats = json.loads(crawl.crawl_row()["stats"])
    assert stats.get("archiver/retries/noted", 0) >= 1
    assert stats["archiver/errors/storage"] == stats["archiver/retries/noted"]
    assert "archiver storage error (the first; all are counted in archiver/errors/storage)" in crawl.log
    assert "retries are refused by this archive" in crawl.log and "Traceback" in crawl.log
