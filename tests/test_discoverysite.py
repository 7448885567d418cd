"""The discovery test site itself: well-formed sitemaps and feeds, pages, links, 429."""

from __future__ import annotations

import html
import json
import urllib.error
import urllib.request

import pytest
from lxml import etree

import discoverysite as ds
from discoverysite import DiscoverySite

SM = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "news": "http://www.google.com/schemas/sitemap-news/0.9",
      "atom": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/elements/1.1/"}


@pytest.fixture(scope="module")
def site():
    site = DiscoverySite(crawl_delay=2).start()
    yield site
    site.stop()


def get(site: DiscoverySite, path: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(site.url(path), timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def xml(site: DiscoverySite, path: str) -> etree._Element:
    status, _, body = get(site, path)
    assert status == 200
    return etree.fromstring(body)


def test_robots_txt_disallows_private_and_lists_the_sitemap(site: DiscoverySite) -> None:
    assert get(site, "/robots.txt")[2].decode() == (
        f"User-agent: *\nDisallow: /private/\nCrawl-delay: 2\nSitemap: {site.base}/sitemap_index.xml\n")


def test_sitemaps_are_well_formed_and_list_their_articles(site: DiscoverySite) -> None:
    index = xml(site, "/sitemap_index.xml")
    assert index.xpath("//sm:loc/text()", namespaces=SM) == [site.url("/sitemaps/articles.xml"), site.url("/sitemaps/news.xml")]
    urlset = xml(site, "/sitemaps/articles.xml")
    locs = urlset.xpath("//sm:url/sm:loc/text()", namespaces=SM)
    assert locs == [site.url(ds.ARTICLE_PATHS[k]) for k in ds.SITEMAP_KEYS[:12]] + [site.url(ds.PRIVATE_PATH)]
    assert len(urlset.xpath("//sm:lastmod", namespaces=SM)) == 13
    news = xml(site, "/sitemaps/news.xml")
    assert news.xpath("//sm:loc/text()", namespaces=SM) == [site.url(ds.ARTICLE_PATHS[k]) for k in ds.SITEMAP_KEYS[12:]]
    assert news.xpath("//news:publication_date/text()", namespaces=SM) == [ds.ARTICLE_DATES[k].isoformat() for k in ds.SITEMAP_KEYS[12:]]
    assert not news.xpath("//sm:lastmod", namespaces=SM)


def test_feeds_are_well_formed_with_their_own_titles(site: DiscoverySite) -> None:
    meta = ds.FEED_ENTRY_META
    rss = xml(site, "/feeds/rss.xml")
    assert rss.xpath("//item/title/text()") == [meta[k]["title"] for k in ds.FEED_KEYS["/feeds/rss.xml"]]
    assert rss.xpath("//item/dc:creator/text()", namespaces=SM) == [meta[k]["author"] for k in ds.FEED_KEYS["/feeds/rss.xml"]]
    atom = xml(site, "/feeds/atom.xml")
    assert atom.xpath("//atom:entry/atom:link/@href", namespaces=SM) == [site.url(ds.ARTICLE_PATHS[k]) for k in ds.FEED_KEYS["/feeds/atom.xml"]]
    status, content_type, body = get(site, "/feeds/feed.json")
    assert content_type == "application/feed+json"
    items = json.loads(body)["items"]
    assert [(i["title"], i["date_published"]) for i in items] == [(meta[k]["title"], meta[k]["date"]) for k in ds.FEED_KEYS["/feeds/feed.json"]]
    blog = etree.HTML(get(site, "/blog/")[2])
    assert blog.xpath("//head/link[@rel='alternate']/@href") == ["/feeds/blog.rss"]
    assert not [href for href in blog.xpath("//a/@href") if href.startswith("/news/")]
    assert xml(site, "/feeds/blog.rss").xpath("//item/link/text()") == [site.url(ds.ARTICLE_PATHS[k]) for k in ["a27", "a28"]]
    for key in meta:
        assert meta[key]["title"] != ds.TITLES[key]


def test_broken_inputs_are_broken(site: DiscoverySite) -> None:
    for path, content_type in [("bad.xml", "application/xml"), ("html.xml", "application/xml"), ("bad-feed.xml", "application/rss+xml"),
                               ("html-feed.xml", "application/rss+xml")]:
        status, served_as, body = get(site, "/broken/" + path)
        assert (status, served_as) == (200, content_type)
        with pytest.raises(etree.XMLSyntaxError):
            etree.fromstring(body)
    assert get(site, "/broken/empty.xml")[1:] == ("application/xml", b"")
    assert get(site, "/broken/empty-feed.xml")[1:] == ("application/rss+xml", b"")


def test_article_pages_carry_their_paragraphs_and_metadata(site: DiscoverySite) -> None:
    firsts = set()
    for key, article in ds.ARTICLES.items():
        if key == "retry":
            continue
        status, content_type, body = get(site, article.path)
        text = html.unescape(body.decode())
        assert (status, content_type) == (200, "text/html; charset=utf-8")
        assert 5 <= len(article.body) <= 8 and all(f"<p>{p}</p>" in text for p in article.body)
        assert f"<title>{article.title} | {ds.SITE}</title>" in text
        assert f'"article:published_time" content="{article.date.isoformat()}"' in text
        firsts.add(article.body[0])
    assert len(firsts) == len(ds.ARTICLES) - 1
    assert len(set(ds.TITLES.values())) == len(ds.TITLES)


def test_site_crawl_links(site: DiscoverySite) -> None:
    depth = ds.LINK_DEPTHS
    assert all(depth[ds.ARTICLE_PATHS[k]] <= 2 for k in ds.SITE_ARTICLE_KEYS[:11])
    assert depth[ds.ARTICLE_PATHS["a40"]] == 3
    assert set(ds.NEVER_FETCH_PATHS) <= set(depth)
    assert not any(ds.ARTICLE_PATHS[k] in depth for k in ds.KEYS[:28])
    home = etree.HTML(get(site, "/")[2])
    assert ds.EXTERNAL_URL in home.xpath("//a/@href")
    for path in ds.NOT_ARTICLE_PATHS + ds.NEVER_FETCH_PATHS:
        assert get(site, path)[0] == 200, path
    assert get(site, "/no/such/page")[0] == 404
    assert {"/", "/no/such/page", "/share?url=/news/x"} <= site.requested_paths()


def test_retry_after_once_then_the_article() -> None:
    site = DiscoverySite().start()
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(site.url(ds.RETRY_PATH), timeout=10)
        assert (refused.value.code, refused.value.headers["Retry-After"]) == (429, "2")
        status, _, body = get(site, ds.RETRY_PATH)
        assert status == 200 and ds.ARTICLES["retry"].title.encode() in body
        first, second = site.requested(ds.RETRY_PATH)
        assert first < second
        assert [s.status_line for s in site.responses_for(ds.RETRY_PATH)] == [b"HTTP/1.1 429 Too Many Requests", b"HTTP/1.1 200 OK"]
    finally:
        site.stop()
