"""One crawl of a spider per archive at a time: the next one is skipped with exit status 75, never left stuck."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import finish_crawl, run_crawl, start_crawl
from heldsite import HeldNewsSite

pytestmark = pytest.mark.crawl


def test_a_second_crawl_of_the_same_spider_stops_at_once_and_another_spider_runs_alongside(tmp_path: Path) -> None:
    site = HeldNewsSite(held={"herald"}).start()
    urls = site.article_urls()
    try:
        first = start_crawl(tmp_path, "article", {"url": urls["herald"]})
        site.wait_holding()
        asked = len(site.requests)

        second = run_crawl(tmp_path, "article", {"url": urls["observer"]})
        assert second.returncode == 75, second.stderr[-3000:]
        assert "Traceback" not in second.stderr
        db = tmp_path / "archive.db"
        assert re.fullmatch(
            rf"Error: Another article crawl is writing {re.escape(str(db))} \(pid {first.pid}, since "
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\); this run stops without fetching anything\.",
            second.stderr.strip().splitlines()[-1],
        )
        assert len(site.requests) == asked  # not even robots.txt

        other = run_crawl(tmp_path, "site", {"url": site.url("/"), "depth": "1", "deny": "herald"})
        assert other.returncode == 0, other.stderr[-3000:]
        assert len(site.requests) > asked

        site.release()
        first_done = finish_crawl(tmp_path, first)
        assert first_done.returncode == 0, first_done.stderr[-3000:]
        # the next run of the spider goes ahead
        third = run_crawl(tmp_path, "article", {"url": urls["daily"]})
        assert third.returncode == 0, third.stderr[-3000:]
    finally:
        site.release()
        site.stop()
    archive = third.db
    assert [(r["spider"], r["finish_reason"]) for r in archive.query("select * from crawls order by id")] == [
        ("article", "finished"), ("site", "finished"), ("article", "finished")]  # none for the skipped run
    assert {r["url"] for r in archive.query("select url from articles")} == set(urls.values())


def test_a_killed_crawl_leaves_no_stale_lock(tmp_path: Path) -> None:
    site = HeldNewsSite(held={"herald"}).start()
    try:
        killed = start_crawl(tmp_path, "article", {"url": site.article_urls()["herald"]})
        site.wait_holding()
        killed.kill()  # SIGKILL: no handler runs, nothing is cleaned up
        killed.communicate(timeout=60)
        assert (tmp_path / "archive.db.article.lock").exists()

        again = run_crawl(tmp_path, "article", {"url": site.article_urls()["observer"]})
    finally:
        site.release()
        site.stop()
    assert again.returncode == 0, again.stderr[-3000:]
    rows = list(again.db.query("select finish_reason from crawls order by id"))
    assert rows == [{"finish_reason": "killed"}, {"finish_reason": "finished"}]  # finished by the next run
    assert again.db["articles"].count == 1
