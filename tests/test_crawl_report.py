"""A crawl reports: a short block at the end, a live line on a terminal, a quiet mode for cron, an exit status."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, TEST_SETTINGS, run_crawl
from loopback import LoopbackSite, Reply
from newssite import MISSING_PATH, NewsSite

pytestmark = pytest.mark.crawl

REFUSED = "http://127.0.0.2/world/refused-story.html"  # 127.0.0.2 stays refused: only 127.0.0.1 is allowed
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[([^\]]+)\] ([A-Z]+): ", re.MULTILINE)


def report(stderr: str) -> str:
    """The report block: its first line and the indented lines after it."""
    match = re.search(r"\[archiver\.report\] INFO: (Crawl .*?)(?=\n\d{4}-|\Z)", stderr, re.DOTALL)
    assert match, stderr[-3000:]
    return match.group(1)


def mixed_urls(site: NewsSite) -> str:
    articles = list(site.article_urls().values())[:3]
    return ",".join([*articles, site.url(MISSING_PATH), REFUSED])


def test_the_report_counts_what_the_crawl_did(news_site: NewsSite, tmp_path: Path) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": mixed_urls(news_site)})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    block = report(crawl.stderr)
    lines = block.splitlines()
    assert 4 <= len(lines) <= 12, block
    # the three articles, the 404 and the robots.txt
    assert re.match(r"Crawl 1 \(article\) finished in [\d.]+ s: 5 pages fetched, [\d.]+ a second$", lines[0]), block
    assert "  Articles: 3 new, 0 changed, 0 unchanged; 0 pages gave no article" in lines
    assert "  Failed: 1 URL: HTTP 404 (1)" in lines
    # the page and the robots.txt of its host, both refused before connecting
    assert "  Refused: 2 URLs: 127.0.0.2 is a loopback address (2)" in lines
    assert f"  Archive: {crawl.db_path} (WARC files in {crawl.warc_dir}: 1 written, " in block
    # Scrapy's banner, component lists and stats dump are gone from INFO; the stats stay in crawls.stats
    for chatter in ("Dumping Scrapy stats", "Versions:", "Enabled extensions", "Overridden settings", "Scrapy 2."):
        assert chatter not in crawl.stderr, chatter
    assert json.loads(crawl.crawl_row()["stats"])["archiver/articles/new"] == 3
    # the refused address is one line that says how to allow it
    assert ("WARNING: Not archived: http://127.0.0.2/world/refused-story.html (refused: 127.0.0.2 is a loopback "
            "address; allow it with -s ARCHIVER_ALLOW_NETWORKS=127.0.0.0/8)\n") in crawl.stderr


def test_the_stats_dump_is_at_debug(news_site: NewsSite, tmp_path: Path) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": news_site.article_urls()["herald"]}, {"LOG_LEVEL": "DEBUG"})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert "[scrapy.statscollectors] DEBUG: Dumping Scrapy stats" in crawl.stderr
    assert "[scrapy.utils.log] DEBUG: Versions:" in crawl.stderr
    report(crawl.stderr)


def test_quiet_logs_warnings_and_the_report_only(news_site: NewsSite, tmp_path: Path) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": mixed_urls(news_site)}, {"ARCHIVER_QUIET": "1"})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    logged = LOG_LINE.findall(crawl.stderr)
    assert ("archiver.report", "INFO") in logged
    assert {level for name, level in logged if name != "archiver.report"} == {"WARNING"}, logged
    assert "Failed: 1 URL: HTTP 404 (1)" in report(crawl.stderr)
    # every line of the output is a log line or a line of the report
    assert len(crawl.stderr.splitlines()) == len(logged) + len(report(crawl.stderr).splitlines()) - 1


def test_a_crawl_where_every_page_failed_exits_1(news_site: NewsSite, tmp_path: Path) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": f"{news_site.url(MISSING_PATH)},{REFUSED}"})
    assert crawl.returncode == 1
    assert "  Nothing archived: every page failed (exit status 1)" in report(crawl.stderr).splitlines()
    # a crawl with nothing to do is no failure
    again = run_crawl(tmp_path, "article", {"url": news_site.article_urls()["herald"]})
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Nothing archived" not in report(again.stderr)


@pytest.mark.parametrize("options, says", [
    (("-a", "url=notaurl"), "'notaurl' is not an http(s) URL; give full URLs such as https://example.org/news/story.html."),
    (("-a", "url=https://example.org/", "-s", "ARCHIVER_QUIET=maybe"),
     "ARCHIVER_QUIET must be 1 or 0 (1: only warnings, errors and the crawl's report), not 'maybe'."),
    (("-a", "url=https://example.org/", "-s", "ARCHIVER_PROGRESS_INTERVAL=-1"),
     "ARCHIVER_PROGRESS_INTERVAL must be a number of seconds (0 turns the progress line off), not '-1'."),
])
def test_an_error_is_one_line_without_a_banner(tmp_path: Path, options: tuple[str, ...], says: str) -> None:
    done = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "article", *options,
                           "-s", f"ARCHIVER_DB={tmp_path / 'archive.db'}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"Error: {says}"]


class SlowSite(LoopbackSite):
    """Three article pages, each answered after 1.5 s: a crawl long enough for the live line to be drawn."""

    def route(self, path: str) -> Reply:
        if path == "/robots.txt":
            return Reply(404, "Not Found")
        time.sleep(1.5)
        body = (f"<html><head><title>Story {path}</title></head><body><article><h1>Story {path}</h1>"
                + "<p>The harbour authority said on Tuesday that the new ferry line would open in spring, "
                  "after two years of delays caused by the rebuilding of the northern pier.</p>" * 6
                + "</article></body></html>").encode()
        return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], body)


def test_a_terminal_gets_a_live_line(tmp_path: Path) -> None:
    site = SlowSite().start()
    try:
        urls = ",".join(site.url(f"/news/story-{n}.html") for n in range(3))
        command = [sys.executable, "-m", "scrapy", "crawl", "article", "-a", f"url={urls}",
                   "-s", f"ARCHIVER_DB={tmp_path / 'archive.db'}", "-s", f"ARCHIVER_WARC_DIR={tmp_path / 'warcs'}",
                   "-s", "CONCURRENT_REQUESTS=1"]
        for key, value in TEST_SETTINGS.items():
            command += ["-s", f"{key}={value}"]
        leader, follower = pty.openpty()
        process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=follower, env={**os.environ, "PYTHONPATH": str(ROOT)})
        os.close(follower)
        output = b""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the crawl closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        assert process.wait(timeout=60) == 0
        os.close(leader)
    finally:
        site.stop()
    text = output.decode()
    assert re.search(r"\rCrawling: \d+ pages fetched, \d+ queued, \d+ archived", text), text[-2000:]
    assert "\r\x1b[K" in text  # the line is cleared before a log line and at the end
    assert "Progress: " not in text  # the log line is for logs, not terminals
    assert "Articles: 3 new" in text
