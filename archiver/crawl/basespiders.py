"""What every archiver spider shares: its arguments on record, incremental checks, and pages as items."""

from __future__ import annotations

import asyncio
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, AsyncIterator, Callable, Iterable, TypeVar
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archiver.config import ArchiverConfig
from archiver.values.dates import iso_utc, parse_since
from archiver.values.sites import site_of
from archiver.formats.records import RecheckState
from archiver.values.media import header_text, is_html
from archiver.errors import SpiderArgumentError
from archiver.extract import NoArticle, page_head
from archiver.crawl.arguments import check_names, check_url, render_mode, switch
from archiver.crawl.capture import META_CAPTURE_ID, META_PREVIOUS, META_UNCHANGED
from archiver.crawl.compat import spider_closing
from archiver.crawl.extension import ArchiveExtension
from archiver.crawl.guard import refused_because
from archiver.crawl.schemes import request_for
from archiver.crawl.compression import META_UNDECODABLE
from archiver.crawl.items import ArchivedPage
from archiver.crawl.sources import HeldSources

# A long source (a sitemap of 200,000 URLs) is checked against the archive
# BATCH at a time, and fed to the scheduler while it holds fewer than
# QUEUE_LOW requests: article requests start at once, the scheduler stays
# small, and a closing spider stops the feeding.
BATCH = 500
QUEUE_LOW = 2_000

# What a sitemap or feed listed ("article", "sitemap"): if it cannot be fetched, the next runs try again
# (the ``retries`` table); and True on such a request of a later run, which clears the row once fetched.
META_RETRY = "archiver_retry"
META_RETRYING = "archiver_retrying"

T = TypeVar("T")


