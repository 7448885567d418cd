"""One watchdog for every page's work: a call stuck in C code, out of memory or killing its worker ends with
a reason, and the others are done; the crawl, `archiver reextract`, `import`, `stories --rebuild` and `merge` share it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from archiver.runtime.pool import BoundedPool, Limits, MemoryLimitExceeded, TimeLimitExceeded, WorkerDied
from conftest import ROOT, run_crawl
from handmadewarc import gzipped, page, response
from loopback import LoopbackServer, Reply
from stuckextractor import STUCK, dies, needs, stuck_in_c


@pytest.mark.slow
@pytest.mark.parametrize("chunk", [1, 3])
def test_a_call_stuck_in_c_is_stopped_and_the_others_are_done(chunk: int) -> None:
    texts = ["one", f"a page {STUCK}", "two", "three", "four"]
    with BoundedPool(2, Limits(seconds=1)) as pool:  # the call would take minutes: only the watchdog stops it so soon
        outcomes = list(pool.outcomes(stuck_in_c, texts, chunk))
    assert outcomes[0] == "one" and outcomes[2:] == ["two", "three", "four"]
    assert isinstance(outcomes[1], TimeLimitExceeded) and str(outcomes[1]) == "took longer than 1 s"


def test_a_call_past_the_memory_limit_ends_with_memory_limit_exceeded() -> None:
    with BoundedPool(1, Limits(seconds=30, memory=2**30)) as pool:
        outcomes = list(pool.outcomes(needs, [10, 4096, 10]))
    assert outcomes[0] == outcomes[2] == 10 * 2**20
    assert isinstance(outcomes[1], MemoryLimitExceeded) and str(outcomes[1]) == "needed more than 1,024 MiB of memory"


def test_a_call_that_kills_its_worker_gives_up_alone() -> None:
    texts = ["a", "die", "b", "c", "die", "d", "e", "f"]
    with BoundedPool(2, Limits(seconds=30)) as pool:
        outcomes = list(pool.outcomes(dies, texts))
    assert [o for o in outcomes if isinstance(o, str)] == [t for t in texts if t != "die"]
    assert isinstance(outcomes[1], WorkerDied) and isinstance(outcomes[4], WorkerDied)


# The commands, each with a page that gets the test extractor stuck in one C call (tests/stuckextractor.py)

STUCK_EXTRACTOR = "stuckextractor.StuckExtractor"
TITLES = [f"Story number {n}" for n in range(4)]


def stuck_page() -> bytes:
    return page(f"A page {STUCK}")


def archiver(*args: str) -> subprocess.CompletedProcess:
    """`archiver ...` with the tests' modules importable (the stuck extractor), as a user's PYTHONPATH would."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    return subprocess.run([sys.executable, "-m", "archiver.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


def a_warc(tmp: Path) -> Path:
    """Four article pages and, second, the page that gets the stuck extractor stuck."""
    records = [response(f"http://news.example/{n}", title=title) for n, title in enumerate(TITLES)]
    records.insert(1, response("http://news.example/stuck", body=stuck_page()))
    path = tmp / "news.warc.gz"
    path.write_bytes(gzipped(*records))
    return path


def captures(db: Path) -> dict[str, str | None]:
    return {r["url"]: r["error"] for r in sqlite_utils.Database(db).query("select url, error from captures")}


def titles(db: Path) -> set[str]:
    return {r["title"] for r in sqlite_utils.Database(db).query("select title from articles")}


@pytest.mark.crawl
def test_import_stops_a_page_stuck_in_c_and_imports_the_others(tmp_path: Path) -> None:
    done = archiver("import", str(a_warc(tmp_path)), "--db", str(tmp_path / "archive.db"), "--warc-dir",
                    str(tmp_path / "warcs"), "--workers", "1", "--extractor", STUCK_EXTRACTOR, "--timeout", "1")
    assert done.returncode == 0, done.stderr
    assert "4 articles (4 new), 1 without an article" in done.stdout
    assert captures(tmp_path / "archive.db")["http://news.example/stuck"] == "no article: extraction took longer than 1 s"
    assert titles(tmp_path / "archive.db") == set(TITLES)


@pytest.mark.crawl
def test_reextract_stops_a_page_stuck_in_c_and_reextracts_the_others(tmp_path: Path) -> None:
    common = ("--db", str(tmp_path / "archive.db"), "--warc-dir", str(tmp_path / "warcs"), "--workers", "1")
    assert archiver("import", str(a_warc(tmp_path)), *common).returncode == 0  # the default extractor: five articles
    done = archiver("reextract", *common, "--extractor", STUCK_EXTRACTOR, "--timeout", "1")
    assert done.returncode == 0, done.stderr
    summary = done.stdout.strip()  # the test extractor's texts differ from the default's: changed
    assert summary.startswith("4 re-extracted, ") and summary.endswith(", 1 no article now, 0 unreadable (of 5 articles).")
    assert ("http://news.example/stuck: no article now (extraction took longer than 1 s); the row is kept"
            in done.stderr)


@pytest.mark.crawl
def test_a_crawl_stops_a_page_stuck_in_c_and_extracts_the_others(tmp_path: Path) -> None:
    pages = {"/stuck": stuck_page(), **{f"/{n}": page(title) for n, title in enumerate(TITLES)}}
    site = LoopbackServer(lambda path: Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], pages[path]))
    site.start()
    try:
        urls = ",".join(site.url(path) for path in pages)
        crawl = run_crawl(tmp_path, "article", {"url": urls},
                          {"ARCHIVER_EXTRACTOR": STUCK_EXTRACTOR, "ARCHIVER_EXTRACT_TIMEOUT": "1"},
                          pythonpath=ROOT / "tests")
    finally:
        site.stop()
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert captures(crawl.db_path)[site.url("/stuck")] == "no article: extraction took longer than 1 s"
    assert titles(crawl.db_path) == set(TITLES)
    assert '"archiver/extraction/timeouts": 1' in crawl.crawl_row()["stats"]


@pytest.mark.crawl
@pytest.mark.parametrize("command", ["stories", "merge"])
def test_stories_and_merge_bound_each_signature_with_the_same_pool(tmp_path: Path, command: str) -> None:
    # no text is known to get a signature stuck in C: a limit no signature can meet shows the bound applies
    common = ("--workers", "1")
    shard = tmp_path / "shard.db"
    assert archiver("import", str(a_warc(tmp_path)), "--db", str(shard), "--warc-dir", str(tmp_path / "warcs"),
                    *common).returncode == 0
    if command == "stories":
        done = archiver("stories", "--db", str(shard), "--rebuild", *common, "--timeout", "0.000001")
        assert done.returncode == 0, done.stderr
        assert done.stderr.count("left unfiled: its signature took longer than 1e-06 s.") == 5
        assert "5 not filed yet" in done.stdout
    else:
        done = archiver("merge", str(tmp_path / "merged.db"), str(shard), "--warc-dir", str(tmp_path / "warcs"), *common)
        assert done.returncode == 0, done.stderr
        merged = sqlite_utils.Database(tmp_path / "merged.db")
        assert merged.execute("select count(*) from articles where story_id is not null").fetchone()[0] == 5
