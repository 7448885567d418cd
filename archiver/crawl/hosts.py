"""A distributed crawl's politeness per host, held by all workers together (:mod:`archiver.distributed.hosts`).

- :func:`send_politely` wraps each download (the download handler calls it,
  after Scrapy's download slot let the request go): it takes one of the host's
  ``CONCURRENT_REQUESTS_PER_DOMAIN`` slots shared by every worker (waiting
  while all are taken), waits for its turn, the slot's delay (its
  ``DOWNLOAD_DELAY`` or AutoThrottle delay, never below the host's
  ``Crawl-delay``) after any worker's last send there, sends, and gives the
  slot back when the response or the failure is in.
- :class:`SharedRobotsTxtMiddleware` is Scrapy's robots.txt middleware; in a
  distributed crawl one worker fetches a host's robots.txt and the others parse
  its copy from Redis.

Without ``ARCHIVER_FRONTIER`` both are Scrapy's behaviour, unchanged.
Threads: the reactor thread; each Redis call is one short round trip.
"""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import task
from twisted.internet.defer import Deferred

from archiver.config import ArchiverConfig
from archiver.distributed.frontier import redis_error
from archiver.distributed.hosts import SharedHosts
from archiver.crawl.compat import RobotsWithHooks, live_slot
from archiver.crawl.extension import ArchiveExtension

logger = logging.getLogger(__name__)
SLOT_POLL = 0.1  # seconds between looks at a host whose slots are all taken
ROBOTS_POLL = 0.2  # seconds between looks for a robots.txt another worker is fetching


async def sleep(seconds: float) -> None:
    """Wait on the reactor."""
    from twisted.internet import reactor  # imported late: Scrapy installs its reactor after this module loads

    await maybe_deferred_to_future(task.deferLater(reactor, seconds))


async def send_politely(crawler: Crawler, hosts: SharedHosts, request: Request,
                        download: Callable[[], Awaitable[Response]]) -> Response:
    """``download()`` once the host has a free slot across all workers and its turn has come."""
    key = crawler.engine.downloader.get_slot_key(request)
    slot = live_slot(crawler, key)
    limit, delay = (slot.concurrency, slot.delay) if slot is not None else (1, 0.0)
    ceiling = ArchiverConfig.from_crawler(crawler).crawl_delay_max  # whatever Redis holds
    try:
        wait = hosts.take(key, limit, delay, ceiling)
        while wait is None:
            await sleep(SLOT_POLL)
            wait = hosts.take(key, limit, delay, ceiling)
    except redis_error() as exc:  # Redis away: this worker's own limits still hold
        logger.warning("Shared politeness unavailable for %s (%s): sending with this worker's limits only", key, exc)
        return await download()
    try:
        while wait > 0:
            await sleep(wait)
            wait = hosts.turn(key, delay, ceiling)
        return await download()
    finally:
        try:
            hosts.give_back(key)
        except redis_error() as exc:
            logger.warning("Could not give back a slot of %s (%s); it frees when this worker stops", key, exc)


class SharedRobotsTxtMiddleware(RobotsWithHooks):
    """Scrapy's robots.txt middleware; in a distributed crawl each robots.txt is fetched by one worker for all."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.hosts = ArchiveExtension.of(crawler).hosts  # None: a crawl of one process

    async def robot_parser(self, request: Request) -> object:
        netloc = urlparse_cached(request).netloc
        if self.hosts is None or netloc in self.parsers:
            return await super().robot_parser(request)
        waiting: Deferred = Deferred()
        self.parsers[netloc] = waiting  # this worker's other requests to the host wait for it
        try:
            shared = await self._shared_copy(netloc)
        except redis_error() as exc:
            logger.warning("Shared robots.txt unavailable for %s (%s): fetching it", netloc, exc)
            shared = None
        if shared is not None:
            status, body = shared
            url = urlparse_cached(request)
            robots_url = f"{url.scheme}://{netloc}/robots.txt"
            await self.parse_body(Response(robots_url, status=status, body=body), netloc, request)
            self.crawler.stats.inc_value("archiver/robots/shared")
            return self.parsers[netloc]
        del self.parsers[netloc]  # Scrapy's fetch, as in a crawl of one process
        parser = await super().robot_parser(request)
        waiting.callback(parser)
        return parser

    async def _shared_copy(self, netloc: str) -> tuple[int, bytes] | None:
        """Another worker's copy (waiting while it fetches one); None once this worker is to fetch it."""
        assert self.hosts is not None
        while True:
            found = self.hosts.robots(netloc)
            if found is not None:
                return found
            if self.hosts.fetching(netloc):
                return None
            await sleep(ROBOTS_POLL)

    def fetched(self, response: Response, netloc: str) -> None:
        if self.hosts is None:
            return
        try:
            if response.status < 500:
                self.hosts.share_robots(netloc, response.status, response.body)
            else:  # a server error is not the site's word for a day: the others fetch it themselves
                self.hosts.robots_failed(netloc)
        except redis_error() as exc:
            logger.warning("Could not share the robots.txt of %s (%s)", netloc, exc)

    def fetch_failed(self, netloc: str) -> None:
        if self.hosts is None:
            return
        try:
            self.hosts.robots_failed(netloc)
        except redis_error() as exc:
            logger.warning("Could not say the robots.txt of %s failed (%s)", netloc, exc)
