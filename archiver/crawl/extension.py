"""The crawl's archive, the Scrapy way: one extension that other components find with ``crawler.get_extension``.

:class:`ArchiveExtension` is thin: it takes the crawl lock, opens the archive
service (:class:`~archiver.archive.service.Archive`: the writer on its I/O
thread, after putting right what a killed crawl left, the extraction pool,
the filing thread), keeps the crawl's row, closes everything when the spider
closes or the crawl is killed, and counts failures (the service's too).  The
article pipeline extracts and files through :attr:`service`; the capture
middleware and the spiders run their writes on its I/O thread with :meth:`run`.

Threads: Scrapy's reactor thread runs this class's methods; the writer's run
on ``archiver-io`` (every SQLite statement and WARC write of the crawl).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import tempfile
import time
from concurrent.futures import Future
from datetime import datetime, timezone
from typing import Any, Callable, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.spiders import Spider
from twisted.internet import task

from archiver.config import ArchiverConfig
from archiver.runtime.cpu import CpuMeter
from archiver.runtime.cpu import stats as cpu_stats
from archiver.runtime.pool import Limits
from archiver.distributed.frontier import connect, redis_error, worker_name
from archiver.distributed.hosts import SharedHosts
from archiver.archive.extraction import Extraction
from archiver.archive.lock import CrawlLock
from archiver.archive.service import Archive, Closed, Failures
from archiver.formats.records import CrawlEnd, RecheckState
from archiver.distributed.shared import SharedState
from archiver.formats.warc import WarcFileWriter
from archiver.archive.writer import ArchiveWriter, FilingRules
from archiver.errors import ConfigError
from archiver.extract import SiteRules

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Sent on the reactor thread once the crawl's row is closed, with ``crawl_id``, ``stats`` and ``failures``
# (:func:`archiver.storage.status.crawl_failures`, None if the database could not say): the crawl's report.
archive_closed = object()


class ArchiveExtension:
    """The crawl's lock, I/O thread, archive writer and ``crawls`` row."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = ArchiverConfig.from_crawler(crawler)
        self.site_rules: dict[str, SiteRules] = {}
        self._sources: dict[str, tuple[str, datetime | None]] = {}
        self._failures = Failures(logger)  # logs the first failure of each kind with its traceback
        self._closed = False
        self.failures: dict[str, list[tuple[str, int]]] | None = None  # read as the crawl ends
        self._reactor_cpu = time.thread_time()  # reset when the spider opens
        # First of all, before the database is opened: a second crawl of this
        # spider on this archive stops here (CrawlBusyError), having touched nothing.
        self._lock = CrawlLock(self.config.db, crawler.spidercls.name) if self.config.lock else None
        if self._lock is not None:
            self._lock.acquire()
        try:
            self.shared = self._connect_shared()
            # per host: in-flight slots, send times, robots.txt (archiver/crawl/hosts.py)
            self.hosts = (SharedHosts(self.shared.client, worker_name(), self.config.worker_timeout)
                          if self.shared else None)
            self._check_warc_dir()
            self.service = self._open_archive(crawler)
        except BaseException:
            self._release_lock()
            raise
        self.io = self.service.io  # for the captures', sources' and retries' writes (run)
        self.site_rules = self.service.site_rules

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArchiveExtension":
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        from twisted.internet import reactor

        # A second Ctrl-C stops the reactor without spider_closed: still close
        # the WARC file and the crawl's row.
        reactor.addSystemEventTrigger("before", "shutdown", extension.killed)
        return extension

    @staticmethod
    def of(crawler: Crawler) -> "ArchiveExtension":
        """The crawl's archive extension (for components built by ``from_crawler``)."""
        extension = crawler.get_extension(ArchiveExtension)
        if extension is None:
            raise ConfigError("archiver.crawl.extension.ArchiveExtension is missing from EXTENSIONS; "
                              "add it back (see archiver/settings.py).")
        return extension

    # life cycle (reactor thread) ----------------------------------------------

    def _open_archive(self, crawler: Crawler) -> Archive:
        config = self.config
        # Workers of a distributed crawl may share a WARC directory: their names never collide.
        prefix = f"{config.warc_prefix}-{worker_name()}" if config.frontier else config.warc_prefix
        info = {"robots": "obey" if crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "http-header-user-agent": crawler.settings.get("USER_AGENT", "")}

        def warc(cpu: CpuMeter) -> WarcFileWriter:  # made on the I/O thread, its CPU counted there
            return WarcFileWriter(config.warc_dir, prefix, config.warc_max_size, info=info, cpu=cpu)

        try:
            service = Archive(
                config.db, rules=FilingRules(chrome_stories=config.chrome_pages, recheck=config.recheck),
                extraction=Extraction(config.extract_workers, Limits(config.extract_timeout, config.extract_memory),
                                      config.extractor, config.vote, config.extract_max_bytes),
                warc=warc, warc_dir=config.warc_dir, report=self._report_from_thread)
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(
                f"Cannot open the archive database {config.db} ({exc}); set ARCHIVER_DB to a writable SQLite file path."
            ) from None
        if service.recovered:
            logger.warning("After an earlier crash: %s", service.recovered.summary())
        return service

    @property
    def writer(self) -> ArchiveWriter:
        """The archive writer: its methods run on the I/O thread only (:meth:`run`)."""
        return self.service.writer

    def _connect_shared(self) -> SharedState | None:
        if not self.config.frontier:
            return None
        client = connect(self.config.frontier)
        try:
            client.ping()
        except redis_error() as exc:
            raise ConfigError(f"Cannot reach the frontier at {self.config.frontier} ({exc}); start redis-server "
                              "there or set ARCHIVER_FRONTIER to a Redis server this machine reaches.") from None
        return SharedState(client)

    def _check_warc_dir(self) -> None:
        directory = self.config.warc_dir
        try:
            directory.mkdir(parents=True, exist_ok=True)
            # a name of its own: workers of a distributed crawl starting together probe one directory
            with tempfile.NamedTemporaryFile(dir=directory, prefix=".archiver-write-test-"):
                pass
        except OSError as exc:
            raise ConfigError(
                f"Cannot write WARC files in {directory} ({exc.strerror or exc}); "
                "set ARCHIVER_WARC_DIR to a writable directory."
            ) from None

    async def spider_opened(self, spider: Spider) -> None:
        args = getattr(spider, "archiver_args", {})
        crawl_id = await self.run(self.writer.start_crawl, spider.name, args)
        for problem in self.service.rule_problems:
            logger.error(problem)
        self.stats.set_value("archiver/crawl_id", crawl_id)
        self._reactor_cpu = time.thread_time()  # the reactor thread's CPU so far: start-up, not the crawl
        if self.hosts is not None:  # the host slots this worker takes stay taken while it beats
            self._beat = task.LoopingCall(self._host_beat)
            self._beat.start(min(10.0, max(0.2, self.config.worker_timeout / 4)))
        logger.info("Archiving crawl %s into %s (WARC files in %s)", crawl_id, self.config.db, self.config.warc_dir)

    def _end(self, reason: str) -> CrawlEnd:
        """How the crawl ended: its stats (its counters are read from them) and its sources."""
        self.stats.set_value("archiver/cpu_ms/reactor", round((time.thread_time() - self._reactor_cpu) * 1000))
        stats = dict(self.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        return CrawlEnd(reason, stats, dict(self._sources))

    def _closed_signal(self, end: CrawlEnd, closed: Closed) -> None:
        """The stats the archive's threads counted, then the crawl's report."""
        self.stats.set_value("archiver/warc/files", closed.warc_files)
        for thread, seconds in closed.cpu.items():
            for name, value in cpu_stats(seconds, f"archiver/cpu_ms/{thread}/").items():
                self.stats.set_value(name, value)
        self.failures = closed.failures
        self.crawler.signals.send_catch_log(archive_closed, crawl_id=self.service.crawl_id, stats=end.stats,
                                            failures=self.failures)

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._closed:
            return
        self._closed = True
        self._leave()
        end = self._end(reason)
        try:
            closed = await asyncio.wrap_future(self.service.close(end))
        finally:
            self._release_lock()
        self._closed_signal(end, closed)

    def killed(self) -> None:
        """The reactor is stopping without spider_closed (a second Ctrl-C): close what is open, now."""
        if self._closed or not self.service.alive:
            return
        self._closed = True
        logger.warning("Crawl %s killed: closing its WARC file and its crawls row", self.service.crawl_id)
        end = self._end("killed")
        try:
            closed = self.service.close(end, cancel=True).result(timeout=60)
        finally:
            self._release_lock()
        self._closed_signal(end, closed)

    def _host_beat(self) -> None:
        assert self.hosts is not None
        try:
            self.hosts.beat()
        except redis_error() as exc:  # the next beat tries again
            logger.warning("Shared hosts: heartbeat failed (%s)", exc)

    def _leave(self) -> None:
        """A distributed crawl: the host slots this worker may still hold are free for the others."""
        if self.hosts is None:
            return
        if getattr(self, "_beat", None) is not None and self._beat.running:
            self._beat.stop()
        try:
            self.hosts.leave()
        except redis_error() as exc:
            logger.warning("Could not tell Redis this worker stops (%s); its host slots free after "
                           "ARCHIVER_WORKER_TIMEOUT", exc)

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.release()

    # what components use (reactor thread) ------------------------------------

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` (a writer method) on the I/O thread and wait until it is committed."""
        return await self.io.run(function, *args)

    async def attempt(self, kind: str, function: Callable[..., T], *args: Any) -> T | None:
        """:meth:`run`, but a database failure is reported (see :meth:`report`) and gives None: the crawl goes on."""
        try:
            return await self.run(function, *args)
        except sqlite3.Error as exc:
            self.report(kind, exc)
            return None

    @staticmethod
    async def done(future: "Future[T]") -> T | None:
        """An archive service's future, awaited on the reactor; None when it failed (the service reported it: logged
        the first time with its traceback, counted in ``archiver/errors/KIND``): the crawl goes on."""
        try:
            return await asyncio.wrap_future(future)
        except Exception:  # noqa: BLE001 - reported once, by the service
            return None

    def _report_from_thread(self, kind: str, exc: BaseException) -> None:
        """The archive service's failures (a write nobody waited on, a filing, an extraction's bug), from its threads:
        reported on the reactor thread, as every failure."""
        from twisted.internet import reactor

        reactor.callFromThread(self.report, kind, exc)

    def report(self, kind: str, exc: BaseException) -> None:
        """Count a failure the crawl goes on after; log the first of each kind with its traceback, the rest briefly."""
        self.stats.inc_value(f"archiver/errors/{kind}")
        self._failures(kind, exc)

    # what every worker of a distributed crawl shares (the archive alone otherwise) ----

    async def recheck_states(self, urls: list[str]) -> dict[str, RecheckState | None]:
        """Whether each URL is archived, when its re-check is due, and its validators: this shard's, or all workers'."""
        return await self.run(self._recheck_states, urls)

    def _recheck_states(self, urls: list[str]) -> dict[str, RecheckState | None]:
        local = self.writer.recheck_states(urls)
        if self.shared is None:
            return local
        return {url: self.shared.recheck_state(url, state) for url, state in local.items()}

    async def due_urls(self, site: str) -> list[str]:
        """Archived article URLs of a site whose re-check is due (archived by any worker)."""
        return await self.run(self._due_urls, site)

    def _due_urls(self, site: str) -> list[str]:
        found = self.writer.due_urls(site)
        if self.shared is not None:
            found = list(dict.fromkeys(found + self.shared.due_urls(site, datetime.now(timezone.utc), 10_000)))
        return found

    async def publish(self, url: str) -> None:
        """After filing a URL: tell the other workers its re-check state (a distributed crawl only)."""
        if self.shared is not None:
            await self.attempt("storage", self._publish, url)

    def _publish(self, url: str) -> None:
        assert self.shared is not None
        self.shared.publish(url, self.writer.recheck_states([url])[url])

    def note_source(self, url: str, kind: str, newest: datetime | None) -> None:
        """Remember a source read in this crawl and the newest entry date it listed (its watermark, if the crawl finishes)."""
        _, known = self._sources.get(url, (kind, None))
        if known is not None and (newest is None or known > newest):
            newest = known
        self._sources[url] = (kind, newest)
