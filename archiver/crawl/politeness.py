"""Politeness Scrapy leaves out: robots.txt ``Crawl-delay`` and ``Retry-After``.

- :class:`CrawlDelay` applies a site's robots.txt ``Crawl-delay`` to its
  download slot (as a floor, without jitter) when Scrapy has parsed it; in a
  distributed crawl it is published in Redis, and every worker's sends to the
  site together keep that gap (:mod:`.hosts`).  A delay past
  ``ARCHIVER_CRAWL_DELAY_MAX`` (300 s, Heritrix's default ceiling) is capped
  to it, with a warning and ``archiver/crawl_delay/capped``: obeyed as asked,
  ``Crawl-delay: 86400`` would hold a crawl of 500 pages for 500 days.
- :class:`AutoThrottle` is Scrapy's, never going below a slot's floor
  (a ``Crawl-delay``, or a ``delay`` set in ``DOWNLOAD_SLOTS``).
- :class:`RetryAfterMiddleware` pauses a site's slot for the time a 429 or
  503 response asks (``Retry-After``) and retries the request after it.  In
  a distributed crawl the pause is published in Redis and every worker holds
  its requests to that site.  A site asking for longer than
  ``ARCHIVER_RETRY_AFTER_MAX`` is skipped for the rest of the crawl: the
  request is not retried, the site's other requests are not sent (each
  ``captures`` row says why, and the next crawl tries them again), with one
  warning per site and ``archiver/retry_after/skipped``.  Skipped, not
  capped: retrying after our own shorter wait would ask again a site that
  said it is away, and most likely get the same answer.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor, task

from archiver.config import ArchiverConfig
from archiver.distributed.frontier import redis_error
from archiver.errors import HostAway
from archiver.crawl.compat import FlooredAutoThrottle, live_slot, pause_slot, slot_floor, slot_settings
from archiver.crawl.extension import ArchiveExtension

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = (429, 503)


class CrawlDelay:
    """Applies a site's robots.txt ``Crawl-delay`` to its download slot, as a floor without jitter."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.ceiling = ArchiverConfig.from_crawler(crawler).crawl_delay_max

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CrawlDelay":
        extension = cls(crawler)
        crawler.signals.connect(extension.robots_parsed, signal=signals.robots_parsed)
        return extension

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        crawl_delay = getattr(robotparser, "crawl_delay", None)
        asked = crawl_delay(self.user_agent) if crawl_delay else None
        if not asked or not float(asked) > 0:  # none, 0 or NaN
            return
        key, settings = slot_settings(self.crawler, request)
        delay = min(float(asked), self.ceiling)
        settings["delay"] = max(delay, float(settings.get("delay", 0.0)))
        settings["jitter"] = 0.0  # a floor, not an average
        slot = live_slot(self.crawler, key)
        if slot is not None:
            slot.delay, slot.jitter = max(slot.delay, settings["delay"]), 0.0
        self.crawler.stats.set_value(f"archiver/crawl_delay/{key}", settings["delay"])
        hosts = ArchiveExtension.of(self.crawler).hosts
        if hosts is not None:
            try:
                hosts.set_crawl_delay(key, settings["delay"])
            except redis_error() as exc:  # every worker parses robots.txt and publishes it: another will
                logger.warning("Could not share the Crawl-delay of %s (%s)", key, exc)
        if delay < float(asked):
            self.crawler.stats.inc_value("archiver/crawl_delay/capped")
            logger.warning("robots.txt of %s asks for a Crawl-delay of %s s, more than ARCHIVER_CRAWL_DELAY_MAX: "
                           "waiting %s s between its requests instead", key, asked, delay)
        else:
            logger.info("robots.txt of %s asks for a Crawl-delay of %s s: obeyed", key, asked)


class AutoThrottle(FlooredAutoThrottle):
    """Scrapy's AutoThrottle, keeping each slot at or above its floor."""

    def adjusted(self, key: str, slot: Any) -> None:
        slot.delay = max(slot.delay, slot_floor(self.crawler, key))


def retry_after_seconds(value: bytes | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isascii() and text.isdigit():  # str.isdigit() takes "²" and other digits float() refuses
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class RetryAfterMiddleware:
    """Honour ``Retry-After`` on 429 and 503: pause the site's slot, then retry."""

    def __init__(self, crawler: Crawler, max_wait: float):
        self.crawler = crawler
        self.max_wait = max_wait
        self.shared = ArchiveExtension.of(crawler).shared  # None: a crawl of one process
        self.away: dict[str, str] = {}  # slot -> why its requests are not sent in this crawl

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RetryAfterMiddleware":
        return cls(crawler, ArchiverConfig.from_crawler(crawler).retry_after_max)

    async def process_request(self, request: Request) -> None:
        """A site that asked to be left alone is not asked again; in a distributed crawl, wait out a pause
        another worker was asked for (at most ``ARCHIVER_RETRY_AFTER_MAX``, whatever Redis holds)."""
        key = self.crawler.engine.downloader.get_slot_key(request)
        if key in self.away:
            raise HostAway(self.away[key])
        if self.shared is None:
            return None
        wait = min(self.shared.paused_for(key), self.max_wait)
        if wait > 0:
            await maybe_deferred_to_future(task.deferLater(reactor, wait))
        return None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in RETRY_AFTER_STATUSES or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            return response  # Scrapy's RetryMiddleware decides
        if wait > self.max_wait:
            request.meta["dont_retry"] = True  # not by Scrapy's RetryMiddleware either
            self.skip_site(request, response.status, wait)
            return response
        retry = get_retry_request(request, spider=self.crawler.spider, reason=f"{response.status} Retry-After {wait:.0f}s")
        if retry is None:
            return response
        self.pause(request, wait)
        self.crawler.stats.inc_value("archiver/retry_after")
        return retry

    def skip_site(self, request: Request, status: int, wait: float) -> None:
        """The site asked to be left alone longer than we wait: none of its requests go in this crawl."""
        key = self.crawler.engine.downloader.get_slot_key(request)
        if key in self.away:
            return
        self.away[key] = (f"{key} asked to be left alone for {wait:.0f} s (Retry-After), more than "
                          f"ARCHIVER_RETRY_AFTER_MAX ({self.max_wait:.0f} s): not fetched in this crawl")
        self.crawler.stats.inc_value("archiver/retry_after/skipped")
        if self.shared is not None:  # the other workers hold off as long as we would wait, then hear it themselves
            self.shared.pause(key, self.max_wait)
        logger.warning("%s answered %s with Retry-After %.0f s, more than ARCHIVER_RETRY_AFTER_MAX (%.0f s): "
                       "not retried, and no other request goes to %s in this crawl (the next crawl tries "
                       "them again)", request.url, status, wait, self.max_wait, key)

    def pause(self, request: Request, seconds: float) -> None:
        """Hold every request to this request's download slot for ``seconds``."""
        key = pause_slot(self.crawler, request, seconds)
        if self.shared is not None:
            self.shared.pause(key, seconds)
        logger.info("%s answered %s: pausing requests to %s for %.1f s", request.url, "Retry-After", key, seconds)
