"""Every private Scrapy API the archiver relies on, in one place, each behind a small function or class.

Scrapy is pinned below its next minor release (pyproject.toml);
``tests/test_scrapy_compat.py`` checks each hook, so an upgrade that moves one
fails there, by name, rather than deep inside a crawl.

| hook | used for |
|---|---|
| ``_ScrapyAgent``, its ``_cb_latency``, ``HTTP11DownloadHandler``'s ``_contextFactory``, ``_bind_address``, ``_pool``, ``_default_maxsize``, ``_default_warnsize``, ``_fail_on_dataloss(_warned)``, ``_tls_verbose_logging``, ``scrapy.utils._download_handlers`` | the status line with its reason phrase (:mod:`.download`) |
| ``AutoThrottle._response_downloaded``, ``AutoThrottle._get_slot`` | AutoThrottle never below a site's floor |
| ``Downloader._get_slot``, ``Downloader._latercall``, ``Slot.latercall``, ``Downloader.per_slot_settings``, ``Downloader.slots`` | ``Crawl-delay`` floors and ``Retry-After`` pauses |
| ``RobotsTxtMiddleware._parsers``, ``._parse_robots``, ``._robots_error`` | one robots.txt fetch shared by a distributed crawl's workers (:mod:`.hosts`); the sitemap spider's own robots.txt read for the rules too |
| the robots.txt middleware's log message for a failed fetch | one warning line instead of an error with a traceback |
| the start-up, component-list and stats-dump log messages (:data:`SCRAPY_CHATTER`) | logged at DEBUG: a crawl's INFO log is the archiver's progress and report |
| ``ExecutionEngine._slot.closing`` | a long sitemap or feed stops when the spider closes |
| ``ExecutionEngine._remove_request`` | a distributed crawl's claim on a request ends once the engine is done with it (:mod:`.frontier`); a held sitemap or feed frees its place once read (:mod:`.sources`) |
| ``ExecutionEngine._slot.nextcall`` | an idle worker of a distributed crawl looks at the frontier again within a second, not Scrapy's 5 s |
| scrapy-redis ``Base._decode_request`` (queue) | a request claimed from the shared frontier, decoded as scrapy-redis encoded it |
| ``SitemapSpider._get_sitemap_body``, ``Sitemap._process_sitemap_element``, ``Sitemap._get_tag_name`` | Google News fields of sitemaps |
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler, _ScrapyAgent
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import ResponseDataLossError
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response, XmlResponse
from scrapy.spiders import SitemapSpider
from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.gz import gzip_magic_number
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.sitemap import Sitemap
from twisted.internet.defer import Deferred

from archiver.formats.codings import decode_body, decoding_limit
from archiver.crawl.guard import refused_because

logger = logging.getLogger(__name__)

# download handler --------------------------------------------------------------


class _HeadAgent(_ScrapyAgent):
    """Scrapy's agent, telling ``on_head`` about each response as soon as its head arrives."""

    on_head: Callable[[Any, Request], None]

    def _cb_latency(self, result: Any, request: Request, start_time: float) -> Any:
        self.on_head(result, request)  # result is Twisted's response: its head has arrived, its body has not
        return super()._cb_latency(result, request, start_time)


async def download_watching_heads(handler: HTTP11DownloadHandler, request: Request,
                                  on_head: Callable[[Any, Request], None]) -> Response:
    """What ``HTTP11DownloadHandler.download_request`` does, with an agent that calls ``on_head(twisted_response, request)``."""
    agent = _HeadAgent(
        contextFactory=handler._contextFactory,
        bindAddress=handler._bind_address,
        pool=handler._pool,
        maxsize=handler._default_maxsize,
        warnsize=handler._default_warnsize,
        fail_on_dataloss=handler._fail_on_dataloss,
        crawler=handler._crawler,
        tls_verbose_logging=handler._tls_verbose_logging,
    )
    agent.on_head = on_head
    try:
        with wrap_twisted_exceptions():
            return await maybe_deferred_to_future(agent.download_request(request))
    except ResponseDataLossError:
        if not handler._fail_on_dataloss_warned:
            logger.warning(get_dataloss_msg(request.url))
            handler._fail_on_dataloss_warned = True
        raise


# download slots ------------------------------------------------------------------


def slot_settings(crawler: Crawler, request: Request) -> tuple[str, dict[str, Any]]:
    """The request's download slot key and its per-slot settings (created empty), which new slots start from."""
    downloader = crawler.engine.downloader
    key = downloader.get_slot_key(request)
    return key, downloader.per_slot_settings.setdefault(key, {})


