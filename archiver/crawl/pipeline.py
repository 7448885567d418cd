"""The article pipeline: clean text out of each captured page, filed in the archive.

Extraction and filing are the archive service's (:class:`archiver.archive.service.Archive`,
the same unit of work ``reextract`` and ``import`` use); this pipeline awaits
them on the reactor.  Threads and processes, per page:

- decoding the page's bytes and extraction (CPU-bound) run in the service's worker processes
  (:class:`archiver.runtime.pool.BoundedPool`, ``ARCHIVER_EXTRACT_WORKERS``, the machine's cores by default;
  0 runs it in a thread instead; each page bounded by ``ARCHIVER_EXTRACT_TIMEOUT`` and
  ``ARCHIVER_EXTRACT_MEMORY``, its watchdog on the ``archiver-watchdog``
  thread) while the reactor goes on downloading.  At most
  ``3 x workers`` pages are handed to the pool at once; the others wait here
  with their responses, and Scrapy stops scheduling downloads once the
  responses waiting in its scraper pass ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``
  (1 MB in archiver/settings.py): a bounded queue with back-pressure, so memory stays flat;
- filing (site chrome memory, the row, its version, its next check) runs on
  the archive's I/O thread;
- a new version's diff runs on the ``archiver-cpu`` thread; the story (its
  candidates read, scored, the decision written) and the row read back as
  filed run on the I/O thread in one call, so stories are filed one article
  at a time, in the order the articles were handed over, and the groups do
  not depend on which page finished first.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from archiver.archive.extraction import RawPage, Stopped
from archiver.runtime.cpu import CpuMeter
from archiver.runtime.cpu import stats as cpu_stats
from archiver.runtime.pool import MemoryLimitExceeded, TimeLimitExceeded
from archiver.extract import Article, NoArticle
from archiver.extract.embedded import EmptyShell
from archiver.crawl.extension import ArchiveExtension
from archiver.crawl.items import ArchivedPage, ArticleItem
from archiver.crawl.render import Renderer, renderer_of

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
        self.service = archive.service
        self.stats = archive.stats
        self.config = archive.config
        self._worker_cpu = CpuMeter()  # the workers' stages, as their articles report them (reactor thread)
        self._in_flight = asyncio.Semaphore(self.service.pages_ahead)
        self.renderer = renderer

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArticlePipeline":
        return cls(ArchiveExtension.of(crawler), renderer_of(crawler))

    def close_spider(self) -> None:
        """The browser closed; the service's pool and threads close with the archive (ArchiveExtension)."""
        self.renderer.close()
        for name, value in cpu_stats(self._worker_cpu.seconds, "archiver/cpu_ms/extract/").items():
            self.stats.set_value(name, value)

    async def process_item(self, item: Any) -> Any:
        """The page's :class:`ArticleItem`, as filed; a page without one is dropped (quietly: logged at DEBUG)."""
        if not isinstance(item, ArchivedPage):
            return item
        if item.unchanged:
            self.stats.inc_value("archiver/rechecks/unchanged")
            await self.archive.done(self.service.unchanged(item.url))
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
        await self.archive.done(self.service.file(item.url, item.capture_id, NoArticle(reason)))
        return reason

    async def extract(self, item: ArchivedPage) -> Article | None:
        """The page's article, extracted by the archive service; None (said on the row) when there is none.

        Bounded by its pool (:class:`~archiver.runtime.pool.BoundedPool`): past
        ``ARCHIVER_EXTRACT_TIMEOUT`` the worker interrupts the extraction
        itself, and a worker stuck in C code past twice that is stopped, the
        pages it held extracted again; past ``ARCHIVER_EXTRACT_MEMORY`` the
        extraction stops with MemoryError.  A parser's bug or a crashed worker
        is reported by the service (``archiver/errors/extraction``).
        """
        assert item.body is not None
        async with self._in_flight:
            result = await asyncio.wrap_future(self.service.extract(
                RawPage(item.url, item.body, item.content_type, item.cut_from)))
        if isinstance(result, Article):
            self._worker_cpu.add(result.cpu)
            return result
        if isinstance(result, Stopped):
            if isinstance(result.cause, (TimeLimitExceeded, MemoryLimitExceeded)):
                self.stats.inc_value("archiver/extraction/timeouts" if isinstance(result.cause, TimeLimitExceeded)
                                     else "archiver/extraction/out_of_memory")
        else:
            item.shell = str(result) if isinstance(result, EmptyShell) else None
        await self.no_article(item, str(result))
        return None

    async def file(self, item: ArchivedPage, article: Article) -> dict[str, Any] | None:
        """File the article through the archive service; return its row as filed (None: not filed)."""
        filed = await self.archive.done(self.service.file(item.url, item.capture_id, article, item.hints or None,
                                                      datetime.now(timezone.utc)))
        if filed is None or filed.saved is None:
            return None
        saved = filed.saved
        await self.archive.publish(item.url)
        self.stats.inc_value("archiver/articles")
        if saved.chrome_dropped:
            self.stats.inc_value("archiver/chrome/blocks_dropped", saved.chrome_dropped)
        if saved.new:
            self.stats.inc_value("archiver/articles/new")
        elif saved.version != "new":  # changed, cosmetic or same: the crawl's report counts each
            self.stats.inc_value(f"archiver/versions/{saved.version}")
        if filed.story is not None:
            self.stats.inc_value(STORY_STATS[filed.story])
        return filed.row
