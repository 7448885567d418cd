"""``scrapy crawl feed``: archive the articles an RSS, Atom or JSON feed lists."""

from __future__ import annotations

from typing import AsyncIterator

import scrapy
from scrapy.http import Response, TextResponse

from archiver.values.media import header_text
from archiver.formats.feeds import FeedError, discover_feeds, entry_hints, is_html_page, parse_feed
from archiver.crawl.basespiders import Candidate, DiscoverySpider


class FeedSpider(DiscoverySpider):
    """Read a feed (or the feeds a page announces) and archive each entry's article.

    -a url=FEED_OR_PAGE   an RSS 2.0, Atom or JSON Feed URL, or an HTML page with <link rel="alternate"> feeds
    -a since=DATE_OR_AGE  only entries published (or updated) this recently
    -a recrawl=1          fetch listed articles again even when their re-check is not due
    """

    name = "feed"
    kind = "feed"
    url_help = "a feed URL, or a page that links to its feeds"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.start_url, callback=self.parse_feed, errback=self.fetch_failed, cb_kwargs={"page": True})
        async for request in self.due_rechecks():
            yield request

    async def parse_feed(self, response: Response, page: bool = False) -> AsyncIterator[scrapy.Request]:
        content_type = header_text(response.headers.get(b"Content-Type")) or ""
        if page and isinstance(response, TextResponse) and is_html_page(response.body, content_type):
            feeds = await self.read(lambda: discover_feeds(response.text, response.url))
            if not feeds:
                self.crawler.stats.inc_value("archiver/sources/invalid")
                self.logger.warning(
                    'No feed at %s: the page announces none (<link rel="alternate" type="application/rss+xml"> '
                    "or Atom or JSON Feed)", response.url)
            for url in feeds:
                self.logger.info("%s announces the feed %s", response.url, url)
                self.hold_source(self.request_for(url, callback=self.parse_feed, errback=self.fetch_failed))
            return
        limit = self.archive.config.source_max_entries
        try:  # on the archiver-read thread
            feed = await self.read(parse_feed, response.body, response.url, content_type, limit)
        except FeedError as exc:
            self.crawler.stats.inc_value("archiver/sources/invalid")
            self.logger.warning("Ignoring %s: not a feed (%s; %s, %d bytes)",
                                response.url, exc, content_type or "no content type", len(response.body))
            return
        self.logger.info("%s: %s feed, %d entries", response.url, feed.kind, len(feed.entries))
        if feed.problem:
            self.logger.warning("Feed %s is malformed (%s); read %d entries anyway", response.url, feed.problem, len(feed.entries))
        if feed.truncated:
            self.source_truncated(response.url, limit)
        # each entry's hints are bound to its own Candidate, never to a loop variable
        candidates = [Candidate(entry.url, entry.date, entry_hints(entry)) for entry in feed.entries]
        async for request in self.article_requests(response.url, candidates):
            yield request
