"""The article pipeline: clean text out of each captured page, into ``articles``.

Extraction is CPU-bound, so it runs in a pool of worker processes
(``ARCHIVER_EXTRACT_WORKERS``, the machine's cores by default; 0 runs it in
one thread instead) while the reactor goes on downloading.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

from scrapy.crawler import Crawler

from .archive import Archive
from .extraction import NoArticle, extract_article
from .items import ArchivedPage

logger = logging.getLogger(__name__)


def _make_pool(workers: int) -> Executor:
    if workers == 0:
        return ThreadPoolExecutor(1, thread_name_prefix="archiver-extract")
    # spawn, not fork: the crawl process has threads (the I/O thread, DNS).
    return ProcessPoolExecutor(workers, mp_context=get_context("spawn"))


class ArticlePipeline:
    """Extracts each :class:`ArchivedPage` and stores its article or says why there is none."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self._pool: Executor | None = None

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
        if item.not_article is not None:
            await self.archive.note_no_article(item.capture_id, item.not_article)
            return item
        if item.html is None:
            await self.archive.note_no_article(item.capture_id, f"not HTML ({item.content_type or 'no content type'})")
            return item
        pool = self._pool
        assert pool is not None
        try:
            article = await asyncio.wrap_future(pool.submit(extract_article, item.html, item.url))
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
