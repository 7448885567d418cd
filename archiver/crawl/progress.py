"""A progress line every minute: pages a minute, requests queued, articles archived."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.spiders import Spider
from twisted.internet.task import LoopingCall

from ..config import ArchiverConfig

logger = logging.getLogger(__name__)


class ProgressLog:
    """Logs ``Progress: N pages/min, Q queued, A archived (…)`` every ``ARCHIVER_PROGRESS_INTERVAL`` seconds."""

    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self._task: LoopingCall | None = None
        self._last_pages = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ProgressLog":
        interval = ArchiverConfig.from_crawler(crawler).progress_interval
        if not interval:
            raise NotConfigured
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self._task = LoopingCall(self.log)
        self._task.start(self.interval, now=False)

    def log(self) -> None:
        """One progress line (also called once at the end of the crawl)."""
        stats = self.crawler.stats
        pages = stats.get_value("archiver/fetched", 0)
        rate = (pages - self._last_pages) * 60.0 / self.interval
        self._last_pages = pages
        queued = stats.get_value("scheduler/enqueued", 0) - stats.get_value("scheduler/dequeued", 0)
        logger.info(
            "Progress: %.0f pages/min, %d queued, %d archived (%d found, %d already archived, %d failed)",
            rate, queued, stats.get_value("archiver/articles", 0), stats.get_value("archiver/found", 0),
            stats.get_value("archiver/skipped/archived", 0), stats.get_value("archiver/failed", 0),
        )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()
