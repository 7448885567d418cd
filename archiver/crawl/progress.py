"""What a crawl says while it runs and when it ends.

While it runs: on a terminal, one live line redrawn every second (a
carriage return, never a log line); in a log (cron, scrapyd, a pipe), a
``Progress:`` line every ``ARCHIVER_PROGRESS_INTERVAL`` seconds.  When it
ends: the crawl's report (:mod:`.report`).  ``ARCHIVER_QUIET=1`` keeps the
log to warnings, errors and the report.  Everything here runs on the
reactor thread.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path
from typing import Any, Mapping

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.spiders import Spider
from twisted.internet.task import LoopingCall

from archiver.config import ArchiverConfig
from archiver.crawl.extension import archive_closed
from archiver.crawl.report import REPORT_LOGGER, summary

logger = logging.getLogger(__name__)
report_logger = logging.getLogger(REPORT_LOGGER)
LIVE_INTERVAL = 1.0  # seconds between redraws of the live line


class QuietLog(logging.Filter):
    """On a log handler: records below WARNING are dropped, but the crawl's report."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name == REPORT_LOGGER


class LiveLine(logging.Filter):
    """The live progress line on a terminal; on its log handler, it clears the line before a record is written."""

    def __init__(self, stream: Any):
        super().__init__()
        self.stream = stream
        self.shown = False

    def show(self, text: str) -> None:
        width = shutil.get_terminal_size().columns - 1  # a wrapped line would not be redrawn in place
        self.stream.write("\r" + text[:width] + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False

    def filter(self, record: logging.LogRecord) -> bool:
        self.clear()
        return True


def _log_handlers() -> list[logging.Handler]:
    """The handlers that write the log (Scrapy's root handler), not those that count it."""
    return [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]


class ProgressLog:
    """The progress line (live on a terminal, every ``ARCHIVER_PROGRESS_INTERVAL`` in a log) and the crawl's report."""

    def __init__(self, crawler: Crawler, interval: float, quiet: bool, live: LiveLine | None):
        self.crawler = crawler
        self.interval = interval
        self.live = live
        self.quiet = quiet
        self._task: LoopingCall | None = None
        self._last_pages = 0
        self._filters: list[tuple[logging.Handler, logging.Filter]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ProgressLog":
        config = ArchiverConfig.from_crawler(crawler)
        live = None
        if config.progress_interval and not config.quiet and sys.stderr.isatty():
            live = LiveLine(sys.stderr)
        extension = cls(crawler, config.progress_interval, config.quiet, live)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.archive_closed, signal=archive_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def _filter_log(self) -> None:
        for handler in _log_handlers():
            if self.quiet:
                self._add(handler, QuietLog())
            if self.live is not None and getattr(handler, "stream", None) is self.live.stream:
                self._add(handler, self.live)

    def _add(self, handler: logging.Handler, log_filter: logging.Filter) -> None:
        handler.addFilter(log_filter)
        self._filters.append((handler, log_filter))

    def spider_opened(self, spider: Spider) -> None:
        self._filter_log()  # not before: the crawler replaces Scrapy's log handler until the engine starts
        if self.quiet or not self.interval:
            return
        if self.live is not None:
            self._task = LoopingCall(self.show)
            self._task.start(LIVE_INTERVAL, now=False)
        else:
            self._task = LoopingCall(self.log)
            self._task.start(self.interval, now=False)

    def _counts(self) -> tuple[int, int, int, int, int, int]:
        stats = self.crawler.stats
        queued = stats.get_value("scheduler/enqueued", 0) - stats.get_value("scheduler/dequeued", 0)
        return (stats.get_value("archiver/fetched", 0), queued, stats.get_value("archiver/articles", 0),
                stats.get_value("archiver/found", 0), stats.get_value("archiver/skipped/archived", 0),
                stats.get_value("archiver/failed", 0))

    def log(self) -> None:
        """One progress line in the log."""
        pages, queued, archived, found, skipped, failed = self._counts()
        rate = (pages - self._last_pages) * 60.0 / self.interval
        self._last_pages = pages
        logger.info("Progress: %.0f pages/min, %d queued, %d archived (%d found, %d already archived, %d failed)",
                    rate, queued, archived, found, skipped, failed)

    def show(self) -> None:
        """The live line on the terminal, redrawn in place."""
        assert self.live is not None
        pages, queued, archived, found, skipped, failed = self._counts()
        self.live.show(f"Crawling: {pages} pages fetched, {queued} queued, {archived} archived, "
                       f"{skipped} already archived, {failed} failed")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()
        if self.live is not None:
            self.live.clear()

    def archive_closed(self, crawl_id: int, stats: Mapping[str, Any], failures: Any) -> None:
        """The crawl's report."""
        config = ArchiverConfig.from_crawler(self.crawler)
        lines = summary(stats, failures, self.crawler.spidercls.name, Path(config.db).resolve(),
                        Path(config.warc_dir).resolve())
        report_logger.info("\n".join(lines))

    def engine_stopped(self) -> None:
        """The log as it was (a process may run several crawls)."""
        for handler, log_filter in self._filters:
            handler.removeFilter(log_filter)
        self._filters.clear()
