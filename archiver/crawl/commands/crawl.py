"""``scrapy crawl``, printing the archiver's errors as one sentence.

Scrapy's own command logs an exception raised while a crawl starts (a bad
``-a`` argument, a bad ``ARCHIVER_*`` setting) as a traceback and exits 0.
This one prints ``Error: <what to fix>`` and exits with the error's status:
2, like a usage error, or 75 when another crawl of the spider holds the
archive (:class:`~archiver.errors.CrawlBusyError`).  A crawl that tried
pages and archived nothing because every one failed exits with status 1.
Scrapy's start-up messages (versions, components, settings) and its stats
dump are logged at DEBUG: a crawl's INFO log is its progress and its report.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from archiver.crawl.compat import chatter_at_debug
from archiver.crawl.report import ALL_FAILED_STATUS, all_failed
from archiver.errors import ArchiverError

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        chatter_at_debug()  # before the crawler process logs Scrapy's banner

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name: scrapy crawl NAME")
        assert self.crawler_process
        errors: list[ArchiverError] = []
        try:
            crawler = self._create_crawler(args[0])
        except KeyError:  # Scrapy's spider loader: "Spider not found"
            names = ", ".join(sorted(self.crawler_process.spider_loader.list()))
            print(f"Error: there is no spider named {args[0]!r}; the spiders are {names} (scrapy list).", file=sys.stderr)
            self.exitcode = 2
            return
        # The archiver runs on Scrapy's default asyncio reactor, so this is an asyncio task.
        crawl = self.crawler_process.crawl(crawler, **opts.spargs)
        crawl.add_done_callback(lambda task: _collect(task, errors))
        self.crawler_process.start()
        if errors:
            print(f"Error: {errors[0]}", file=sys.stderr)
            if self.settings.get("LOG_FILE"):
                # scrapyd (and cron with LOG_FILE) keeps the log, not stderr: say it there too.
                logger.error("%s", errors[0])
            self.exitcode = errors[0].exit_status
        elif self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats is not None and all_failed(crawler.stats.get_stats()):
            self.exitcode = ALL_FAILED_STATUS


def _collect(task: "asyncio.Future[Any]", errors: list[ArchiverError]) -> None:
    if task.cancelled():
        return
    exc = task.exception()  # retrieved here, so asyncio does not log it again
    if isinstance(exc, ArchiverError):
        errors.append(exc)
    elif exc is not None:
        logger.error("The crawl could not start", exc_info=exc)

