"""`scrapy crawl site`: same-site links, listings followed but not archived, utility and media URLs never fetched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Crawl, archived_keys, run_crawl
from discoverysite import (ARTICLE_PATHS, LINK_DEPTHS, NEVER_FETCH_PATHS, NOT_ARTICLE_PATHS, OG_TYPES,
                           SITE_ARTICLE_KEYS, DiscoverySite)


def crawl_site(tmp_path: Path, site: DiscoverySite, **args: str) -> tuple[Crawl, set[str]]:
    """Run the site spider from "/"; return the crawl and the paths it requested."""
    before = len(site.requests)
    crawl = run_crawl(tmp_path, "site", {"url": site.url("/"), **args})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    return crawl, {path for path, _ in site.requests[before:]}


@pytest.mark.crawl
def test_archives_exactly_the_sites_articles(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl, requested = crawl_site(tmp_path, discovery_site)
    assert archived_keys(crawl, discovery_site) == set(SITE_ARTICLE_KEYS)
    # whatever their og:type says ("website", "video.other"): what the page holds decides
    assert set(OG_TYPES) <= set(SITE_ARTICLE_KEYS)
    # listings are fetched for their links, and their captures say why they are not articles
    assert set(NOT_ARTICLE_PATHS) <= requested
    for path in NOT_ARTICLE_PATHS:
        row = next(crawl.db.query("select error from captures where url = ?", [discovery_site.url(path)]))
        assert row["error"] == "no article: listing page (site crawl)"
    # login, share, print, feed, PDF and image links are never requested
    assert requested & set(NEVER_FETCH_PATHS) == set()
    # the a39 <-> a40 loop ends: each fetched once
    assert len([p for p in requested if p == ARTICLE_PATHS["a39"]]) == 1
    row = crawl.crawl_row()
    assert row["new"] == len(SITE_ARTICLE_KEYS) and row["failed"] == 0


@pytest.mark.crawl
def test_depth_limits_how_far_links_are_followed(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl, _ = crawl_site(tmp_path, discovery_site, depth="2")
    near = {k for k in SITE_ARTICLE_KEYS if LINK_DEPTHS[ARTICLE_PATHS[k]] <= 2}
    assert near != set(SITE_ARTICLE_KEYS)
    assert archived_keys(crawl, discovery_site) == near


@pytest.mark.crawl
def test_max_pages_caps_the_requests(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl, requested = crawl_site(tmp_path, discovery_site, max_pages="5")
    assert len(requested - {"/robots.txt"}) == 5  # the start page included
    assert json.loads(crawl.crawl_row()["stats"])["archiver/site/max_pages_reached"] is True


@pytest.mark.crawl
def test_deny_and_allow_patterns(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    _, requested = crawl_site(tmp_path, discovery_site, deny="/(tag|author)/")
    assert not any(p.startswith(("/tag/", "/author/")) for p in requested)
    _, requested = crawl_site(tmp_path / "allow", discovery_site, allow="/section/", depth="1")
    assert requested - {"/", "/robots.txt"} and all(p.startswith("/section/") for p in requested - {"/", "/robots.txt"})


@pytest.mark.crawl
def test_a_second_run_fetches_listings_but_no_archived_article(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    crawl_site(tmp_path, discovery_site)
    again, requested = crawl_site(tmp_path, discovery_site)
    assert requested & {ARTICLE_PATHS[k] for k in SITE_ARTICLE_KEYS} == set()
    # the listings the home page links to are read again, for new links
    assert {"/", "/section/world/", "/section/business/", "/tag/kremlin/", "/category/europe/"} <= requested
    row = again.crawl_row()
    assert row["new"] == 0 and row["skipped_archived"] > 0


@pytest.mark.crawl
def test_site_arguments_are_checked(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    for args, message in [
        ({"depth": "deep"}, "Error: -a depth=deep is not a whole number; give for example depth=3."),
        ({"deny": "(unclosed"}, "Error: -a deny=(unclosed is not a valid regular expression (missing ), unterminated subpattern at position 0)."),
        ({"since": "48h"}, "Error: -a since does not apply to site crawls (links carry no dates); use the sitemap or feed spider to filter by date."),
    ]:
        crawl = run_crawl(tmp_path, "site", {"url": discovery_site.url("/"), **args})
        assert (crawl.returncode, crawl.stderr.strip().splitlines()[-1]) == (2, message)


def test_subdomains_are_followed_only_when_asked() -> None:
    from spiders.site import SiteSpider

    links = ["https://www.example.co.uk/a", "https://news.example.co.uk/b", "https://example.co.uk/c", "https://other.org/d"]
    host_only = SiteSpider(url="https://www.example.co.uk/")
    assert [host_only.on_site(u) for u in links] == [True, False, False, False]
    whole_domain = SiteSpider(url="https://www.example.co.uk/", subdomains="1")
    assert [whole_domain.on_site(u) for u in links] == [True, True, True, False]


def test_listings_and_articles_are_told_apart_by_what_they_hold() -> None:
    from discoverysite import ARTICLES, LISTINGS, article_page, home_page, listing_page

    from archiver.extract import parse_html
    from archiver.extract.listing import holds_article, is_listing

    base = "http://127.0.0.1"
    assert not holds_article(parse_html(home_page(base).decode())) and is_listing(parse_html(home_page(base).decode()), by_url=True)
    assert not any(holds_article(parse_html(listing_page(path, base).decode())) for path in LISTINGS)
    assert all(holds_article(parse_html(article_page(ARTICLES[k], base).decode())) for k in SITE_ARTICLE_KEYS)
    # one paragraph per teaser or a paragraph between headline links: a listing; structured data: an article
    teasers = "".join(f"<h2><a href='/{i}'>Headline number {i} of the day</a></h2><p>{'Excerpt words ' * 12}</p>" for i in range(6))
    assert not holds_article(parse_html(f"<html><body><div>{teasers}</div></body></html>"))
    brief = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Brief"}</script>'
    assert holds_article(parse_html(f"<html><head>{brief}</head><body><p>Short brief.</p></body></html>"))
    # running text after a comment (a CMS's markers) counts; text in a link, heading or nav does not
    words = " ".join(["word"] * 60)
    assert holds_article(parse_html(f"<html><body><p><!-- media: begin --><!-- end -->{words}</p></body></html>"))
    assert not holds_article(parse_html(f"<html><body><nav><p>{words}</p></nav><h2>{words}</h2></body></html>"))
    # a page of nested teasers 2,000 deep is read in one walk (it held the reactor thread for 9.5 s)
    nested = "<div>" + words[:100] + " <a href='/x'>one two three four five</a> <a href='/y'>six seven eight nine</a>"
    assert not holds_article(parse_html(f"<html><body>{nested * 2000}{'</div>' * 2000}</body></html>"))