class ArchiveSpider(scrapy.Spider):
    """Base class: keeps the ``-a`` arguments for the ``crawls`` table, turns responses into items.

    An article URL already archived is fetched again only when its re-check
    is due (``articles.next_check_at``), or always with ``-a recrawl=1``; the
    request then carries the last capture's validators (a conditional GET)
    and the capture holding its bytes, so an unchanged answer becomes a
    revisit record.
    """

    def __init__(self, *args: Any, recrawl: str | None = None, render: str | None = None, **kwargs: Any):
        check_names(type(self), self.name, kwargs)
        super().__init__(*args, recrawl=recrawl, **kwargs)
        self.archiver_args = {key: value for key, value in {**kwargs, "recrawl": recrawl, "render": render}.items()
                              if value is not None}
        self.recrawl = switch("recrawl", recrawl)
        self.render = render_mode(render)  # None: the site rule's, else ARCHIVER_RENDER
        self._queued: set[str] = set()

    @property
    def archive(self) -> ArchiveExtension:
        return ArchiveExtension.of(self.crawler)

    def request_for(self, url: str, **kwargs: Any) -> scrapy.Request | None:
        """The request for a URL a source gave (an entry, a link, the archive), or None, logged and counted, when
        its scheme is not fetched (``ARCHIVER_ALLOW_SCHEMES``) or it is no URL: the rest of the source goes on."""
        return request_for(self.crawler, url, **kwargs)

    async def fetch_or_recheck(self, request: scrapy.Request) -> scrapy.Request | None:
        """``request`` for a new URL; a conditional re-check for a due one; None (counted) if not due."""
        if request.url in self._queued:
            return None
        states = await self.archive.recheck_states([request.url])
        return self.with_recheck(request, states[request.url])

    def with_recheck(self, request: scrapy.Request, state: RecheckState | None) -> scrapy.Request | None:
        """:meth:`fetch_or_recheck` once the URL's re-check state is known."""
        if request.url in self._queued:
            return None
        if state is not None and not (state.due(iso_utc()) or self.recrawl):
            self.crawler.stats.inc_value("archiver/skipped/archived")
            return None
        self._queued.add(request.url)
        if state is None or state.previous is None:
            return request
        self.crawler.stats.inc_value("archiver/rechecks")
        headers = dict(request.headers)
        if state.etag:
            headers[b"If-None-Match"] = state.etag
        if state.last_modified:
            headers[b"If-Modified-Since"] = state.last_modified
        meta = {**request.meta, META_PREVIOUS: state.previous, "handle_httpstatus_list": [304]}
        return request.replace(headers=headers, meta=meta)

    def page(self, response: Response) -> ArchivedPage:
        """The item for a captured response: its bytes when it is HTML (an extraction worker decodes them)."""
        content_type = header_text(response.headers.get(b"Content-Type"))
        undecodable = response.meta.get(META_UNDECODABLE)
        html = not undecodable and isinstance(response, TextResponse) and (content_type is None or is_html(content_type))
        # extraction reads the first part only (the WARC record keeps it all): bounded time and memory
        body, cut_from = page_head(response.body, self.archive.config.extract_max_bytes) if html else (None, None)
        return ArchivedPage(
            url=response.url,
            capture_id=response.meta.get(META_CAPTURE_ID),
            content_type=content_type,
            body=body,
            cut_from=cut_from,
            unchanged=bool(response.meta.get(META_UNCHANGED)),
            not_article=f"body could not be decoded ({undecodable})" if undecodable else None,
        )

    def fetch_failed(self, failure: Failure) -> None:
        """Errback: the capture middleware has already recorded the failure; count it and say it once here."""
        request = getattr(failure, "request", None)
        self.crawler.stats.inc_value("archiver/failed")
        if failure.check(HttpError):
            response = failure.value.response
            self.logger.warning("No article from %s: HTTP %d (the response is archived)", response.url, response.status)
            self.retry_later(request, f"HTTP {response.status}")
            return
        if failure.check(IgnoreRequest):  # settled: robots.txt, offsite, too many redirects
            self.settled(request)
            capture_id = request.meta.get(META_CAPTURE_ID) if request is not None else None
            reason = failure.getErrorMessage() or "ignored"
            if capture_id is None:  # never sent (robots.txt, offsite): the capture middleware made its row
                self.logger.info("Not fetched: %s (%s)", getattr(request, "url", "?"), reason)
                return
            # a response that Scrapy then ignored (too many redirects): its row says so
            self.logger.warning("No article from %s: %s (the response is archived)", request.url, reason)
            # not awaited (an errback): the archive service reports its failure, if any
            self.archive.service.file(request.url, capture_id, NoArticle(reason))
            return
        refused = refused_because(urlsplit(request.url).hostname) if request is not None else None
        reason = refused or failure.getErrorMessage() or failure.type.__name__
        self.logger.warning("Not archived: %s (%s)", getattr(request, "url", "?"), reason)
        if refused:  # and stays refused
            self.settled(request)
        else:
            self.retry_later(request, reason)

    def retry_later(self, request: scrapy.Request | None, error: str) -> None:
        """Override: what a source listed could not be fetched (only discovery spiders have sources)."""

    def settled(self, request: scrapy.Request | None) -> None:
        """Override: a URL an earlier run failed to fetch came, or is refused for good."""

    async def scheduler_room(self) -> None:
        """Wait while the scheduler holds :data:`QUEUE_LOW` requests or more: a long URL list stays out of memory."""
        stats = self.crawler.stats
        while (stats.get_value("scheduler/enqueued", 0) - stats.get_value("scheduler/dequeued", 0) >= QUEUE_LOW
               and not spider_closing(self.crawler)):
            await asyncio.sleep(0.2)


