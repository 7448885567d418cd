"""Big sitemaps stay bounded: a 200,000-URL sitemap streams, a source is read to ARCHIVER_SOURCE_MAX_ENTRIES,
and the sitemaps of an index are fetched as their entries drain, not all at once.

Printed (with -s): how soon the first article request follows the sitemap, and peak memory, for docs/performance.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Crawl, finish_crawl, start_crawl
from hostilesite import INDEX_SITEMAPS, HostileSite, TreeMemory

pytestmark = pytest.mark.crawl


def crawl_sitemap(tmp_path: Path, path: str, settings: dict[str, str]) -> tuple[Crawl, list[tuple[str, float]], int]:
    """Crawl a sitemap of the hostile site: the crawl, the paths requested (with when), peak memory of the tree."""
    site = HostileSite().start()
    try:
        process = start_crawl(tmp_path, "sitemap", {"url": site.url(path)},
                              {"CONCURRENT_REQUESTS_PER_DOMAIN": "16", **settings})
        memory = TreeMemory(process.pid)
        crawl = finish_crawl(tmp_path, process)
        peak = memory.stop()
        requests = list(site.requests)
    finally:
        site.stop()
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    return crawl, requests, peak


def stats(crawl: Crawl) -> dict:
    return json.loads(crawl.crawl_row()["stats"])


def test_a_200_000_url_sitemap_streams_and_the_crawl_ends_when_told(tmp_path: Path) -> None:
    crawl, requests, peak = crawl_sitemap(tmp_path, "/sitemap.xml",
                                          {"CLOSESPIDER_TIMEOUT": "20", "ARCHIVER_SOURCE_MAX_ENTRIES": "200000"})
    assert crawl.crawl_row()["finish_reason"] == "closespider_timeout"
    sitemap_at = next(at for path, at in requests if path == "/sitemap.xml")
    article_times = [at for path, at in requests if path.startswith("/a/")]
    print(f"first article request {article_times[0] - sitemap_at:.2f} s after the sitemap; "
          f"{len(article_times)} article requests; peak memory {peak / 2**20:.0f} MiB")
    assert crawl.db["articles"].count > 0
    assert peak < 1.5 * 2**30
    assert crawl.crawl_row()["found"] == 200_000
    assert len(article_times) < 200_000  # requested as the scheduler drained, until the timeout
    assert "archiver/sources/truncated" not in stats(crawl)


def test_a_sitemap_is_read_to_its_first_50_000_entries_and_says_so(tmp_path: Path) -> None:
    crawl, _, _ = crawl_sitemap(tmp_path, "/sitemap.xml", {"CLOSESPIDER_PAGECOUNT": "20"})
    assert crawl.crawl_row()["found"] == 50_000  # the sitemap protocol's most, as Google reads them
    assert stats(crawl)["archiver/sources/truncated"] == 1
    assert ("/sitemap.xml lists more than 50000 entries; read the first 50000 "
            "(raise ARCHIVER_SOURCE_MAX_ENTRIES to read more)") in crawl.stderr
    assert crawl.db["articles"].count > 0


@pytest.mark.parametrize("index", ["/index.xml", "/index-redirected.xml"])
def test_the_sitemaps_of_an_index_are_fetched_as_the_backlog_drains(tmp_path: Path, index: str) -> None:
    crawl, requests, peak = crawl_sitemap(tmp_path, index, {"CLOSESPIDER_TIMEOUT": "15"})
    sitemaps = [path for path, _ in requests if path.startswith("/s/")]
    articles = [path for path, _ in requests if path.startswith("/a/")]
    print(f"{len(sitemaps)} of {INDEX_SITEMAPS} sitemaps and {len(articles)} articles fetched in 15 s; "
          f"peak memory {peak / 2**20:.0f} MiB")
    # two at a time (a redirect still counting as its sitemap), and no more while 100,000 URLs wait:
    # 40 at once would hold 2,000,000
    assert len(sitemaps) == 2
    assert crawl.crawl_row()["found"] == 100_000
    assert stats(crawl)["archiver/sources/held"] == INDEX_SITEMAPS
    assert crawl.db["articles"].count > 0
    assert peak < 2**30


def test_an_endless_chain_of_sitemap_indexes_is_read_three_deep(tmp_path: Path) -> None:
    crawl, requests, _ = crawl_sitemap(tmp_path, "/chain/0.xml", {"CLOSESPIDER_TIMEOUT": "60"})
    assert crawl.crawl_row()["finish_reason"] == "finished"
    assert sorted(path for path, _ in requests if path.startswith("/chain/") and "-" not in path) == \
        ["/chain/0.xml", "/chain/1.xml", "/chain/2.xml", "/chain/3.xml"]
    assert {row["url"].rsplit("/", 1)[1] for row in crawl.db.query("select url from articles")} == \
        {"chain-0.html", "chain-1.html", "chain-2.html"}
    assert stats(crawl)["archiver/sources/too_deep"] == 1
    assert "/chain/3.xml: 3 sitemap indexes lead to it" in crawl.stderr
