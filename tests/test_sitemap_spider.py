"""`scrapy crawl sitemap`: robots.txt -> sitemap index -> sitemaps and news sitemaps; dates; incremental runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import archived_keys, run_crawl
from hostilesite import PARAGRAPH, story
from loopback import LoopbackSite, Reply
from discoverysite import ARTICLE_PATHS, KEYS, PRIVATE_PATH, SITEMAP_KEYS, SITEMAP_NS, DiscoverySite

pytestmark = pytest.mark.crawl


def test_site_sitemaps_archive_every_listed_article_robots_allowing(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl = run_crawl(tmp_path, "sitemap", {"url": discovery_site.url("/")})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert archived_keys(crawl, discovery_site) == set(SITEMAP_KEYS)
    # robots.txt forbids it: never requested, and its row says so
    assert discovery_site.responses_for(PRIVATE_PATH) == []
    assert [r["error"] for r in crawl.db.query("select error from captures where url = ?", [discovery_site.url(PRIVATE_PATH)])] \
        == ["not fetched: Forbidden by robots.txt"]
    row = crawl.crawl_row()
    assert (row["spider"], row["finish_reason"]) == ("sitemap", "finished")
    assert row["found"] == len(SITEMAP_KEYS) + 1  # and the page robots.txt forbids
    # the forbidden page ends without an article: counted as skipped by robots.txt, and as failed
    assert row["new"] == len(SITEMAP_KEYS) and row["skipped_robots"] == 1 and row["failed"] == 1
    sources = {r["url"].removeprefix(discovery_site.base): r for r in crawl.db.query("select * from sources")}
    assert set(sources) == {"/sitemap_index.xml", "/sitemaps/articles.xml", "/sitemaps/news.xml"}
    assert sources["/sitemaps/articles.xml"]["watermark"] == "2026-11-10T08:00:00Z"


def test_news_sitemap_fields_become_hints(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl = run_crawl(tmp_path, "sitemap", {"url": discovery_site.url("/sitemaps/news.xml")})
    assert archived_keys(crawl, discovery_site) == {"a13", "a14", "a15", "a16"}
    row = next(crawl.db.query("select hints from articles where url = ?", [discovery_site.url(ARTICLE_PATHS["a13"])]))
    hints = json.loads(row["hints"])
    assert hints["title"] and hints["date"].startswith("20")


def test_a_second_run_archives_nothing_new(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    first = run_crawl(tmp_path, "sitemap", {"url": discovery_site.url("/")})
    before = {key: len(discovery_site.requested(ARTICLE_PATHS[key])) for key in SITEMAP_KEYS}
    second = run_crawl(tmp_path, "sitemap", {"url": discovery_site.url("/")})
    assert second.returncode == 0
    assert archived_keys(second, discovery_site) == archived_keys(first, discovery_site)
    assert {key: len(discovery_site.requested(ARTICLE_PATHS[key])) for key in SITEMAP_KEYS} == before
    row = second.crawl_row()
    assert row["new"] == 0 and row["fetched"] == 2  # robots.txt (read once for its rules and its Sitemap lines) and the index
    robots = [r["crawl_id"] for r in second.db.query("select crawl_id from captures where url = ?", [discovery_site.url("/robots.txt")])]
    assert len(robots) == len(set(robots)) == 2  # once a run
    # both sitemaps' lastmod in the index are no newer than last time: not even fetched
    assert json.loads(row["stats"])["archiver/skipped/sitemaps"] == 2


def test_recrawl_fetches_listed_articles_again(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    url = discovery_site.url("/sitemaps/news.xml")
    run_crawl(tmp_path, "sitemap", {"url": url})
    again = run_crawl(tmp_path, "sitemap", {"url": url, "recrawl": "1"})
    row = again.crawl_row()
    assert row["fetched"] >= 4 and row["new"] == 0 and row["skipped_archived"] == 0


@pytest.mark.parametrize(
    "since, expected",
    [
        ("2026-11-01", {f"a{n:02d}" for n in range(7, 17)}),
        ("48h", {"a13", "a14"}),
    ],
)
def test_since_filters_on_lastmod_and_publication_date(tmp_path: Path, discovery_site: DiscoverySite, since: str, expected: set) -> None:
    crawl = run_crawl(tmp_path, "sitemap", {"url": discovery_site.url("/"), "since": since})
    assert archived_keys(crawl, discovery_site) == expected
    assert crawl.crawl_row()["skipped_old"] > 0


@pytest.mark.parametrize("path, problem", [
    ("/broken/bad.xml", "malformed XML"),
    ("/broken/html.xml", "root element <html>"),
    ("/broken/empty.xml", "empty body"),
])
def test_a_broken_sitemap_is_one_log_line_and_the_crawl_finishes(tmp_path: Path, discovery_site: DiscoverySite, path: str, problem: str) -> None:
    crawl = run_crawl(tmp_path, "sitemap", {"url": discovery_site.url(path)})
    assert crawl.returncode == 0
    lines = [line for line in crawl.log.splitlines() if "not a sitemap" in line]
    assert len(lines) == 1 and discovery_site.url(path) in lines[0] and problem in lines[0]
    assert crawl.crawl_row()["finish_reason"] == "finished"
    assert json.loads(crawl.crawl_row()["stats"])["archiver/sources/invalid"] == 1
    assert crawl.db["articles"].count == 0


def test_bad_since_is_one_sentence(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl = run_crawl(tmp_path, "sitemap", {"url": discovery_site.url("/"), "since": "last tuesday"})
    assert crawl.returncode == 2
    assert crawl.stderr.strip().splitlines()[-1] == (
        "Error: -a since=last tuesday is neither a date nor an age; give a date such as 2026-11-01 "
        "or an age such as 48h, 30m, 7d or 2w."
    )


def test_without_a_sitemap_in_robots_the_usual_places_are_tried(tmp_path: Path, news_site) -> None:
    crawl = run_crawl(tmp_path, "sitemap", {"url": news_site.url("/")})
    # no sitemap anywhere: nothing archived, exit status 1
    assert crawl.returncode == 1 and crawl.crawl_row()["finish_reason"] == "finished"
    tried = {r["url"].removeprefix(news_site.base) for r in crawl.db.query("select url from captures where status = 404")}
    assert tried == {"/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml", "/sitemap-news.xml"}
    assert "names no sitemap; trying /sitemap.xml" in crawl.log


def test_entries_on_other_sites_are_skipped_and_said(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl = run_crawl(tmp_path, "sitemap", {"url": discovery_site.url("/sitemaps/mixed-index.xml")})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert archived_keys(crawl, discovery_site) == set(KEYS[:2])
    captured = [row["url"] for row in crawl.db.query("select url from captures")]
    assert not [url for url in captured if "127.0.0.2" in url]  # neither the sitemap nor the articles of the other site
    assert json.loads(crawl.crawl_row()["stats"])["archiver/skipped/offsite"] == 3
    assert f"Skipping 2 entries of {discovery_site.url('/sitemaps/mixed.xml')} on other sites than 127.0.0.1" in crawl.log
    assert f"Skipping 1 entry of {discovery_site.url('/sitemaps/mixed-index.xml')}" in crawl.log


def test_offsite_1_reads_them(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl = run_crawl(tmp_path, "sitemap", {"url": discovery_site.url("/sitemaps/mixed.xml"), "offsite": "1"})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    errors = {row["url"]: row["error"] for row in crawl.db.query("select url, error from captures")}
    other = [url for url in errors if "/news/elsewhere-" in url]
    assert len(other) == 2 and all("refused: 127.0.0.2" in errors[url] for url in other)  # asked for (and refused)


def test_a_sitemap_listed_a_thousand_times_is_read_once(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl = run_crawl(tmp_path, "sitemap", {"url": discovery_site.url("/sitemaps/repeated-index.xml")})
    assert crawl.returncode == 0, crawl.stderr[-2000:]  # and no error in a signal handler (run_crawl checks)
    # the copies wait while both sitemaps are read, then are let go (and dropped as duplicates) in one go
    assert archived_keys(crawl, discovery_site) == set(SITEMAP_KEYS)
    assert json.loads(crawl.crawl_row()["stats"])["dupefilter/filtered"] == 998


class CdnSite(LoopbackSite):
    """A site whose robots.txt names a sitemap index on a CDN's host (``localhost``, the same server)."""

    def route(self, path: str) -> Reply:
        port = self.base.rsplit(":", 1)[1]
        site, cdn, other = (f"http://{host}:{port}" for host in ("127.0.0.1", "localhost", "127.0.0.2"))
        xml = [(b"Content-Type", b"application/xml")]
        if path == "/robots.txt":
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")], f"User-agent: *\nSitemap: {cdn}/cdn/index.xml\n".encode())
        if path == "/cdn/index.xml":  # a sitemap on its own (the CDN's) site, one on a third
            maps = "".join(f"<sitemap><loc>{url}</loc></sitemap>" for url in (f"{cdn}/cdn/news.xml", f"{other}/cdn/x.xml"))
            return Reply(200, "OK", xml, f'<sitemapindex xmlns="{SITEMAP_NS}">{maps}</sitemapindex>'.encode())
        if path == "/cdn/news.xml":  # articles of the site, and a page of the CDN's own
            urls = "".join(f"<url><loc>{url}</loc></url>" for url in (f"{site}/a/1.html", f"{site}/a/2.html", f"{cdn}/a/3.html"))
            return Reply(200, "OK", xml, f'<urlset xmlns="{SITEMAP_NS}">{urls}</urlset>'.encode())
        if path.startswith("/a/"):
            return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], story(f"Article {path}", PARAGRAPH * 5))
        return Reply(404, "Not Found", [], b"")


def test_a_sitemap_index_robots_txt_names_elsewhere_lists_its_own_sitemaps(tmp_path: Path) -> None:
    site = CdnSite().start()
    try:
        crawl = run_crawl(tmp_path, "sitemap", {"url": site.url("/")})
    finally:
        site.stop()
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    cdn = site.base.replace("127.0.0.1", "localhost")
    assert {row["url"] for row in crawl.db.query("select url from articles")} == {site.url("/a/1.html"), site.url("/a/2.html")}
    assert {row["url"] for row in crawl.db.query("select url from sources")} == {cdn + "/cdn/index.xml", cdn + "/cdn/news.xml"}
    assert json.loads(crawl.crawl_row()["stats"])["archiver/skipped/offsite"] == 2  # the third site's sitemap, the CDN's page
