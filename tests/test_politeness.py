"""Politeness: Retry-After on 429 is waited for, robots.txt Crawl-delay spaces requests, progress is logged;
and what a server asks is bounded: a Crawl-delay or a Retry-After of a day never holds a crawl."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest

from conftest import archived_keys, run_crawl
from discoverysite import ARTICLE_PATHS, HTML, RETRY_PATH, DiscoverySite, html_page
from loopback import Reply, spaced
from archiver.crawl.politeness import retry_after_seconds


@pytest.fixture
def fresh_site():
    site = DiscoverySite(crawl_delay=1).start()
    yield site
    site.stop()


@pytest.mark.crawl
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


@pytest.mark.crawl
def test_crawl_delay_spaces_requests_to_the_site(tmp_path: Path, fresh_site: DiscoverySite) -> None:
    keys = ["a01", "a02", "a03"]
    crawl = run_crawl(
        tmp_path, "article", {"url": ",".join(fresh_site.url(ARTICLE_PATHS[k]) for k in keys)},
        {"CONCURRENT_REQUESTS_PER_DOMAIN": "8", "AUTOTHROTTLE_ENABLED": "1", "AUTOTHROTTLE_START_DELAY": "0"},
    )
    assert archived_keys(crawl, fresh_site) == set(keys)
    times = sorted(t for k in keys for t in fresh_site.requested(ARTICLE_PATHS[k]))
    assert spaced(times, 1.0), times
    assert "asks for a Crawl-delay of 1" in crawl.log


def test_retry_after_values() -> None:
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds(None) is None and retry_after_seconds(b"soon") is None
    assert retry_after_seconds("²".encode("latin-1")) is None  # a digit to str.isdigit(), not to float()
    from datetime import datetime, timezone
    now = datetime(2026, 11, 21, 8, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(b"Sat, 21 Nov 2026 08:01:30 GMT", now) == 90
    assert retry_after_seconds(b"Sat, 21 Nov 2026 07:00:00 GMT", now) == 0


class AwaySite(DiscoverySite):
    """The discovery site (robots.txt: ``Crawl-delay: 86400``) with pages answering 503 and a Retry-After
    of a day, in seconds or as an HTTP date ten days ahead."""

    def __init__(self) -> None:
        super().__init__(crawl_delay=86400)

    def route(self, path: str) -> Reply:
        if path in AWAY:
            body = html_page("Down for maintenance", "Back tomorrow.", self.url(path), "<h1>Down for maintenance</h1>")
            return Reply(503, "Service Unavailable", [HTML, (b"Retry-After", AWAY[path]())], body)
        return super().route(path)


AWAY = {
    "/away/seconds": lambda: b"86400",
    "/away/date": lambda: format_datetime(datetime.now(timezone.utc) + timedelta(days=10), usegmt=True).encode(),
}


@pytest.fixture
def away_site():
    site = AwaySite().start()
    yield site
    site.stop()


@pytest.mark.crawl
def test_a_crawl_delay_of_a_day_is_capped_and_the_crawl_ends(tmp_path: Path, away_site: AwaySite) -> None:
    keys = ["a01", "a02", "a03"]
    crawl = run_crawl(tmp_path, "article", {"url": ",".join(away_site.url(ARTICLE_PATHS[k]) for k in keys)},
                      {"ARCHIVER_CRAWL_DELAY_MAX": "1"})
    assert crawl.returncode == 0 and archived_keys(crawl, away_site) == set(keys)
    times = sorted(t for k in keys for t in away_site.requested(ARTICLE_PATHS[k]))
    assert spaced(times, 1.0), times  # the capped delay still holds
    [line] = [line for line in crawl.log.splitlines() if "ARCHIVER_CRAWL_DELAY_MAX" in line]
    assert "asks for a Crawl-delay of 86400" in line and "waiting 1.0 s between its requests instead" in line
    stats = json.loads(crawl.crawl_row()["stats"])
    assert stats["archiver/crawl_delay/capped"] == 1 and stats["archiver/crawl_delay/127.0.0.1"] == 1.0


@pytest.mark.crawl
@pytest.mark.parametrize("path", sorted(AWAY))
def test_a_retry_after_of_days_skips_the_site_and_the_crawl_ends(tmp_path: Path, away_site: AwaySite, path: str) -> None:
    urls = [away_site.url(path)] + [away_site.url(ARTICLE_PATHS[k]) for k in ("a01", "a02", "a03")]
    crawl = run_crawl(tmp_path, "article", {"url": ",".join(urls)}, {"ARCHIVER_CRAWL_DELAY_MAX": "0.2"})
    assert crawl.returncode == 0
    assert len(away_site.requested(path)) == 1  # not retried
    lines = [line for line in crawl.log.splitlines() if "answered 503 with Retry-After" in line]
    assert len(lines) == 1 and "more than ARCHIVER_RETRY_AFTER_MAX (600 s)" in lines[0]
    assert "no other request goes to 127.0.0.1 in this crawl" in lines[0]
    assert json.loads(crawl.crawl_row()["stats"])["archiver/retry_after/skipped"] == 1
    rows = {row["url"]: row for row in crawl.db.query("select url, status, error from captures where url != ?",
                                                       [away_site.url("/robots.txt")])}
    assert rows[away_site.url(path)]["status"] == 503
    archived = {row["url"] for row in crawl.db.query("select url from articles")}
    for url in urls[1:]:  # fetched before the 503, or not sent at all and saying why
        assert url in archived or "not fetched in this crawl" in (rows[url]["error"] or ""), rows.get(url)
