"""The article pipeline: clean text out of each captured page, filed in the archive.

Threads and processes, per page:

- decoding the page's bytes and extraction (CPU-bound) run in worker processes (:class:`archiver.core.pool.BoundedPool`,
  ``ARCHIVER_EXTRACT_WORKERS``, the machine's cores by default; 0 runs it in a
  thread instead; each page bounded by ``ARCHIVER_EXTRACT_TIMEOUT`` and
  ``ARCHIVER_EXTRACT_MEMORY``, its watchdog on the ``archiver-watchdog``
  thread) while the reactor goes on downloading.  At most
  ``3 x workers`` pages are handed to the pool at once; the others wait here
  with their responses, and Scrapy stops scheduling downloads once the
  responses waiting in its scraper pass ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``
  (1 MB in archiver/settings.py): a bounded queue with back-pressure, so memory stays flat;
- filing (site chrome memory, the row, its version, its next check) runs on
  the archive's I/O thread;
- a new version's diff runs on the ``archiver-cpu`` thread;
- the story runs on the I/O thread in one call: reading the candidates,
  scoring them (a fraction of a millisecond a page) and writing the
  decision, then reading the row back as filed.  The I/O thread runs one
  call at a time, in order, so stories are filed one article at a time,
  in the order the articles were filed, and the groups do not depend on
  which page finished first.  (Done in four steps on three threads under
  a lock, it held each article for four hand-offs between threads: the
  crawl filed no faster than those hand-offs, a quarter of a core idle.)
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, TypeVar
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from ..core.cpu import CpuMeter
from ..core.cpu import stats as cpu_stats
from ..core.pool import BoundedPool, Limits, MemoryLimitExceeded, TimeLimitExceeded, WorkerDied
from ..core.records import Saved
from ..core.similarity import decide
from ..core.versions import compare
from ..extract import Article, NoArticle, extract_page, rules_for
from ..extract.embedded import EmptyShell
from .extension import ArchiveExtension
from .items import ArchivedPage, ArticleItem
from .render import Renderer, renderer_of

T = TypeVar("T")
STORY_STATS = {"copy": "archiver/stories/copies", "joined": "archiver/stories/joined", "new": "archiver/stories/new"}


def _dropped(item: ArchivedPage, reason: str) -> DropItem:
    """Keeps a page without an article out of feed exports, logged at DEBUG: it is no error (its row says why)."""
    return DropItem(f"{item.url} gave no article: {reason}", log_level="DEBUG")


class ArticlePipeline:
    """Extracts each :class:`ArchivedPage` and files its article, or says why there is none.

    Returns the :class:`ArticleItem` of each article filed, for feed exports;
    pages without one are dropped.
    """

    def __init__(self, archive: ArchiveExtension, renderer: Renderer):
        self.archive = archive
        self.stats = archive.stats
        self.config = archive.config
        self._pool: BoundedPool | None = None
        self._cpu = ThreadPoolExecutor(1, thread_name_prefix="archiver-cpu")
        self._cpu_meter = CpuMeter()  # the archiver-cpu thread's stages (used on that thread only)
        self._worker_cpu = CpuMeter()  # the workers' stages, as their articles report them (reactor thread)
        # a page for each worker to extract, one waiting in the pool's queue behind it (BoundedPool.AHEAD)
        # and one ready in the pool's watchdog, which hands it on as soon as a page comes back
        self._in_flight = asyncio.Semaphore((2 + BoundedPool.AHEAD) * max(1, self.config.extract_workers))
        self.renderer = renderer

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArticlePipeline":
        return cls(ArchiveExtension.of(crawler), renderer_of(crawler))

    def open_spider(self) -> None:
        self._pool = BoundedPool(self.config.extract_workers,
                                 Limits(self.config.extract_timeout, self.config.extract_memory))

    def close_spider(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
        self._cpu.shutdown(wait=True)
        self.renderer.close()
        for name, value in {**cpu_stats(self._worker_cpu.seconds, "archiver/cpu_ms/extract/"),
                            **cpu_stats(self._cpu_meter.seconds, "archiver/cpu_ms/cpu_thread/")}.items():
            self.stats.set_value(name, value)

    def _on_cpu_thread(self, stage: str, function: Callable[..., T], *args: Any) -> Awaitable[T]:
        """Run ``function(*args)`` on the archiver-cpu thread, its CPU counted under ``stage``."""
        def metered() -> T:
            with self._cpu_meter.stage(stage):
                return function(*args)

        return asyncio.get_running_loop().run_in_executor(self._cpu, metered)

    async def process_item(self, item: Any) -> Any:
        """The page's :class:`ArticleItem`, as filed; a page without one is dropped (quietly: logged at DEBUG)."""
        if not isinstance(item, ArchivedPage):
            return item
        if item.unchanged:
            self.stats.inc_value("archiver/rechecks/unchanged")
            await self.archive.attempt("storage", self.archive.writer.unchanged, item.url)
            await self.archive.publish(item.url)
            raise _dropped(item, "unchanged since it was archived")
        if item.not_article is not None:
            raise _dropped(item, await self.no_article(item, item.not_article))
        if item.body is None:
            raise _dropped(item, await self.no_article(item, f"not HTML ({item.content_type or 'no content type'})"))
        article = await self.extract(item)
        if self.renderer.wanted(item, article):  # an empty shell: a browser renders it (archiver/crawl/render.py)
            item, article = await self.renderer.render(item, article, self.extract)
        if article is None:
            raise _dropped(item, "no article (captures.error says why)")
        row = await self.file(item, article.with_hints(item.hints))
        if row is None:
            raise _dropped(item, "not filed (a later capture holds its URL, or the database failed)")
        return ArticleItem.from_row(row)

    async def no_article(self, item: ArchivedPage, reason: str) -> str:
        """Count a page without an article and say why on its capture row; return why."""
        self.stats.inc_value("archiver/articles/none")
        if item.capture_id is not None:
            await self.archive.attempt("storage", self.archive.writer.no_article, item.capture_id, reason)
        return reason

    async def extract(self, item: ArchivedPage) -> Article | None:
        """The page's article, extracted in a worker process; None (said on the row) when there is none.

        Bounded by the pool (:class:`~archiver.core.pool.BoundedPool`): past
        ``ARCHIVER_EXTRACT_TIMEOUT`` the worker interrupts the extraction
        itself, and a worker stuck in C code past twice that is stopped, the
        pages it held extracted again; past ``ARCHIVER_EXTRACT_MEMORY`` the
        extraction stops with MemoryError.
        """
        assert self._pool is not None and item.body is not None
        rules = rules_for(self.archive.site_rules, urlsplit(item.url).hostname or "")
        try:
            async with self._in_flight:
                article = await asyncio.wrap_future(self._pool.submit(
                    extract_page, item.body, item.content_type, item.url, rules, self.config.extractor,
                    self.config.vote, item.cut_from, self.config.extract_max_bytes))
        except NoArticle as exc:
            item.shell = str(exc) if isinstance(exc, EmptyShell) else None
            await self.no_article(item, str(exc))
        except (TimeLimitExceeded, MemoryLimitExceeded) as exc:
            self.stats.inc_value("archiver/extraction/timeouts" if isinstance(exc, TimeLimitExceeded)
                                 else "archiver/extraction/out_of_memory")
            await self.no_article(item, f"extraction {exc}")
        except WorkerDied as exc:  # out of memory for the system, a crash in lxml: its pool was replaced
            self.archive.report("extraction", exc)
            await self.no_article(item, f"extraction {exc}")
        except Exception as exc:  # a bug in a parser must not stop the crawl
            self.archive.report("extraction", exc)
            await self.no_article(item, f"extraction failed: {type(exc).__name__}: {exc}")
        else:
            self._worker_cpu.add(article.cpu)
            return article
        return None

    async def file(self, item: ArchivedPage, article: Article) -> dict[str, Any] | None:
        """File the article (I/O thread), its diff (CPU thread) and its story (I/O thread); return its row as filed."""
        writer = self.archive.writer
        now = datetime.now(timezone.utc)
        # every step but the last (reading the row back as filed) resolves once it ran: one commit per article
        saved: Saved | None = await self.archive.attempt(
            "storage", writer.article, item.url, item.capture_id, article, item.hints or None, now, durable=False)
        if saved is None:
            return None
        await self.archive.publish(item.url)
        self.stats.inc_value("archiver/articles")
        if saved.chrome_dropped:
            self.stats.inc_value("archiver/chrome/blocks_dropped", saved.chrome_dropped)
        if saved.new:
            self.stats.inc_value("archiver/articles/new")
        elif saved.version != "new":  # changed, cosmetic or same: the crawl's report counts each
            self.stats.inc_value(f"archiver/versions/{saved.version}")
        if saved.pending_diff is not None:
            pending = saved.pending_diff
            change = await self._on_cpu_thread(
                "diff", compare, pending.old_title, pending.old_text, pending.new_title, pending.new_text)
            await self.archive.attempt("storage", writer.set_diff, pending.version_id, change, durable=False)
        if saved.article_id is None:
            return None
        article_id, found_signature = saved.article_id, saved.signature
        stage = self.archive.io.cpu.stage  # the I/O thread's meter, used by a call run there

        def story_and_row() -> tuple[str | None, dict[str, Any] | None, list[sqlite3.Error]]:
            """On the I/O thread: file the story, then read the row (its story id the one this filing gave)."""
            outcome, failures = None, []
            if found_signature is not None:
                try:
                    with stage("story_candidates"):
                        found = writer.story_candidates(article_id, found_signature)
                    with stage("stories"):
                        decision = decide(found)
                    with stage("file_story"):
                        outcome = writer.file_story(decision)
                except sqlite3.Error as exc:  # the row is read back all the same, as it was filed
                    failures.append(exc)
            try:
                with stage("filed"):
                    return outcome, writer.filed(article_id), failures
            except sqlite3.Error as exc:
                return outcome, None, [*failures, exc]

        filed = await self.archive.attempt("storage", story_and_row)  # durable: its commit ends the page's filing
        if filed is None:  # the commit failed (reported)
            return None
        outcome, row, failures = filed
        for exc in failures:
            self.archive.report("storage", exc)
        if outcome is not None:
            self.stats.inc_value(STORY_STATS[outcome])
        return row
