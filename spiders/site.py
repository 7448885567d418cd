"""``scrapy crawl site``: crawl a site's links and archive its articles."""

from __future__ import annotations

from typing import Any, AsyncIterator
from urllib.parse import parse_qsl, urlsplit

import scrapy
from courlan.filters import is_navigation_page, is_not_crawlable, type_filter
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from w3lib.url import canonicalize_url, safe_url_string

from archiver.errors import SpiderArgumentError
from archiver.crawl.arguments import pattern, switch, whole_number
from archiver.crawl.basespiders import Candidate, DiscoverySpider
from archiver.values.sites import site_of
from archiver.extract.listing import is_listing

# Path segments and query keys of pages that are plainly not articles and not
# worth a request (courlan catches media files, feeds by extension, listings
# and most account pages; these are the common WordPress and CMS remainders).
NOT_PAGES = frozenset({
    "login", "logout", "signin", "sign-in", "signup", "sign-up", "register", "wp-login", "wp-admin",
    "share", "sharer", "print", "feed", "rss", "atom", "comments", "replytocom", "cart", "checkout",
})


# The links a page is read for (the elements Scrapy's link extractor reads by default), and how many at most.
ANCHORS = "//a[@href] | //area[@href]"
LINKS_PER_PAGE = 10_000


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
        # a page's first links only: Scrapy's extractor takes 28 µs a link, 28 s for a page of a million
        self.links_per_page = max(LINKS_PER_PAGE, self.max_pages)
        self.links = LinkExtractor(allow=pattern("allow", allow), deny=pattern("deny", deny), unique=True,
                                   restrict_xpaths=f"({ANCHORS})[position() <= {self.links_per_page}]")
        # in ASCII, as links give it (bücher.de: xn--bcher-kva.de)
        self.host = urlsplit(safe_url_string(self.start_url)).hostname or ""
        self.seen: set[str] = set()

    def on_site(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        if host == self.host:
            return True
        return self.subdomains and site_of(url) == self.site  # another host of the site (archiver/values/sites.py)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.seen.add(canonicalize_url(self.start_url))
        yield scrapy.Request(self.start_url, callback=self.parse_page, errback=self.fetch_failed, cb_kwargs={"listing": True})
        async for request in self.due_rechecks():
            yield request

    def article_request(self, url: str, hints: dict[str, Any] | None = None) -> scrapy.Request | None:
        return self.request_for(url, callback=self.parse_page, errback=self.fetch_failed)

    def retry_request(self, url: str, kind: str, hints: dict[str, Any]) -> scrapy.Request | None:
        """A page an earlier run failed to fetch: archived, its links not followed (how deep it was is not kept)."""
        request = super().retry_request(url, kind, hints)
        if request is not None:
            request.meta["depth"] = self.max_depth
        return request

    async def parse_page(self, response: Response, listing: bool = False) -> AsyncIterator[Any]:
        self.settled(response.request)
        page = self.page(response)
        if page.body is None:
            yield page
            return
        follow = response.meta.get("depth", 0) < self.max_depth
        # links are read from the page's first ARCHIVER_EXTRACT_MAX_BYTES (its item carries more, for extraction)
        head = page.body[:self.archive.config.extract_max_bytes]
        listed, links, cut = await self.read(self.read_page, response, head, listing, follow)
        # what the page holds decides, never its og:type (archiver/extract/listing.py)
        if listed:
            page.not_article = "listing page (site crawl)"
        yield page
        if cut:
            self.crawler.stats.inc_value("archiver/site/links_cut")
            self.logger.info("Read the first %d of the %d links on %s (max_pages, if larger, reads more)",
                             self.links_per_page, cut, response.url)
        articles = []
        for url, kind, key in links:
            if key in self.seen:
                continue
            if len(self.seen) >= self.max_pages:
                self.crawler.stats.set_value("archiver/site/max_pages_reached", True)
                break
            self.seen.add(key)
            if kind == "listing":
                listing = self.request_for(url, callback=self.parse_page, errback=self.fetch_failed, cb_kwargs={"listing": True})
                if listing is not None:
                    yield listing
            else:
                articles.append(Candidate(url))
        async for request in self.article_requests(self.start_url, articles):
            yield request

    def read_page(self, response: TextResponse, head: bytes, listing: bool,
                  follow: bool) -> tuple[bool, list[tuple[str, str, str]], int]:
        """Whether the page is a listing; its links to follow (URL, kind, canonical URL), on the site and not
        skipped; and how many links it has when that is more than :attr:`links_per_page` (else 0).

        Runs on the ``archiver-read`` thread, on what extraction reads of the page (``head``,
        ``ARCHIVER_EXTRACT_MAX_BYTES``) in the page's encoding (which, undeclared, takes decoding it all).
        """
        page = response.replace(body=head)
        listed = is_listing(page.selector.root, by_url=listing)
        if not follow:
            return listed, [], 0
        links = []
        for link in self.links.extract_links(page):
            kind = classify(link.url)
            if kind != "skip" and self.on_site(link.url):
                links.append((link.url, kind, canonicalize_url(link.url)))
        total = int(page.selector.root.xpath(f"count({ANCHORS})"))
        return listed, links, total if total > self.links_per_page else 0
