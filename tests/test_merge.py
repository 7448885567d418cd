"""`archiver merge` reads a shard a crawl is still writing as a consistent snapshot, and merges the rest later; what it counts."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from conftest import finish_crawl, run_archiver, run_crawl, start_crawl
from discoverysite import DiscoverySite
from manysite import ManySite


def merge(tmp: Path, shard: Path) -> str:
    done = run_archiver("merge", str(tmp / "merged.db"), str(shard), "--warc-dir", str(tmp / "warcs"), "--workers", "1")
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def test_a_shard_merged_while_its_crawl_writes_then_again_when_done(tmp_path: Path) -> None:
    site = ManySite(pages=40, paragraphs=4, pause=0.2).start()
    try:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(site.urls()) + "\n")
        process = start_crawl(tmp_path, "article", {"urls": str(urls)}, {"CONCURRENT_REQUESTS_PER_DOMAIN": "2"})
        site.wait_served(8)
        merge(tmp_path, tmp_path / "archive.db")
        merged = sqlite_utils.Database(tmp_path / "merged.db")
        during = merged["articles"].count
        # a snapshot: every article points at its capture, every capture at its crawl
        assert merged.execute("select count(*) from articles a join captures c on c.id = a.capture_id "
                              "join crawls k on k.id = c.crawl_id").fetchone()[0] == during
        crawl = finish_crawl(tmp_path, process)
    finally:
        site.stop()
    assert crawl.returncode == 0 and during < 40
    output = merge(tmp_path, tmp_path / "archive.db")
    assert merged["articles"].count == 40 and merged["crawls"].count == 1
    assert merged.execute("select finish_reason from crawls").fetchone()[0] == "finished"
    assert merged["captures"].count == crawl.db["captures"].count
    assert f"{40 - during} articles added" in output
    missing = run_archiver("merge", str(tmp_path / "merged.db"), str(tmp_path / "nothing.db"))
    assert missing.returncode == 1 and "No shard at" in missing.stderr


def test_sources_fetched_again_by_each_run_are_no_page_archived_twice(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    for _ in range(2):  # robots.txt and the sitemaps, twice with the same bytes; the articles once
        crawl = run_crawl(tmp_path, "sitemap", {"url": discovery_site.url("/")})
        assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert "; 0 pages archived twice with the same bytes" in merge(tmp_path, tmp_path / "archive.db")
