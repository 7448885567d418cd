"""Politeness: Retry-After on 429 is waited for, robots.txt Crawl-delay spaces requests, progress is logged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import archived_keys, run_crawl
from discoverysite import ARTICLE_PATHS, RETRY_PATH, DiscoverySite
from archiver.crawl.politeness import retry_after_seconds


@pytest.fixture
def fresh_site():
    site = DiscoverySite(crawl_delay=1).start()
    yield site
    site.stop()


def test_retry_after_is_waited_for_then_the_page_is_archived(tmp_path: Path, fresh_site: DiscoverySite) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": fresh_site.url(RETRY_PATH)}, {"ARCHIVER_PROGRESS_INTERVAL": "0.5"})
    first, second = fresh_site.requested(RETRY_PATH)
    assert second - first >= 2.0  # the server asked for 2 seconds
    statuses = [r["status"] for r in crawl.db.query("select status from captures where url = ? order by id", [fresh_site.url(RETRY_PATH)])]
    assert statuses == [429, 200]  # the 429 is evidence too
    assert crawl.db["articles"].count == 1
    assert json.loads(crawl.crawl_row()["stats"])["archiver/retry_after"] == 1
    # the crawl lasted over two seconds: the progress line came, at the interval asked
    assert "Progress: " in crawl.log and " pages/min, " in crawl.log and " archived (" in crawl.log


def test_crawl_delay_spaces_requests_to_the_site(tmp_path: Path, fresh_site: DiscoverySite) -> None:
    keys = ["a01", "a02", "a03"]
    crawl = run_crawl(
        tmp_path, "article", {"url": ",".join(fresh_site.url(ARTICLE_PATHS[k]) for k in keys)},
        {"CONCURRENT_REQUESTS_PER_DOMAIN": "8", "AUTOTHROTTLE_ENABLED": "1", "AUTOTHROTTLE_START_DELAY": "0"},
    )
    assert archived_keys(crawl, fresh_site) == set(keys)
    times = sorted(t for k in keys for t in fresh_site.requested(ARTICLE_PATHS[k]))
    assert all(later - earlier >= 0.95 for earlier, later in zip(times, times[1:]))
    assert "asks for a Crawl-delay of 1" in crawl.log


def test_retry_after_values() -> None:
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds(None) is None and retry_after_seconds(b"soon") is None
    assert retry_after_seconds("²".encode("latin-1")) is None  # a digit to str.isdigit(), not to float()
    from datetime import datetime, timezone
    now = datetime(2026, 11, 21, 8, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(b"Sat, 21 Nov 2026 08:01:30 GMT", now) == 90
    assert retry_after_seconds(b"Sat, 21 Nov 2026 07:00:00 GMT", now) == 0
