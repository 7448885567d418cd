"""``scrapy crawl sitemap``: archive the articles a site lists in its sitemaps and news sitemaps."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from itertools import islice
from typing import Any, AsyncIterator
from urllib.parse import urljoin, urlsplit

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.spiders import SitemapSpider
from scrapy.utils.sitemap import sitemap_urls_from_robots

from archiver.values.dates import parse_date
from archiver.values.media import header_text
from archiver.crawl.arguments import switch
from archiver.crawl.basespiders import META_RETRY, Candidate, DiscoverySpider
from archiver.values.sites import site_of
from archiver.crawl.compat import RobotsWithHooks, SitemapWithExtras, sitemap_body
from archiver.errors import CodingError

# Where sitemaps usually are when robots.txt names none.
USUAL_SITEMAPS = ("/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml", "/sitemap-news.xml")
# Sitemap indexes read in a chain at most: the protocol allows one, sites nest a few; a server that makes
# up a new index for every index (/index/1 -> /index/2 -> ...) would otherwise keep a crawl going forever.
MAX_INDEXES = 3
META_INDEXES = "archiver_sitemap_indexes"  # how many sitemap indexes led to a sitemap


class NewsSitemap(SitemapWithExtras):
    """Scrapy's sitemap reader, also keeping Google News fields (``news:publication_date``, ``news:title``)."""

    def extras(self, elem: Any) -> dict[str, Any]:
        news = {
            self.tag_name(field): (field.text or "").strip()
            for child in elem
            if self.tag_name(child) == "news"
            for field in child.iter()
            if field is not child and (field.text or "").strip()
        }
        return {"news": news} if news else {}


@dataclass(frozen=True)
class SitemapRead:
    """What a sitemap (or sitemap index) lists, read to ``ARCHIVER_SOURCE_MAX_ENTRIES`` entries."""

    kind: str  # "urlset" or "sitemapindex"
    candidates: list[Candidate]  # each entry on the crawl's site (or all, with -a offsite=1): its URL, date, hints
    malformed: str | None  # what the XML parser recovered from
    more: bool  # it listed more entries than were read
    offsite: list[str]  # the locations left out: on another site


