"""``SCHEDULER``: Scrapy's own scheduler, or a distributed crawl's shared frontier.

Without ``ARCHIVER_FRONTIER`` a crawl gets Scrapy's scheduler (``JOBDIR`` and
all); with it, :class:`archiver.crawl.frontier.FrontierScheduler`.  The
choice is made here, before either is imported, so that a crawl of one
process never loads scrapy-redis and redis-py (6 MiB).
"""

from __future__ import annotations

from typing import Any

from scrapy.core.scheduler import BaseScheduler
from scrapy.core.scheduler import Scheduler as ScrapyScheduler
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler

from archiver.config import ArchiverConfig


class Scheduler(BaseScheduler):
    """Never itself a scheduler: ``from_crawler`` builds Scrapy's or the shared frontier's."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        if not ArchiverConfig.from_crawler(crawler).frontier:
            return build_from_crawler(ScrapyScheduler, crawler)
        from archiver.crawl.frontier import FrontierScheduler

        return FrontierScheduler.from_crawler(crawler)