def live_slot(crawler: Crawler, key: str) -> Any | None:
    """The download slot of that key, if it exists yet."""
    return crawler.engine.downloader.slots.get(key)


def slot_floor(crawler: Crawler, key: str) -> float:
    """The least delay of a slot (a ``Crawl-delay``, or ``delay`` in ``DOWNLOAD_SLOTS``)."""
    return float(crawler.engine.downloader.per_slot_settings.get(key, {}).get("delay", 0.0))


def pause_slot(crawler: Crawler, request: Request, seconds: float) -> str:
    """Hold every request of the request's download slot for ``seconds``; returns the slot key."""
    downloader = crawler.engine.downloader
    key, slot = downloader._get_slot(request)
    if slot.latercall:
        slot.latercall.cancel()
    # The downloader sends nothing more on this slot until slot.latercall fires.
    slot.latercall = call_later(seconds, downloader._latercall, slot)
    return key


class FlooredAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle, calling :meth:`adjusted` after each of its adjustments."""

    def _response_downloaded(self, response: Response, request: Request, spider: Any) -> None:
        super()._response_downloaded(response, request, spider)
        key, slot = self._get_slot(request, spider)
        if slot is not None:
            self.adjusted(key, slot)

    def adjusted(self, key: str, slot: Any) -> None:
        """Override: AutoThrottle has just set ``slot.delay``."""


# RFC 9309 asks crawlers to read at least 500 KiB of a robots.txt, and Google reads that much and ignores the
# rest; Protego checks every rule on every request, so a larger file would cost each request to its site more.
ROBOTS_MAX_BYTES = 500 * 1024


class RobotsErrorLine(logging.Filter):
    """Scrapy logs a robots.txt it could not fetch as an ERROR naming the page that asked, with a traceback
    (80 lines for a name that does not resolve): one WARNING line instead, naming the robots.txt and why."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, dict) else {}
        if record.msg == "Error downloading %(request)s: %(f_exception)s" and isinstance(args.get("request"), Request):
            request, exception = args["request"], args["f_exception"]
            url = urlparse_cached(request)
            record.msg = "Could not fetch %(robots)s (%(why)s): its pages are fetched as if it allowed them all"
            why = refused_because(url.hostname) or str(exception) or type(exception).__name__
            record.args = {"robots": f"{url.scheme}://{url.netloc}/robots.txt", "why": why}
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


