"""What a sitemap lists and a crawl fails to fetch is tried again by the next runs; `-a since` moves no watermark past a gap."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlite_utils

from conftest import Crawl, run_archiver, run_crawl
from discoverysite import ARTICLES, KEYS, SITEMAP_NS, article_page
from loopback import LoopbackSite, Reply

pytestmark = pytest.mark.crawl

# a1 and a2 in sitemap a (lastmod 10 November), b1 in sitemap b (12 November); f1 and f2 in the feed
DATES = {"a1": "2026-11-09T08:00:00Z", "a2": "2026-11-10T08:00:00Z", "b1": "2026-11-12T08:00:00Z",
         "f1": "Mon, 09 Nov 2026 08:00:00 GMT", "f2": "Wed, 11 Nov 2026 08:00:00 GMT"}
PAGES = {name: ARTICLES[key] for name, key in zip(DATES, KEYS)}


class WatermarkSite(LoopbackSite):
    """An index of two sitemaps and a feed; any path in ``down`` answers 503 until taken out."""

    def __init__(self) -> None:
        self.down: set[str] = set()
        self.disallowed: set[str] = set()  # by robots.txt
        super().__init__()

    def route(self, path: str) -> Reply:
        if path == "/robots.txt":
            rules = "".join(f"Disallow: {p}\n" for p in sorted(self.disallowed))
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")], f"User-agent: *\n{rules}".encode())
        if path in self.down:
            return Reply(503, "Service Unavailable", [(b"Retry-After", b"0")], b"down for maintenance")
        pages = {page.path: page for page in PAGES.values()}
        if path in pages:
            return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], article_page(pages[path], self.base))
        if path == "/":  # a front page of links, for the site spider
            links = "".join(f'<li><a href="{PAGES[n].path}">{n}</a></li>' for n in ("a1", "a2"))
            page = f"<!DOCTYPE html><html><head><title>News</title></head><body><ul>{links}</ul></body></html>"
            return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], page.encode())
        xml = {"/index.xml": self.index, "/sitemaps/a.xml": lambda: self.sitemap("a1", "a2"),
               "/sitemaps/b.xml": lambda: self.sitemap("b1"), "/feed.xml": self.feed}
        if path in xml:
            return Reply(200, "OK", [(b"Content-Type", b"application/xml")], xml[path]().encode())
        return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"not found")

    def index(self) -> str:
        children = "".join(f"<sitemap><loc>{self.url(f'/sitemaps/{name}.xml')}</loc><lastmod>{date}</lastmod></sitemap>"
                           for name, date in (("a", DATES["a2"]), ("b", DATES["b1"])))
        return f'<?xml version="1.0"?><sitemapindex xmlns="{SITEMAP_NS}">{children}</sitemapindex>'

    def sitemap(self, *names: str) -> str:
        urls = "".join(f"<url><loc>{self.url(PAGES[n].path)}</loc><lastmod>{DATES[n]}</lastmod></url>" for n in names)
        return f'<?xml version="1.0"?><urlset xmlns="{SITEMAP_NS}">{urls}</urlset>'

    def feed(self) -> str:  # its links on 127.0.0.1, whether it is read there or at localhost
        items = "".join(f"<item><title>{n}</title><link>{self.url(PAGES[n].path)}</link><pubDate>{DATES[n]}</pubDate></item>"
                        for n in ("f1", "f2"))
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>'


@pytest.fixture
def site():
    server = WatermarkSite().start()
    yield server
    server.stop()


def crawl(tmp_path: Path, site: WatermarkSite, spider: str, path: str, status: int = 0, **args: str) -> Crawl:
    """A crawl that finishes with exit status ``status`` (1: every page it tried failed)."""
    done = run_crawl(tmp_path, spider, {"url": site.url(path), **args}, {"RETRY_TIMES": "0"})
    assert done.returncode == status and done.crawl_row()["finish_reason"] == "finished", done.log[-3000:]
    return done


def archived(crawl: Crawl, site: WatermarkSite) -> set[str]:
    urls = {row["url"] for row in crawl.db.query("select url from articles")}
    return {name for name, page in PAGES.items() if site.url(page.path) in urls}


def watermark(crawl: Crawl, site: WatermarkSite, path: str) -> str | None:
    rows = list(crawl.db.query("select watermark from sources where url = ?", [site.url(path)]))
    return rows[0]["watermark"] if rows else None


def retries(crawl: Crawl) -> list[tuple]:
    return [(r["url"], r["kind"], r["tries"]) for r in crawl.db.query("select url, kind, tries from retries order by url")]


def test_an_entry_that_failed_is_fetched_by_the_next_run(tmp_path: Path, site: WatermarkSite) -> None:
    site.down.add(PAGES["a2"].path)
    first = crawl(tmp_path, site, "sitemap", "/sitemaps/a.xml")
    assert archived(first, site) == {"a1"}
    assert retries(first) == [(site.url(PAGES["a2"].path), "article", 1)]
    # the watermark moves on: one page that never comes back must not make every run read all after it
    assert watermark(first, site, "/sitemaps/a.xml") == DATES["a2"]
    site.down.clear()
    second = crawl(tmp_path, site, "sitemap", "/sitemaps/a.xml")
    assert archived(second, site) == {"a1", "a2"}
    row = second.crawl_row()
    assert (row["new"], row["skipped_old"]) == (1, 2)  # a2 tried again, though the sitemap lists it as old
    assert retries(second) == []
    assert len(site.responses_for(PAGES["a1"].path)) == 1


@pytest.mark.parametrize("down", ["/sitemaps/b.xml", PAGES["b1"].path])
def test_a_sitemap_of_an_index_or_its_entry_that_failed_is_tried_again(tmp_path: Path, site: WatermarkSite, down: str) -> None:
    site.down.add(down)
    first = crawl(tmp_path, site, "sitemap", "/index.xml")
    assert archived(first, site) == {"a1", "a2"}
    assert watermark(first, site, "/index.xml") == DATES["b1"]
    site.down.clear()
    second = crawl(tmp_path, site, "sitemap", "/index.xml")
    assert archived(second, site) == {"a1", "a2", "b1"}
    assert retries(second) == []
    assert len(site.responses_for("/sitemaps/a.xml")) == 1  # unchanged since: not read again
    # b1 alone was down: the page is tried again, its sitemap not read again
    assert len(site.responses_for("/sitemaps/b.xml")) == (2 if down == "/sitemaps/b.xml" else 1)
    # a sitemap tried again is held like any other: a few at a time, while the backlog has room
    assert json.loads(second.crawl_row()["stats"]).get("archiver/sources/held", 0) == (down == "/sitemaps/b.xml")


def test_a_feed_entry_on_another_host_is_tried_again_with_its_hints(tmp_path: Path, site: WatermarkSite) -> None:
    site.down.add(PAGES["f2"].path)
    feed = site.url("/feed.xml").replace("127.0.0.1", "localhost")  # another site than its entries'
    run_crawl(tmp_path, "feed", {"url": feed})
    site.down.clear()
    second = run_crawl(tmp_path, "feed", {"url": feed})
    assert archived(second, site) == {"f1", "f2"}
    hints = next(second.db.query("select hints from articles where url = ?", [site.url(PAGES["f2"].path)]))["hints"]
    assert json.loads(hints)["title"] == "f2"  # what the feed said of it, though it is not read as new again


def test_a_site_crawls_failed_link_is_tried_again(tmp_path: Path, site: WatermarkSite) -> None:
    site.down.add(PAGES["a2"].path)
    assert retries(crawl(tmp_path, site, "site", "/", depth="1")) == [(site.url(PAGES["a2"].path), "article", 1)]
    site.down.clear()
    second = crawl(tmp_path, site, "site", "/", depth="1")
    assert archived(second, site) == {"a1", "a2"} and retries(second) == []


def test_a_merged_archive_keeps_what_is_to_be_tried_again(tmp_path: Path, site: WatermarkSite) -> None:
    site.down.add(PAGES["a2"].path)
    shard = crawl(tmp_path, site, "sitemap", "/sitemaps/a.xml")
    done = run_archiver("merge", str(tmp_path / "merged.db"), str(shard.db_path), "--warc-dir", str(tmp_path / "warcs"))
    assert done.returncode == 0, done.stderr
    merged = sqlite_utils.Database(tmp_path / "merged.db")
    assert [(r["url"], r["tries"]) for r in merged.query("select * from retries")] == [(site.url(PAGES["a2"].path), 1)]


def test_an_entry_that_keeps_failing_is_tried_by_three_runs_in_all(tmp_path: Path, site: WatermarkSite) -> None:
    site.down.add(PAGES["a2"].path)
    for run in range(4):  # runs 2 and 3 try a2 alone, and fail: exit status 1
        done = crawl(tmp_path, site, "sitemap", "/sitemaps/a.xml", status=1 if run in (1, 2) else 0)
    assert len(site.responses_for(PAGES["a2"].path)) == 3 and len(site.responses_for(PAGES["a1"].path)) == 1
    assert retries(done) == [(site.url(PAGES["a2"].path), "article", 3)]
    assert "HTTP 503" in next(done.db.query("select error from retries"))["error"]


def test_an_entry_robots_txt_now_forbids_is_let_go(tmp_path: Path, site: WatermarkSite) -> None:
    site.down.add(PAGES["a2"].path)
    assert retries(crawl(tmp_path, site, "sitemap", "/sitemaps/a.xml")) == [(site.url(PAGES["a2"].path), "article", 1)]
    site.disallowed.add(PAGES["a2"].path)
    assert retries(crawl(tmp_path, site, "sitemap", "/sitemaps/a.xml")) == []


def test_since_moves_no_watermark_past_what_it_skipped(tmp_path: Path, site: WatermarkSite) -> None:
    first = crawl(tmp_path, site, "feed", "/feed.xml", since="2026-11-10")
    assert archived(first, site) == {"f2"}
    assert watermark(first, site, "/feed.xml") is None
    second = crawl(tmp_path, site, "feed", "/feed.xml")
    assert archived(second, site) == {"f1", "f2"}
    assert watermark(second, site, "/feed.xml") == "2026-11-11T08:00:00Z"
    # a since that leaves no gap after the watermark moves it on
    assert watermark(crawl(tmp_path, site, "feed", "/feed.xml", since="2026-11-01"), site, "/feed.xml") == "2026-11-11T08:00:00Z"
