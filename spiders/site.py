"""``scrapy crawl site``: crawl a site's links and archive its articles."""

from __future__ import annotations

from typing import Any, AsyncIterator
from urllib.parse import parse_qsl, urlsplit

import scrapy
from courlan.filters import is_navigation_page, is_not_crawlable, type_filter
from courlan.urlutils import extract_domain
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor
from w3lib.url import canonicalize_url

from archiver.errors import SpiderArgumentError
from archiver.crawl.arguments import pattern, switch, whole_number
from archiver.crawl.basespiders import Candidate, DiscoverySpider
from archiver.extract.listing import is_listing

# Path segments and query keys of pages that are plainly not articles and not
# worth a request (courlan catches media files, feeds by extension, listings
# and most account pages; these are the common WordPress and CMS remainders).
NOT_PAGES = frozenset({
    "login", "logout", "signin", "sign-in", "signup", "sign-up", "register", "wp-login", "wp-admin",
    "share", "sharer", "print", "feed", "rss", "atom", "comments", "replytocom", "cart", "checkout",
})


def _words(url: str) -> set[str]:
    parts = urlsplit(url)
    segments = {segment.rsplit(".", 1)[0].lower() for segment in parts.path.split("/") if segment}
    return segments | {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}


def classify(url: str) -> str:
    """``"skip"`` (never fetched), ``"listing"`` (fetched for its links) or ``"article"``."""
    if not type_filter(url, strict=True, with_nav=True) or is_not_crawlable(url) or _words(url) & NOT_PAGES:
        return "skip"
    if is_navigation_page(url):
        return "listing"
    return "article"


class SiteSpider(DiscoverySpider):
    """Follow a site's links from a start page and archive the articles found.

    -a url=START          the page to start from
    -a depth=N            links followed at most N steps from the start (default 3)
    -a max_pages=N        request at most N pages (default 500)
    -a subdomains=1       also follow links to other subdomains of the site's domain
    -a allow=REGEX        only follow URLs matching this regular expression
    -a deny=REGEX         never follow URLs matching this regular expression
    -a recrawl=1          fetch articles again even when their re-check is not due
    """

    name = "site"
    kind = "site"
    url_help = "the page to start crawling from, such as https://example.org/"

    def __init__(
        self,
        url: str | None = None,
        depth: str | None = None,
        max_pages: str | None = None,
        subdomains: str | None = None,
        allow: str | None = None,
        deny: str | None = None,
        **kwargs: Any,
    ):
        if kwargs.get("since") is not None:
            raise SpiderArgumentError(
                "-a since does not apply to site crawls (links carry no dates); "
                "use the sitemap or feed spider to filter by date."
            )
        super().__init__(
            url=url, depth=depth, max_pages=max_pages, subdomains=subdomains, allow=allow, deny=deny, **kwargs
        )
        self.max_depth = whole_number("depth", depth, 3)
        self.max_pages = whole_number("max_pages", max_pages, 500)
        self.subdomains = switch("subdomains", subdomains)
        self.links = LinkExtractor(allow=pattern("allow", allow), deny=pattern("deny", deny), unique=True)
        start = urlsplit(self.start_url)
        self.host = start.hostname or ""
        self.domain = extract_domain(self.start_url) or self.host
        self.seen: set[str] = set()

    def on_site(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        if host == self.host:
            return True
        return self.subdomains and (host == self.domain or host.endswith("." + self.domain))

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.seen.add(canonicalize_url(self.start_url))
        yield scrapy.Request(self.start_url, callback=self.parse_page, errback=self.fetch_failed, cb_kwargs={"listing": True})
        async for request in self.due_rechecks():
            yield request

    def article_request(self, url: str, hints: dict[str, Any] | None = None) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_page, errback=self.fetch_failed)

    async def parse_page(self, response: Response, listing: bool = False) -> AsyncIterator[Any]:
        page = self.page(response)
        # what the page holds decides, never its og:type (archiver/extract/listing.py)
        if page.body is not None and is_listing(response.selector.root, by_url=listing):
            page.not_article = "listing page (site crawl)"
        yield page
        if page.body is None or response.meta.get("depth", 0) >= self.max_depth:
            return
        articles = []
        for link in self.links.extract_links(response):
            kind = classify(link.url)
            key = canonicalize_url(link.url)
            if kind == "skip" or key in self.seen or not self.on_site(link.url):
                continue
            if len(self.seen) >= self.max_pages:
                self.crawler.stats.set_value("archiver/site/max_pages_reached", True)
                break
            self.seen.add(key)
            if kind == "listing":
                yield scrapy.Request(link.url, callback=self.parse_page, errback=self.fetch_failed, cb_kwargs={"listing": True})
            else:
                articles.append(Candidate(link.url))
        async for request in self.article_requests(self.start_url, articles):
            yield request
