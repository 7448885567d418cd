"""Hostile pages: bounded work per page, and no URL that ends without an article and without a row saying why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.formats.warc import read_response
from conftest import Crawl, finish_crawl, run_crawl, start_crawl
from hostilesite import HostileSite, TreeMemory, huge_page

pytestmark = pytest.mark.crawl

TREE_LIMIT = 1.5 * 2**30  # bytes: the whole process tree, crawl and extraction workers


@pytest.fixture(scope="module")
def hostile() -> HostileSite:
    site = HostileSite().start()
    yield site
    site.stop()


def error_of(crawl: Crawl, url: str) -> str:
    return " | ".join(row["error"] or "" for row in crawl.db.query("select error from captures where url = ?", [url]))


def test_a_50_mb_page_and_a_million_links_are_archived_whole_and_extracted_within_bounds(tmp_path: Path, hostile) -> None:
    process = start_crawl(tmp_path, "article", {"url": f"{hostile.url('/huge')},{hostile.url('/links')}"})
    memory = TreeMemory(process.pid)
    crawl = finish_crawl(tmp_path, process)
    peak = memory.stop()
    print(f"peak memory of the process tree: {peak / 2**20:.0f} MiB")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert crawl.crawl_row()["finish_reason"] == "finished"
    assert peak < TREE_LIMIT
    row = next(crawl.db.query("select * from captures where url = ?", [hostile.url("/huge")]))
    assert read_response(crawl.warc_dir / row["warc_filename"], row["warc_offset"], row["warc_length"]).body == huge_page()
    article = next(crawl.db.query("select extractor, word_count from articles where url = ?", [hostile.url("/huge")]))
    assert json.loads(article["extractor"])["input"] == f"the first 5,000,000 bytes of {len(huge_page()):,}"
    # the link page: an article, or (past the time limit on a slow machine) a row saying why not
    links = crawl.db.execute("select count(*) from articles where url = ?", [hostile.url("/links")]).fetchone()[0]
    assert links == 1 or "no article: extraction took longer than" in error_of(crawl, hostile.url("/links"))


def test_a_site_crawl_reads_a_page_of_a_million_links_for_its_first_links_within_bounds(tmp_path: Path, hostile) -> None:
    process = start_crawl(tmp_path, "site", {"url": hostile.url("/links"), "depth": "1"})
    memory = TreeMemory(process.pid)
    crawl = finish_crawl(tmp_path, process)
    peak = memory.stop()
    print(f"peak memory of the process tree: {peak / 2**20:.0f} MiB")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    # read from what extraction reads (5 MB: 145,056 links), on a thread, to its first 10,000:
    # the whole page's million links took 1.3 GiB and 33 s of the reactor thread
    assert peak < 800 * 2**20
    assert f"Read the first 10000 of the 145056 links on {hostile.url('/links')}" in crawl.stderr
    assert json.loads(crawl.crawl_row()["stats"])["archiver/site/links_cut"] == 1
    assert crawl.db.execute("select count(*) from captures where url like ?", [hostile.url("/l/%")]).fetchone()[0] == 499


def test_an_extraction_past_its_time_limit_gives_a_row_saying_so(tmp_path: Path, hostile) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": f"{hostile.url('/links')},{hostile.url('/a/1.html')}"},
                      {"ARCHIVER_EXTRACT_TIMEOUT": "2"})  # the links page takes 25 s, an article 0.1 s
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert "no article: extraction took longer than 2 s" in error_of(crawl, hostile.url("/links"))
    assert '"archiver/extraction/timeouts": 1' in crawl.crawl_row()["stats"]
    # the worker goes on: the next page is extracted
    assert [row["url"] for row in crawl.db.query("select url from articles")] == [hostile.url("/a/1.html")]


def test_redirect_loops_and_too_many_redirects_say_why(tmp_path: Path, hostile) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": f"{hostile.url('/loop-a')},{hostile.url('/hop/0')}"},
                      {"REDIRECT_MAX_TIMES": "3"})
    assert crawl.returncode == 1, crawl.stderr[-3000:]  # every page tried failed: nothing archived but the evidence
    assert "Failed: 2 URLs: max redirections reached (1), redirect loop (1)" in crawl.stderr
    loop = error_of(crawl, hostile.url("/loop-b"))
    assert f"no article: redirect loop ({hostile.url('/loop-a')} -> {hostile.url('/loop-b')} -> {hostile.url('/loop-a')})" in loop
    assert "no article: max redirections reached" in error_of(crawl, hostile.url("/hop/3"))
    assert crawl.crawl_row()["failed"] == 2


def test_a_retry_after_past_the_maximum_is_not_retried(tmp_path: Path, hostile) -> None:
    before = len(hostile.responses_for("/busy"))
    crawl = run_crawl(tmp_path, "article", {"url": hostile.url("/busy")})
    assert len(hostile.responses_for("/busy")) == before + 1
    assert error_of(crawl, hostile.url("/busy")) == "HTTP 503 Service Unavailable"
    assert "not retried" in crawl.stderr


def test_a_url_robots_txt_forbids_gets_a_row_and_no_request(tmp_path: Path, hostile) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": hostile.url("/private/report.html")})
    assert hostile.responses_for("/private/report.html") == []
    assert error_of(crawl, hostile.url("/private/report.html")) == "not fetched: Forbidden by robots.txt"
    assert crawl.crawl_row()["failed"] == 1


def test_only_the_first_500_kib_of_a_robots_txt_are_read(tmp_path: Path, hostile) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": hostile.url("/late/report.html")})
    assert len(hostile.responses_for("/late/report.html")) == 1  # its rule comes after 600 KiB: not read
    assert crawl.db["articles"].count == 1
    assert json.loads(crawl.crawl_row()["stats"])["archiver/robots/truncated"] == 1
