"""`scrapy crawl feed`: RSS, Atom and JSON Feed, feed discovery from a page, entry hints, since, broken feeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import archived_keys, run_crawl
from discoverysite import ARTICLE_PATHS, FEED_ENTRY_META, FEED_KEYS, KEYS, NEW, DiscoverySite

pytestmark = pytest.mark.crawl


@pytest.mark.parametrize("path", sorted(FEED_KEYS))
def test_each_feed_archives_its_entries_with_their_own_hints(tmp_path: Path, discovery_site: DiscoverySite, path: str) -> None:
    crawl = run_crawl(tmp_path, "feed", {"url": discovery_site.url(path)})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert archived_keys(crawl, discovery_site) == set(FEED_KEYS[path])
    for key in FEED_KEYS[path]:
        row = next(crawl.db.query("select hints from articles where url = ?", [discovery_site.url(ARTICLE_PATHS[key])]))
        hints, meta = json.loads(row["hints"]), FEED_ENTRY_META[key]
        # bound per entry: each article keeps its own entry's title, author and date
        assert hints["title"] == meta["title"] and hints["author"] == meta["author"]
        assert hints["date"][:19] == meta["date"][:19]
    assert crawl.crawl_row()["new"] == len(FEED_KEYS[path])


def test_a_page_is_read_for_the_feeds_it_announces(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl = run_crawl(tmp_path, "feed", {"url": discovery_site.url("/blog/")})
    assert "announces the feed " + discovery_site.url("/feeds/blog.rss") in crawl.log


def test_since_keeps_only_recent_entries(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl = run_crawl(tmp_path, "feed", {"url": discovery_site.url("/feeds/rss.xml"), "since": "2026-11-01"})
    expected = {k for k in FEED_KEYS["/feeds/rss.xml"] if FEED_ENTRY_META[k]["date"] >= NEW.isoformat()[:10]}
    assert expected and archived_keys(crawl, discovery_site) == expected
    assert crawl.crawl_row()["skipped_old"] == len(FEED_KEYS["/feeds/rss.xml"]) - len(expected)


def test_a_second_run_fetches_nothing_it_has(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    url = discovery_site.url("/feeds/atom.xml")
    run_crawl(tmp_path, "feed", {"url": url})
    again = run_crawl(tmp_path, "feed", {"url": url})
    row = again.crawl_row()
    assert (row["new"], row["fetched"]) == (0, 2)  # robots.txt and the feed
    assert row["found"] == row["skipped_old"] == len(FEED_KEYS["/feeds/atom.xml"])
    watermark = next(again.db.query("select watermark from sources where url = ?", [url]))["watermark"]
    assert watermark == "2026-11-10T08:00:00Z"


@pytest.mark.parametrize("path, problem", [
    ("/broken/bad-feed.xml", "not a feed (malformed XML"),
    ("/broken/html-feed.xml", "not RSS or Atom"),
    ("/broken/empty-feed.xml", "empty body"),
])
def test_a_broken_feed_is_one_log_line_and_the_crawl_finishes(tmp_path: Path, discovery_site: DiscoverySite, path: str, problem: str) -> None:
    crawl = run_crawl(tmp_path, "feed", {"url": discovery_site.url(path)})
    assert crawl.returncode == 0
    lines = [line for line in crawl.log.splitlines() if discovery_site.url(path) in line and "WARNING" in line]
    assert len(lines) == 1 and problem in lines[0], crawl.log[-3000:]
    assert crawl.crawl_row()["finish_reason"] == "finished"
    assert crawl.db["articles"].count == 0


def test_an_entry_of_thousands_of_attributes_is_read(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl = run_crawl(tmp_path, "feed", {"url": discovery_site.url("/broken/attributes-feed.xml")})
    assert "not a feed" not in crawl.log and "is malformed" not in crawl.log
    assert archived_keys(crawl, discovery_site) == {KEYS[0]}


def test_a_page_without_feeds_says_so(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl = run_crawl(tmp_path, "feed", {"url": discovery_site.url("/")})
    assert crawl.returncode == 0
    assert f"No feed at {discovery_site.url('/')}" in crawl.log


def test_a_feed_is_read_to_its_first_source_max_entries(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl = run_crawl(tmp_path, "feed", {"url": discovery_site.url("/feeds/rss.xml")}, {"ARCHIVER_SOURCE_MAX_ENTRIES": "3"})
    assert archived_keys(crawl, discovery_site) == set(FEED_KEYS["/feeds/rss.xml"][:3])  # in the feed's order
    assert crawl.crawl_row()["found"] == 3
    assert json.loads(crawl.crawl_row()["stats"])["archiver/sources/truncated"] == 1
    assert "lists more than 3 entries; read the first 3 (raise ARCHIVER_SOURCE_MAX_ENTRIES to read more)" in crawl.log
