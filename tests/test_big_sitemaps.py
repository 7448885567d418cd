"""A sitemap of 200,000 URLs streams: article requests start at once, memory stays bounded, CLOSESPIDER_* end it on time.

Printed (with -s): how soon the first article request follows the sitemap, for the README's figures.
"""

from __future__ import annotations

from pathlib import Path

from conftest import finish_crawl, start_crawl
from hostilesite import HostileSite, TreeMemory


def test_a_200_000_url_sitemap_streams_and_the_crawl_ends_when_told(tmp_path: Path) -> None:
    site = HostileSite().start()
    try:
        process = start_crawl(tmp_path, "sitemap", {"url": site.url("/sitemap.xml")},
                              {"CLOSESPIDER_TIMEOUT": "20", "CONCURRENT_REQUESTS_PER_DOMAIN": "16"})
        memory = TreeMemory(process.pid)
        crawl = finish_crawl(tmp_path, process)
        peak = memory.stop()
        requests = list(site.requests)
    finally:
        site.stop()
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert crawl.crawl_row()["finish_reason"] == "closespider_timeout"
    sitemap_at = next(at for path, at in requests if path == "/sitemap.xml")
    article_times = [at for path, at in requests if path.startswith("/a/")]
    print(f"first article request {article_times[0] - sitemap_at:.2f} s after the sitemap; "
          f"{len(article_times)} article requests; peak memory {peak / 2**20:.0f} MiB")
    assert crawl.db["articles"].count > 0
    assert peak < 1.5 * 2**30
    assert crawl.crawl_row()["found"] == 200_000
    assert len(article_times) < 200_000  # requested as the scheduler drained, until the timeout