def _looks_like_sitemap(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return "sitemap" in path or path.endswith((".xml", ".xml.gz"))


class SitemapArchiveSpider(DiscoverySpider, SitemapSpider):
    """Read sitemaps (from robots.txt, the usual places, or the URL given) and archive the articles listed.

    -a url=SITE_OR_SITEMAP   a site (its robots.txt is read) or a sitemap / sitemap index URL
    -a since=DATE_OR_AGE     only entries whose lastmod or news:publication_date is this recent
    -a recrawl=1             fetch listed articles again even when their re-check is not due
    -a offsite=1             also read entries on other sites than the URL's (its registered domain)
    """

    name = "sitemap"
    kind = "sitemap"
    url_help = "a site such as https://example.org/ or a sitemap URL"

    def __init__(self, url: str | None = None, offsite: str | None = None, **kwargs: Any):
        super().__init__(url=url, offsite=offsite, **kwargs)
        self.offsite = switch("offsite", offsite)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if _looks_like_sitemap(self.start_url):
            if (request := self.sitemap_request(self.start_url)) is not None:
                yield request
        else:
            # fetched once: the robots.txt middleware takes this copy for its rules (RobotsWithHooks.adopt)
            self._robots_read = asyncio.Event()
            yield scrapy.Request(urljoin(self.start_url, "/robots.txt"), callback=self.parse_robots,
                                 errback=self.robots_failed, meta={"dont_obey_robotstxt": True})
            await self._robots_read.wait()  # a re-check sent before would make the middleware fetch it itself
        async for request in self.due_rechecks():
            yield request

    def sitemap_request(self, url: str, depth: int = 0) -> scrapy.Request | None:
        """A sitemap's request; ``depth``: how many sitemap indexes led to it.

        An index's sitemap is read again only when its lastmod is newer: if it
        cannot be fetched, the next runs try again (:data:`META_RETRY`).
        """
        meta = {META_INDEXES: depth, **({META_RETRY: "sitemap"} if depth else {})}
        return self.request_for(url, callback=self.parse_sitemap, errback=self.fetch_failed, meta=meta)

    def retry_request(self, url: str, kind: str, hints: dict[str, Any]) -> scrapy.Request | None:
        return self.sitemap_request(url, depth=1) if kind == "sitemap" else super().retry_request(url, kind, hints)

    def hold_usual_sitemaps(self) -> None:
        for path in USUAL_SITEMAPS:
            self.hold_source(self.sitemap_request(urljoin(self.start_url, path)))

    async def adopt_robots(self, response: Response | None) -> None:
        """The robots.txt middleware's rules from this response (if any), then the re-checks may go."""
        try:
            middleware = self.crawler.get_downloader_middleware(RobotsWithHooks)
            if response is not None and middleware is not None:  # None: ROBOTSTXT_OBEY is off
                await middleware.adopt(response, urlsplit(self.start_url).netloc)  # the host asked, whatever redirects
        finally:
            self._robots_read.set()

    async def parse_robots(self, response: Response) -> None:
        await self.adopt_robots(response)
        urls = list(sitemap_urls_from_robots(response.body, base_url=response.url))
        if not urls:
            self.logger.info("robots.txt at %s names no sitemap; trying %s", response.url, ", ".join(USUAL_SITEMAPS))
            self.hold_usual_sitemaps()
        for url in urls:
            self.hold_source(self.sitemap_request(url))

    async def robots_failed(self, failure: Any) -> None:
        await self.adopt_robots(failure.value.response if failure.check(HttpError) else None)
        self.fetch_failed(failure)
        self.hold_usual_sitemaps()

    def read_sitemap(self, response: Response) -> SitemapRead | str:
        """The sitemap as read (:class:`SitemapRead`), or why it is not a sitemap.

        Runs on the ``archiver-read`` thread: a sitemap of 50,000 entries takes about half a second to read.
        """
        try:
            body, problem = sitemap_body(self, response), "empty body"
        except CodingError as exc:  # a .xml.gz that unzips past the bound
            body, problem = None, str(exc)
        if not body or not body.strip():
            return problem
        limit = self.archive.config.source_max_entries
        try:
            sitemap = NewsSitemap(body)
            if sitemap.type not in ("urlset", "sitemapindex"):
                return f"root element <{sitemap.type}>"
            # read lazily: the entries past the limit are never parsed
            entries = list(islice(self.sitemap_filter(sitemap), limit + 1))
        except (etree.XMLSyntaxError, StopIteration) as exc:
            return f"malformed XML: {exc}" if str(exc) else "malformed XML"
        errors = sitemap.xmliter.error_log
        if errors and not entries:
            return f"malformed XML: {errors.last_error.message}"
        # an index may list sitemaps on its own site too (one that robots.txt names, on a CDN's domain)
        sites = {self.site, site_of(response.url)} if sitemap.type == "sitemapindex" else {self.site}
        kept, offsite = [], []
        for entry in entries[:limit]:
            (kept if self.offsite or site_of(entry["loc"]) in sites else offsite).append(entry)
        return SitemapRead(sitemap.type, [self.candidate(entry) for entry in kept],
                           errors.last_error.message if errors else None, len(entries) > limit,
                           [entry["loc"] for entry in offsite])

    async def parse_sitemap(self, response: Response) -> AsyncIterator[scrapy.Request]:
        sitemap = await self.read(self.read_sitemap, response)
        if isinstance(sitemap, str):
            self.retry_later(response.request, f"not a sitemap ({sitemap})")  # an error page now, the sitemap later
            self.crawler.stats.inc_value("archiver/sources/invalid")
            content_type = header_text(response.headers.get(b"Content-Type")) or "no content type"
            self.logger.warning("Ignoring %s: not a sitemap (%s; %s, %d bytes)",
                                response.url, sitemap, content_type, len(response.body))
            return
        self.settled(response.request)
        candidates, read = sitemap.candidates, len(sitemap.candidates) + len(sitemap.offsite)
        if sitemap.malformed:
            self.logger.warning("Sitemap %s is malformed (%s); read %d entries anyway", response.url, sitemap.malformed, read)
        if sitemap.more:
            self.source_truncated(response.url, read)
        if sitemap.offsite:
            self.crawler.stats.inc_value("archiver/skipped/offsite", len(sitemap.offsite))
            left = len(sitemap.offsite)
            self.logger.warning("Skipping %d %s of %s on other sites than %s (%s first); -a offsite=1 reads them",
                                left, "entry" if left == 1 else "entries", response.url, self.site, sitemap.offsite[0])
        depth = response.meta.get(META_INDEXES, 0)
        if sitemap.kind == "sitemapindex" and depth >= MAX_INDEXES:
            self.crawler.stats.inc_value("archiver/sources/too_deep")
            self.logger.warning("Ignoring the sitemap index %s: %d sitemap indexes lead to it (an index of indexes "
                                "of indexes is read; one deeper is a loop of generated URLs, or a mistake)",
                                response.url, depth)
            return
        if sitemap.kind == "sitemapindex":
            # a child sitemap whose lastmod is not newer than last time has not changed
            cutoff = await self.cutoff(response.url)
            for child in candidates:  # an index entry's date is its lastmod
                if self.is_old(child.date, cutoff):
                    self.crawler.stats.inc_value("archiver/skipped/sitemaps")
                    self.logger.debug("Skipping sitemap %s: lastmod %s is not newer", child.url, child.date)
                    continue
                self.hold_source(self.sitemap_request(child.url, depth + 1))
            newest = max((child.date for child in candidates if child.date), default=None)
            await self.note_source(response.url, "sitemapindex", newest)
            return
        async for request in self.article_requests(response.url, candidates):
            yield request

    @staticmethod
    def candidate(entry: dict[str, Any]) -> Candidate:
        news = entry.get("news") if isinstance(entry.get("news"), dict) else {}
        date = parse_date(news.get("publication_date")) or parse_date(entry.get("lastmod"))
        hints = {"title": news.get("title"), "date": news.get("publication_date") or None}
        return Candidate(entry["loc"], date, {k: v for k, v in hints.items() if v})
