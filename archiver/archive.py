"""One crawl's archive: the WARC files and the database, behind one I/O thread.

Every component of a crawl (the capture middleware, the article pipeline)
reaches the same :class:`Archive` through :meth:`Archive.of`.  WARC writing
(gzip compression included) and SQLite writes run on the archive's
:class:`~archiver.iothread.IOThread`, in order and committed in batches, so
the reactor thread never waits on a disk, zlib or SQLite.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import datetime, timezone
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.spiders import Spider

from .config import ArchiverConfig
from .errors import ConfigError, WarcError
from .extraction import Article, SiteRules, site_rules
from .iothread import IOThread
from .dates import iso_utc, parse_date
from .lock import CrawlLock
from .stories import Signature
from .storage import CRAWL_COUNTERS, Storage
from .versions import compare, fingerprint
from .warc import HttpExchange, RecordLocation, RefersTo, WarcFileWriter

logger = logging.getLogger(__name__)
T = TypeVar("T")

# crawls counter -> the stat it is read from at the end of the crawl
COUNTER_STATS = {
    "found": "archiver/found",
    "fetched": "archiver/fetched",
    "new": "archiver/articles/new",
    "skipped_archived": "archiver/skipped/archived",
    "skipped_old": "archiver/skipped/old",
    "skipped_robots": "robotstxt/forbidden",
    "failed": "archiver/failed",
}
assert set(COUNTER_STATS) == set(CRAWL_COUNTERS)
# how an article was filed -> its stat
STORY_STATS = {"copy": "archiver/stories/copies", "joined": "archiver/stories/joined", "new": "archiver/stories/new"}


class Archive:
    """The WARC writer, the database and the crawl's row, for one crawler."""

    _instances: "WeakKeyDictionary[Crawler, Archive]" = WeakKeyDictionary()

    @classmethod
    def of(cls, crawler: Crawler) -> "Archive":
        """The crawler's archive, created (and its settings validated) on first use."""
        if crawler not in cls._instances:
            cls._instances[crawler] = cls(crawler)
        return cls._instances[crawler]

    def __init__(self, crawler: Crawler):
        self.config = ArchiverConfig.from_crawler(crawler)
        # First of all, before the database is opened: a second crawl of this
        # spider on this archive stops here (CrawlBusyError), having touched nothing.
        self._lock = CrawlLock(self.config.db, crawler.spidercls.name) if self.config.lock else None
        if self._lock is not None:
            self._lock.acquire()
        try:
            self._start(crawler)
        except BaseException:
            self._release_lock()
            raise

    def _start(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.crawl_id: int | None = None
        self._warc = WarcFileWriter(
            self.config.warc_dir,
            self.config.warc_prefix,
            self.config.warc_max_size,
            info={"robots": "obey" if crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                  "http-header-user-agent": crawler.settings.get("USER_AGENT", "")},
        )
        self._io = IOThread("archiver-io", flush=self._commit)
        self._storage: Storage | None = None
        self._reported: set[str] = set()
        self._sources: dict[str, tuple[str, datetime | None]] = {}
        self.site_rules: dict[str, SiteRules] = {}
        # Open the database now, before the crawl starts, so that a bad
        # ARCHIVER_DB stops the crawl with one sentence instead of failing
        # every capture.
        self._io.submit(self._open_storage).result()
        self._check_warc_dir()
        crawler.signals.connect(self._spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)
        self._closed = False
        from twisted.internet import reactor

        # A second Ctrl-C stops the reactor without spider_closed: still close
        # the WARC file and the crawl's row.
        reactor.addSystemEventTrigger("before", "shutdown", self._killed)

    # life cycle -----------------------------------------------------------

    def _commit(self) -> None:
        if self._storage is not None:
            self._storage.commit()

    def _open_storage(self) -> None:
        try:
            self._storage = Storage(self.config.db)
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(
                f"Cannot open the archive database {self.config.db} ({exc}); "
                "set ARCHIVER_DB to a writable SQLite file path."
            ) from None

    def _check_warc_dir(self) -> None:
        directory = self.config.warc_dir
        try:
            directory.mkdir(parents=True, exist_ok=True)
            probe = directory / ".archiver-write-test"
            probe.touch()
            probe.unlink()
        except OSError as exc:
            raise ConfigError(
                f"Cannot write WARC files in {directory} ({exc.strerror or exc}); "
                "set ARCHIVER_WARC_DIR to a writable directory."
            ) from None

    async def _spider_opened(self, spider: Spider) -> None:
        args = getattr(spider, "archiver_args", {})
        self.crawl_id = await self.run(self._storage_call, "start_crawl", spider.name, args, iso_utc())
        self.site_rules, problems = site_rules(await self.run(self._storage_call, "site_rules"))
        for problem in problems:
            logger.error(problem)
        self.stats.set_value("archiver/crawl_id", self.crawl_id)
        logger.info(
            "Archiving crawl %s into %s (WARC files in %s)", self.crawl_id, self.config.db, self.config.warc_dir
        )

    def _final_stats(self, reason: str) -> dict[str, Any]:
        self.stats.set_value("archiver/warc/files", len(self._warc.closed_files) + (1 if self._warc.current_filename else 0))
        stats = dict(self.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        return stats

    async def _spider_closed(self, spider: Spider, reason: str) -> None:
        self._closed = True
        await self.run(self._close, reason, self._final_stats(reason))
        self._io.shutdown()

    def _killed(self) -> None:
        if self._closed or self.crawl_id is None:
            return
        self._closed = True
        logger.warning("Crawl %s killed: closing its WARC file and its crawls row", self.crawl_id)
        self._io.submit(self._close, "killed", self._final_stats("killed")).result(timeout=60)

    def _close(self, reason: str, stats: dict[str, Any]) -> None:
        assert self._storage is not None
        try:
            self._warc.close()
        finally:
            if self.crawl_id is not None:
                counters = {column: int(stats.get(stat, 0)) for column, stat in COUNTER_STATS.items()}
                self._storage.finish_crawl(self.crawl_id, iso_utc(), reason, stats, counters)
                # Watermarks move only after a complete crawl, so that what an
                # interrupted one missed is fetched next time.
                if reason == "finished":
                    for url, (kind, newest) in self._sources.items():
                        self._storage.save_source(url, kind, iso_utc(newest, "auto") if newest else None, self.crawl_id, iso_utc())
            self._storage.close()
            self._storage = None
            self._release_lock()

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.release()

    # work on the I/O thread -------------------------------------------------

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` on the archive's I/O thread and wait for it."""
        return await asyncio.wrap_future(self._io.submit(function, *args))

    def _storage_call(self, method: str, *args: Any) -> Any:
        assert self._storage is not None
        return getattr(self._storage, method)(*args)

    def report(self, kind: str, exc: BaseException) -> None:
        """Count a side-effect failure; log the first of each kind (the crawl goes on)."""
        self.stats.inc_value(f"archiver/errors/{kind}")
        if kind not in self._reported:
            self._reported.add(kind)
            logger.error("archiver %s error (logged once, counted in archiver/errors/%s): %s", kind, kind, exc)

    async def record_capture(
        self, row: dict[str, Any], exchange: HttpExchange | None, previous: dict[str, Any] | None = None
    ) -> tuple[int | None, str | None]:
        """Write the exchange's WARC records (if any) and its ``captures`` row.

        ``previous`` is the capture holding the URL's last archived bytes (a
        re-check): an unchanged response is then written as a revisit record.
        Returns the row id and the revisit profile (None for a full record).
        """
        refers_to = None
        if previous is not None and exchange is not None:
            refers_to = RefersTo(previous["record_id"], previous["url"], parse_date(previous["fetched_at"]) or exchange.fetched_at,
                                 previous["payload_digest"])
        try:
            capture_id, location, warc_error = await self.run(
                self._record_capture, row, exchange, refers_to, previous["capture_id"] if previous else None
            )
        except sqlite3.Error as exc:
            self.report("storage", exc)
            return None, None
        if warc_error is not None:
            self.report("warc", warc_error)
        self.stats.inc_value("archiver/captures")
        if exchange is not None:
            self.stats.inc_value("archiver/fetched")
        if location is not None:
            self.stats.set_value("archiver/warc/records", self._warc.records_written)
            self.stats.set_value("archiver/warc/bytes", self._warc.bytes_written)
            if location.revisit:
                self.stats.inc_value(f"archiver/revisits/{location.revisit}")
        return capture_id, location.revisit if location else None

    def _record_capture(
        self, row: dict[str, Any], exchange: HttpExchange | None, refers_to: RefersTo | None, previous_id: int | None
    ) -> tuple[int, RecordLocation | None, WarcError | None]:
        location = warc_error = None
        if exchange is not None:
            try:
                location = self._warc.write_exchange(exchange, refers_to)
            except WarcError as exc:
                warc_error = exc
                row["error"] = f"WARC record not written: {exc}"
            else:
                row.update(
                    warc_filename=location.filename,
                    warc_offset=location.offset,
                    warc_length=location.length,
                    warc_record_id=location.record_id,
                    payload_digest=location.payload_digest,
                )
                if location.revisit:
                    row.update(revisit=location.revisit, revisit_of=previous_id)
        capture_id = self._storage_call("add_capture", {**row, "crawl_id": self.crawl_id})
        return capture_id, location, warc_error

    async def note_no_article(self, capture_id: int | None, reason: str) -> None:
        """Say on the capture's row why it gave no article."""
        self.stats.inc_value("archiver/articles/none")
        if capture_id is None:
            return
        try:
            await self.run(self._storage_call, "set_capture_error", capture_id, f"no article: {reason}")
        except sqlite3.Error as exc:
            self.report("storage", exc)

    async def save_article(
        self, url: str, capture_id: int | None, article: Article, hints: dict[str, Any] | None = None
    ) -> None:
        """Store an extracted article as its URL's latest text, with the hints its source gave.

        A text or title that changed (once normalized) becomes a new version
        with its diff; a cosmetic change is counted on the current version.
        """
        row = {"url": url, "capture_id": capture_id, **article.as_row(), "hints": hints}
        try:
            new, outcome, filed = await self.run(self._save_article, row, article.signature)
        except sqlite3.Error as exc:
            self.report("storage", exc)
            return
        self.stats.inc_value("archiver/articles")
        if new:
            self.stats.inc_value("archiver/articles/new")
        elif outcome != "same":
            self.stats.inc_value(f"archiver/versions/{outcome}")
        if filed is not None:
            self.stats.inc_value(STORY_STATS[filed])

    def _save_article(self, row: dict[str, Any], signature: Signature) -> tuple[bool, str, str | None]:
        """On the I/O thread: the article, its story, its version, its next check.

        Returns whether the URL is new, what changed, and how the article was filed in a story.
        """
        assert self._storage is not None
        now = datetime.now(timezone.utc)
        new, filed = self._storage.save_filed_article(row, signature)
        current = self._storage.current_version(row["url"])
        print_ = fingerprint(row["title"], row["text"])
        if current is not None and fingerprint(current["title"], current["text"]) == print_:
            outcome = "same" if (current["title"], current["text"]) == (row["title"], row["text"]) else "cosmetic"
            self._storage.saw_version_again(current["id"], iso_utc(now), outcome == "cosmetic")
        else:
            outcome = "new" if current is None else "changed"
            change = compare(current["title"], current["text"], row["title"], row["text"]) if current else None
            self._storage.add_version({
                "url": row["url"], "number": current["number"] + 1 if current else 1, "capture_id": row["capture_id"],
                "title": row["title"], "text": row["text"], "fingerprint": print_,
                "metadata": {k: row.get(k) for k in ("author", "authors", "date", "sitename", "language", "description")},
                "first_seen": iso_utc(now), "last_seen": iso_utc(now),
                "words_added": change.words_added if change else None,
                "words_removed": change.words_removed if change else None,
                "diff": change.diff if change else None,
            })
        self._checked(row["url"], now, outcome == "changed")
        return new, outcome, filed

    def _checked(self, url: str, now: datetime, changed: bool) -> None:
        """Record the fetch and schedule the next check: by the article's age (publication, else first seen)."""
        assert self._storage is not None
        published, first_seen = self._storage.article_dates(url)
        born = parse_date(published) or parse_date(first_seen) or now
        next_check = self.config.recheck.next_check(now, min(born, now), changed)
        self._storage.set_checked(url, iso_utc(now), iso_utc(next_check) if next_check else None, changed)

    async def note_unchanged(self, url: str) -> None:
        """A re-check found the archived bytes unchanged (304 or the same payload): schedule the next one."""
        self.stats.inc_value("archiver/rechecks/unchanged")
        try:
            await self.run(self._unchanged, url)
        except sqlite3.Error as exc:
            self.report("storage", exc)

    def _unchanged(self, url: str) -> None:
        assert self._storage is not None
        now = datetime.now(timezone.utc)
        current = self._storage.current_version(url)
        if current is not None:
            self._storage.saw_version_again(current["id"], iso_utc(now), cosmetic=False)
        self._checked(url, now, changed=False)

    async def recheck_state(self, url: str) -> dict[str, Any] | None:
        """None for a URL with no article yet; else its re-check state, ``due`` included."""
        state = await self.run(self._storage_call, "recheck_state", url)
        if state is not None:
            state["due"] = state["next_check_at"] is not None and state["next_check_at"] <= iso_utc()
        return state

    async def due_urls(self, site: str, limit: int = 10_000) -> list[str]:
        """Archived article URLs of a site whose re-check is due."""
        return await self.run(self._storage_call, "due_urls", site, iso_utc(), limit)

    async def without_site_chrome(self, url: str, article: Article) -> Article:
        """Count the article's blocks for its site and drop those the site repeats on many pages."""
        threshold = self.config.chrome_pages
        if not threshold:
            return article
        site = urlsplit(url).hostname or ""
        try:
            chrome = await self.run(self._storage_call, "learn_blocks", site, url, article.blocks, iso_utc(), threshold)
        except sqlite3.Error as exc:
            self.report("storage", exc)
            return article
        if not chrome:
            return article
        cleaned = article.without_blocks(chrome)
        self.stats.inc_value("archiver/chrome/blocks_dropped", len(article.blocks) - len(cleaned.blocks))
        return cleaned

    # incremental crawls -----------------------------------------------------

    async def watermark(self, url: str) -> datetime | None:
        """The newest entry date an earlier complete crawl saw at this sitemap or feed."""
        value = await self.run(self._storage_call, "watermark", url)
        return parse_date(value)

    def note_source(self, url: str, kind: str, newest: datetime | None) -> None:
        """Remember a source read in this crawl and the newest entry date it listed."""
        _, known = self._sources.get(url, (kind, None))
        if known is not None and (newest is None or known > newest):
            newest = known
        self._sources[url] = (kind, newest)