class RobotsWithHooks(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, telling :meth:`fetched` and :meth:`fetch_failed` how each fetch went,
    and reading the first :data:`ROBOTS_MAX_BYTES` of a robots.txt only; a failed fetch is one log line
    (:class:`RobotsErrorLine`)."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        robots_logger = logging.getLogger(RobotsTxtMiddleware.__module__)
        if not any(isinstance(f, RobotsErrorLine) for f in robots_logger.filters):
            robots_logger.addFilter(RobotsErrorLine())

    @property
    def parsers(self) -> dict[str, Any]:
        """netloc -> its parser, None (no robots.txt: all allowed), or a Deferred while it is fetched."""
        return self._parsers

    async def adopt(self, response: Response, netloc: str) -> None:
        """Take the robots.txt of ``netloc`` a spider fetched itself (with ``dont_obey_robotstxt``) as this
        middleware's own, so that it is not fetched a second time for its rules; nothing if it has one already."""
        if netloc in self._parsers:
            return
        self._parsers[netloc] = Deferred()
        assert response.request is not None
        await self._parse_robots(response, netloc, response.request)

    async def parse_body(self, response: Response, netloc: str, request: Request) -> None:
        """Parse a robots.txt as if fetched for ``request`` (fires ``robots_parsed``); ``parsers[netloc]`` must be a Deferred."""
        await super()._parse_robots(self._bounded(response), netloc, request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        response = self._bounded(response)
        await super()._parse_robots(response, netloc, request)
        self.fetched(response, netloc)

    def _bounded(self, response: Response) -> Response:
        if len(response.body) <= ROBOTS_MAX_BYTES:
            return response
        self.crawler.stats.inc_value("archiver/robots/truncated")
        return response.replace(body=response.body[:ROBOTS_MAX_BYTES])

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        super()._robots_error(exc, netloc)
        self.fetch_failed(netloc)

    def fetched(self, response: Response, netloc: str) -> None:
        """Override: this crawl fetched and parsed the robots.txt of ``netloc``."""

    def fetch_failed(self, netloc: str) -> None:
        """Override: this crawl could not fetch the robots.txt of ``netloc`` (all of it is allowed)."""


# logger -> the start of each INFO message of its that goes to DEBUG: the version banner, the component
# lists, the overridden settings, "Spider opened" (the archive extension says which crawl and where), the
# once-a-minute page counts and the stats dump (kept in crawls.stats)
SCRAPY_CHATTER = {
    "scrapy.utils.log": ("Scrapy %(version)s started", "Versions:"),
    "scrapy.addons": ("Enabled addons:",),
    "scrapy.middleware": ("Enabled %(componentname)ss:",),
    "scrapy.crawler": ("Overridden settings:",),
    "scrapy.core.engine": ("Spider opened",),
    "scrapy.extensions.logstats": ("Crawled %(pages)d pages",),
    "scrapy.statscollectors": ("Dumping Scrapy stats:",),
}


class ChatterAtDebug(logging.Filter):
    """Logs Scrapy's start-up and stats-dump messages (:data:`SCRAPY_CHATTER`) at DEBUG instead of INFO."""

    def __init__(self, starts: tuple[str, ...]):
        super().__init__()
        self.starts = starts

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and isinstance(record.msg, str) and record.msg.startswith(self.starts):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def chatter_at_debug() -> None:
    """Install :class:`ChatterAtDebug` on Scrapy's loggers (once)."""
    for name, starts in SCRAPY_CHATTER.items():
        chatty = logging.getLogger(name)
        if not any(isinstance(f, ChatterAtDebug) for f in chatty.filters):
            chatty.addFilter(ChatterAtDebug(starts))


def spider_closing(crawler: Crawler) -> bool:
    """Whether the engine has begun closing the spider (CLOSESPIDER_*, a Ctrl-C): a long callback should stop."""
    engine = crawler.engine
    slot = getattr(engine, "_slot", None) if engine is not None else None
    return engine is None or not engine.running or (slot is not None and slot.closing is not None)
# the engine and scrapy-redis ------------------------------------------------------


def on_request_done(crawler: Crawler, callback: Callable[[Request], None]) -> None:
    """Call ``callback(request)`` each time the engine is done with a scheduled request.

    The engine removes a request from its slot after its download, the
    spider callback, the item pipeline for the items it gave, and the
    scheduling of the requests it gave (redirects and retries included).
    """
    engine = crawler.engine
    remove = engine._remove_request

    def removed(result: Any, request: Request) -> Any:
        try:
            return remove(result, request)
        finally:
            callback(request)

    engine._remove_request = removed


def wake(crawler: Crawler) -> None:
    """Have the engine ask the scheduler for requests (and, if none, fire ``spider_idle``) soon."""
    slot = crawler.engine._slot
    if slot is not None:
        slot.nextcall.schedule()


def decode_request(queue: Any, data: bytes) -> Request:
    """A request as a scrapy-redis queue stored it (its serializer, the spider's callbacks)."""
    return queue._decode_request(data)


# sitemaps -------------------------------------------------------------------------


def sitemap_body(spider: SitemapSpider, response: Response) -> bytes | None:
    """The sitemap XML of a response (gunzipped, from robots.txt-found or direct sitemaps), as SitemapSpider reads it.

    A gzip file (a ``.xml.gz`` served without ``Content-Encoding``) is unzipped
    by :mod:`archiver.formats.codings` within the bound the crawl decodes to
    (:func:`~archiver.formats.codings.decoding_limit`), not Scrapy's
    ``DOWNLOAD_MAXSIZE`` alone; past it, :class:`~archiver.errors.CodingError` says so.
    """
    if not isinstance(response, XmlResponse) and gzip_magic_number(response):
        limit = decoding_limit(response.meta.get("download_maxsize", spider.crawler.settings.getint("DOWNLOAD_MAXSIZE")))
        return decode_body(response.body, ["gzip"], max_size=limit)
    return spider._get_sitemap_body(response)


class SitemapWithExtras(Sitemap):
    """Scrapy's sitemap reader, calling :meth:`extras` with each ``<url>`` element before Scrapy clears it."""

    def _process_sitemap_element(self, elem: Any) -> dict[str, Any] | None:
        extras = self.extras(elem)
        entry = super()._process_sitemap_element(elem)  # clears elem
        if entry is not None and extras:
            entry.update(extras)
        return entry

    def extras(self, elem: Any) -> dict[str, Any]:
        """Override: more fields of the entry, read from its element."""
        return {}

    tag_name = staticmethod(Sitemap._get_tag_name)
