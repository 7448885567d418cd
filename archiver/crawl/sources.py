"""Sources held until the backlog has room: the sitemaps and feeds a source lists, fetched a few at a time.

A sitemap index may list 1,000 sitemaps of 50,000 URLs each (about 25 MiB
in a spider's backlog apiece): fetched all at once, their entries would wait
in memory together.  :class:`HeldSources` keeps such requests and hands them
to the engine :data:`SOURCES_AT_ONCE` at a time, and only while the backlog
has fewer than :data:`BACKLOG_LOW` candidates.  A released source keeps its
place until the engine is done with every request it became (the first, a
redirect's, a retry's); a duplicate the scheduler drops frees it at once.

In a distributed crawl nothing is held: the frontier is in Redis, and a
worker that dies must hold no source.  Threads: all on the reactor thread.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Callable

from scrapy import Request, signals
from scrapy.crawler import Crawler

from archiver.crawl.compat import on_request_done, spider_closing

SOURCES_AT_ONCE = 2
BACKLOG_LOW = 5_000
META_SOURCE = "archiver_source"  # on a released source's request: which release it is


class HeldSources:
    """The held sources of one spider; ``backlog()`` says how many candidates wait for the scheduler."""

    def __init__(self, crawler: Crawler, backlog: Callable[[], int], hold: bool):
        self.crawler, self._backlog, self._hold = crawler, backlog, hold
        self._held: deque[Request] = deque()
        self._out: dict[int, int] = {}  # a release -> the requests of it the engine has
        self._released = 0
        self._releasing = False
        crawler.signals.connect(self._opened, signal=signals.spider_opened)
        crawler.signals.connect(self._scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(self._done, signal=signals.request_dropped)  # a duplicate sitemap URL

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, request: Request) -> None:
        """Fetch a source (a sitemap, a feed) once the backlog has room for what it may list."""
        self._held.append(request)
        self.crawler.stats.inc_value("archiver/sources/held")
        self.release()

    def release(self) -> None:
        """Hand the engine the held sources there is room for now."""
        if self._releasing:  # called again from within engine.crawl (a duplicate dropped): the loop below goes on
            return
        self._releasing = True
        try:
            while self._held and not spider_closing(self.crawler):
                if self._hold and (len(self._out) >= SOURCES_AT_ONCE or self._backlog() >= BACKLOG_LOW):
                    return
                request = self._held.popleft()
                self._released += 1
                if self._hold:
                    self._out[self._released] = 0
                # first in the scheduler's queue: the articles queued before it are not waiting for it
                self.crawler.engine.crawl(request.replace(priority=request.priority + 1,
                                                          meta={**request.meta, META_SOURCE: self._released}))
        finally:
            self._releasing = False

    def idle(self) -> None:
        """The spider is idle: nothing is in flight, so a released source that never came back
        (dropped on its way) holds no place any more."""
        self._out.clear()
        self.release()

    def _opened(self, spider: Any) -> None:
        on_request_done(self.crawler, self._done)  # the engine is done once the callback has run

    def _scheduled(self, request: Request, spider: Any = None) -> None:
        if request.meta.get(META_SOURCE) in self._out:
            self._out[request.meta[META_SOURCE]] += 1

    def _done(self, request: Request, spider: Any = None) -> None:
        release = request.meta.get(META_SOURCE)
        if release in self._out:
            self._out[release] -= 1
            if self._out[release] <= 0:  # read, or failed: not waiting for a redirect or a retry
                del self._out[release]
                self.release()