def listed_url(request: scrapy.Request) -> str:
    """The URL as requested first, before any redirect."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


@dataclass(frozen=True)
class Candidate:
    """An article URL found in a sitemap, a feed or on a page, with what that source said of it."""

    url: str
    date: datetime | None = None
    hints: dict[str, Any] = field(default_factory=dict)


class DiscoverySpider(ArchiveSpider):
    """Base of the spiders that find article URLs themselves (sitemaps, feeds, links).

    Incremental by default: an article URL already in the archive is not
    fetched again until its re-check is due, and entries dated before
    ``since`` (or, without it, not newer than the source's watermark from the
    last complete crawl) are skipped.  Archived articles of the start URL's
    site whose re-check is due are fetched too, listed or not.  ``-a
    recrawl=1`` fetches everything listed again.

    Sources a source lists are held (:meth:`hold_source`,
    :class:`~archiver.crawl.sources.HeldSources`) and fetched a few at a time
    as the backlog drains.
    """

    kind = ""  # sources.kind
    url_help = ""  # what -a url= takes, for the error message

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "DiscoverySpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._close_reader, signal=signals.spider_closed)
        distributed = bool(ArchiverConfig.from_crawler(crawler).frontier)
        spider.sources = HeldSources(crawler, lambda: len(spider._backlog), hold=not distributed)
        return spider

    def __init__(self, url: str | None = None, since: str | None = None, **kwargs: Any):
        super().__init__(url=url, since=since, **kwargs)
        if not url:
            raise SpiderArgumentError(f"Say where to start: -a url=URL ({self.url_help}).")
        self.start_url = check_url(url)
        self.site = site_of(self.start_url)
        self._backlog: deque[Candidate] = deque()
        self._feeder: asyncio.Future | None = None
        # one thread reads sources and pages for their links: one at a time, so at most one parse tree is held
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="archiver-read")
        self.since: datetime | None = None
        if since is not None:
            try:
                self.since = parse_since(since)
            except ValueError:
                raise SpiderArgumentError(
                    f"-a since={since} is neither a date nor an age; give a date such as 2026-11-01 "
                    "or an age such as 48h, 30m, 7d or 2w."
                ) from None

    async def cutoff(self, source: str) -> tuple[datetime | None, bool]:
        """The date before which a source's entries are old, and whether that date itself is old."""
        if self.since is not None:
            return self.since, False
        if self.recrawl:
            return None, False
        return await self.archive.run(self.archive.writer.watermark, source), True

    def is_old(self, date: datetime | None, cutoff: tuple[datetime | None, bool]) -> bool:
        moment, inclusive = cutoff
        if date is None or moment is None:
            return False
        return date < moment or (inclusive and date == moment)

    async def article_requests(self, source: str, candidates: Iterable[Candidate]) -> AsyncIterator[scrapy.Request]:
        """Requests for the candidates a source listed that are new; counts the rest.

        The first :data:`BATCH` are yielded at once; the rest wait in the
        backlog, fed to the scheduler as it drains (:meth:`_feed`): Scrapy holds
        back downloads while a callback's response (an 11 MB sitemap) is still
        being processed, so the callback must end quickly.
        """
        stats = self.crawler.stats
        cutoff = await self.cutoff(source)
        newest: datetime | None = None
        fresh: list[Candidate] = []
        for candidate in candidates:
            stats.inc_value("archiver/found")
            if candidate.date is not None and (newest is None or candidate.date > newest):
                newest = candidate.date
            if self.is_old(candidate.date, cutoff):
                stats.inc_value("archiver/skipped/old")
                continue
            fresh.append(candidate)
        await self.note_source(source, self.kind, newest)
        async for request in self._checked(fresh[:BATCH]):
            yield request
        if len(fresh) > BATCH:
            self._backlog.extend(fresh[BATCH:])
            self._feed_soon()

    async def note_source(self, source: str, kind: str, newest: datetime | None) -> None:
        """Remember the newest entry date a source listed: its watermark once the crawl completes.

        Not when ``-a since`` skipped entries newer than the watermark: they would be passed over for good.
        """
        if self.since is not None and newest is not None:
            known = await self.archive.run(self.archive.writer.watermark, source)
            if known is None or self.since > known:
                newest = None
        self.archive.note_source(source, kind, newest)

    async def _checked(self, candidates: list[Candidate]) -> AsyncIterator[scrapy.Request]:
        """The candidates' requests that are due, their re-check states read in one call to the I/O thread."""
        if not candidates:
            return
        batch = [r for r in (self.article_request(c.url, c.hints) for c in candidates) if r is not None]
        states = await self.archive.recheck_states([r.url for r in batch])
        for request in batch:
            state = states[request.url]
            if state is None:  # not archived yet: if it cannot be fetched, the next runs try again
                request.meta[META_RETRY] = "article"
            checked = self.with_recheck(request, state)
            if checked is not None:
                yield checked

    def _feed_soon(self) -> None:
        if self._feeder is None or self._feeder.done():
            self._feeder = asyncio.ensure_future(self._feed())

    async def _feed(self) -> None:
        """Move the backlog to the scheduler, a batch whenever it holds fewer than :data:`QUEUE_LOW` requests."""
        while self._backlog and not spider_closing(self.crawler):
            await self.scheduler_room()
            batch = [self._backlog.popleft() for _ in range(min(BATCH, len(self._backlog)))]
            async for request in self._checked(batch):
                self.crawler.engine.crawl(request)
            self.sources.release()

    def _close_reader(self) -> None:
        self._reader.shutdown(wait=False, cancel_futures=True)  # the reactor never waits for a parse to end

    async def read(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` on the ``archiver-read`` thread: parsing a source or a page is off the reactor's."""
        return await asyncio.get_running_loop().run_in_executor(self._reader, function, *args)

    def source_truncated(self, url: str, read: int) -> None:
        """Say that a source listed more entries than ``ARCHIVER_SOURCE_MAX_ENTRIES``, of which ``read`` were read."""
        self.crawler.stats.inc_value("archiver/sources/truncated")
        self.logger.warning("%s lists more than %d entries; read the first %d (raise ARCHIVER_SOURCE_MAX_ENTRIES "
                            "to read more)", url, read, read)

    def hold_source(self, request: scrapy.Request | None) -> None:
        """Fetch a source (a sitemap, a feed) once the backlog has room for what it may list (None: a refused URL)."""
        if request is not None:
            self.sources.hold(request)

    def spider_idle(self) -> None:
        """Never close while the backlog or the held sources hold anything (the feeder may be waiting to run)."""
        if self.sources and not self._backlog:
            self.sources.idle()
        if self._backlog or self.sources:
            self._feed_soon()
            raise DontCloseSpider

    async def due_rechecks(self) -> AsyncIterator[scrapy.Request]:
        """Re-checks of the site's archived articles that are due, whether or not a source lists them;
        and what earlier runs could not fetch (``retries``), whether or not a source still lists it."""
        for url in await self.archive.due_urls(self.site):
            request = self.article_request(url)
            if request is not None and (request := await self.fetch_or_recheck(request)) is not None:
                yield request
        for url, kind, hints in await self.archive.run(self.archive.writer.retries, self.site):
            request = self.retry_request(url, kind, hints)
            if request is None:
                continue
            request = request.replace(meta={**request.meta, META_RETRY: kind, META_RETRYING: True})
            self.crawler.stats.inc_value("archiver/retries/tried")
            if kind != "article":  # a source: held like any other, a few at a time
                self.hold_source(request)
            elif (checked := await self.fetch_or_recheck(request)) is not None:
                yield checked
            else:  # archived since (by another worker, perhaps), or on its way already
                self.settled(request)

    def retry_request(self, url: str, kind: str, hints: dict[str, Any]) -> scrapy.Request | None:
        """The request that tries again what an earlier run failed to fetch; sources override it for theirs."""
        return self.article_request(url, hints) if kind == "article" else None

    def retry_later(self, request: scrapy.Request | None, error: str) -> None:
        """What a source listed could not be fetched: the next runs on this site try again (``retries``)."""
        kind = request.meta.get(META_RETRY) if request is not None else None
        if kind is None:
            return
        self.crawler.stats.inc_value("archiver/retries/noted")
        hints = request.cb_kwargs.get("hints") or {}
        # the crawl's site, not the URL's: a feed may list another host's pages, an index a CDN's sitemaps
        self.archive.io.post(self.archive.writer.note_failure, listed_url(request), self.site, kind, error, hints)

    def settled(self, request: scrapy.Request | None) -> None:
        """A URL an earlier run failed to fetch came, or is refused for good: it waits no more."""
        if request is not None and request.meta.get(META_RETRYING):
            self.archive.io.post(self.archive.writer.clear_retry, listed_url(request))

    def article_request(self, url: str, hints: dict[str, Any] | None = None) -> scrapy.Request | None:
        return self.request_for(url, callback=self.parse_article, errback=self.fetch_failed, cb_kwargs={"hints": hints or {}})

    def parse_article(self, response: Response, hints: dict[str, Any]) -> ArchivedPage:
        self.settled(response.request)
        page = self.page(response)
        page.hints = hints
        return page
