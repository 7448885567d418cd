"""The article pipeline: clean text out of each captured page, into ``articles``.

Extraction is CPU-bound, so it runs in a pool of worker processes
(``ARCHIVER_EXTRACT_WORKERS``, the machine's cores by default; 0 runs it in
one thread instead) while the reactor goes on downloading.  At most
``2 x workers`` pages are handed to the pool at once; the others wait here
with their responses, and Scrapy stops scheduling downloads once the
responses waiting in its scraper pass ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``
(5 MB by default): a bounded queue with back-pressure, so memory stays flat
however fast pages arrive.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler

from .archive import Archive
from .extraction import NoArticle, extract_article, rules_for
from .items import ArchivedPage

logger = logging.getLogger(__name__)


def _make_pool(workers: int) -> Executor:
    if workers == 0:
        return ThreadPoolExecutor(1, thread_name_prefix="archiver-extract")
    # Not fork: the crawl process has threads (the I/O thread, DNS). A fork
    # server that has imported trafilatura once starts each worker warm.
    context = get_context("forkserver")
    context.set_forkserver_preload(["archiver.extraction"])
    return ProcessPoolExecutor(workers, mp_context=context)


class ArticlePipeline:
    """Extracts each :class:`ArchivedPage` and stores its article or says why there is none."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self._pool: Executor | None = None
        self._in_flight = asyncio.Semaphore(2 * max(1, archive.config.extract_workers))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArticlePipeline":
        return cls(Archive.of(crawler))

    def open_spider(self) -> None:
        self._pool = _make_pool(self.archive.config.extract_workers)

    def close_spider(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArchivedPage):
            return item
        if item.unchanged:
            await self.archive.note_unchanged(item.url)
            return item
        if item.not_article is not None:
            await self.archive.note_no_article(item.capture_id, item.not_article)
            return item
        if item.html is None:
            await self.archive.note_no_article(item.capture_id, f"not HTML ({item.content_type or 'no content type'})")
            return item
        pool = self._pool
        assert pool is not None
        try:
            async with self._in_flight:
                rules = rules_for(self.archive.site_rules, urlsplit(item.url).hostname or "")
                article = await asyncio.wrap_future(pool.submit(extract_article, item.html, item.url, rules=rules))
            article = await self.archive.without_site_chrome(item.url, article)
        except NoArticle as exc:
            await self.archive.note_no_article(item.capture_id, str(exc))
        except BrokenProcessPool as exc:
            # A worker died (out of memory, a crash in lxml): the first item to
            # see it starts a fresh pool; the others in flight just report.
            self.archive.report("extraction", exc)
            if self._pool is pool:
                pool.shutdown(wait=False, cancel_futures=True)
                self._pool = _make_pool(self.archive.config.extract_workers)
            await self.archive.note_no_article(item.capture_id, f"extraction worker died: {exc}")
        except Exception as exc:  # a bug in a parser must not stop the crawl
            self.archive.report("extraction", exc)
            await self.archive.note_no_article(item.capture_id, f"extraction failed: {type(exc).__name__}: {exc}")
        else:
            await self.archive.save_article(item.url, item.capture_id, article.with_hints(item.hints), item.hints)
        return item
