"""The shared frontier of a distributed crawl: scrapy-redis's scheduler, with claims that survive a worker's death.

With ``ARCHIVER_FRONTIER`` (:mod:`.scheduler` chooses this scheduler then,
Scrapy's otherwise), every worker started with the same command shares one
frontier and one duplicate filter in Redis (scrapy-redis, persisted, so a
restart resumes), and each request a worker takes is
*claimed* (:class:`archiver.distributed.frontier.Frontier`): held in Redis under the
worker's name until the engine is done with it (archived, extracted, filed,
the requests it led to scheduled).  Requests are stored as data, never
pickled: JSON of Scrapy's ``Request.to_dict`` (``SCHEDULER_SERIALIZER``,
:mod:`.serializer`); what a worker claims that is not such a request (a
pickle written by whoever can write to Redis) is dropped with a warning and
``archiver/frontier/refused``, and the crawl goes on.  A heartbeat every quarter of
``ARCHIVER_WORKER_TIMEOUT`` keeps the claims alive and takes back those of
workers gone silent; an idle worker stays until the frontier is empty and no
worker, live or dead, holds a request.

Threads: all on the reactor thread; each Redis call is one short round trip.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from redis.exceptions import RedisError
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.spiders import Spider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler as RedisScheduler
from twisted.internet import reactor, task

from archiver.config import ArchiverConfig
from archiver.distributed.frontier import Frontier, Keys, connect, worker_name
from archiver.crawl.compat import decode_request, on_request_done, wake

logger = logging.getLogger(__name__)
QUEUE_CLASS = "scrapy_redis.queue.PriorityQueue"  # a sorted set: what Frontier.claim pops from
IDLE_POLL = 0.5  # seconds between an idle worker's looks at the frontier
REFUSED_PER_CALL = 100  # queued entries dropped at most per next_request (the reactor moves on between them)
LOGGED = 20  # refused entries logged at WARNING; the rest at DEBUG
# what decoding a queued request raises when it is not one of ours: the codec's FrontierDataError (a
# ValueError), or Scrapy's request_from_dict given a callback the spider lacks or arguments Request refuses
NOT_A_REQUEST = (ValueError, TypeError, KeyError, AttributeError)


class FrontierScheduler(RedisScheduler):
    """scrapy-redis's scheduler whose requests are claimed, not popped."""

    crawler: Crawler
    frontier: Frontier

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:  # type: ignore[override]
        config = ArchiverConfig.from_crawler(crawler)
        server = connect(config.frontier)
        keys = Keys(crawler.spidercls.name)
        dupefilter = RFPDupeFilter(server, key=keys.dupefilter, debug=crawler.settings.getbool("DUPEFILTER_DEBUG"))
        # persist: the frontier and the duplicate filter outlive any one worker
        serializer = importlib.import_module(crawler.settings.get("SCHEDULER_SERIALIZER"))  # ours: JSON, not pickle
        scheduler = cls(server=server, persist=True, queue_key=keys.queue, queue_cls=QUEUE_CLASS, dupefilter=dupefilter,
                        serializer=serializer)
        scheduler.stats = crawler.stats
        scheduler.crawler = crawler
        scheduler.timeout = config.worker_timeout
        scheduler.claimed: dict[Request, bytes] = {}
        scheduler._waiting_said = False
        return scheduler

    def open(self, spider: Spider) -> None:
        super().open(spider)
        self.frontier = Frontier(self.server, spider.name, worker_name(), self.timeout)
        if self.frontier.join():
            logger.info("Frontier: worker %s starts a new run of %s", self.frontier.worker, spider.name)
        else:
            logger.info("Frontier: worker %s joins the run of %s (%d requests queued, %d held by workers)",
                        self.frontier.worker, spider.name, self.frontier.queued(), self.frontier.held())
        self.stats.set_value("archiver/frontier/claimed", 0)
        on_request_done(self.crawler, self._done)
        self.crawler.signals.connect(self._idle, signal=signals.spider_idle)
        self._beat = task.LoopingCall(self._heartbeat)
        self._beat.start(min(10.0, max(0.2, self.timeout / 4)), now=False)

    def close(self, reason: str) -> None:
        if self._beat.running:
            self._beat.stop()
        try:
            released = self.frontier.release()  # claimed but never handled (a stop mid-way): back for others
            if released:
                logger.info("Frontier: %d requests this worker held are back in the frontier", released)
            self.frontier.heartbeat()  # seen lately: a worker started now joins this run, not a new one
        except RedisError as exc:
            logger.error("Frontier: could not hand back this worker's requests (%s); another worker takes them "
                         "back after ARCHIVER_WORKER_TIMEOUT", exc)
        super().close(reason)

    def enqueue_request(self, request: Request) -> bool:
        try:
            return super().enqueue_request(request)
        except ValueError as exc:  # a meta value the codec does not store, a callback that is not the spider's
            self.stats.inc_value("archiver/frontier/unstorable")
            logger.error("Frontier: cannot queue %s as data (%s); it is not crawled", request.url, exc)
            return False

    def next_request(self) -> Request | None:
        for _ in range(REFUSED_PER_CALL):
            data = self.frontier.claim()
            if data is None:
                return None
            try:
                request = decode_request(self.queue, data)
            except NOT_A_REQUEST as exc:
                self._refuse(data, exc)
                continue
            self.claimed[request] = data
            self.stats.inc_value("archiver/frontier/claimed")
            return request
        return None  # the engine asks again soon: the idle check sees the frontier is not empty

    def _refuse(self, data: bytes, exc: Exception) -> None:
        """A queued entry that is not a request of ours as data (a pickle, say): dropped, never run."""
        self.frontier.done(data)
        count = self.stats.get_value("archiver/frontier/refused", 0) + 1
        self.stats.set_value("archiver/frontier/refused", count)
        logger.log(logging.WARNING if count <= LOGGED else logging.DEBUG,
                   "Frontier: dropped a queued entry that is not a request stored as data (%s); "
                   "whoever wrote it can write to the frontier's Redis", exc)

    def _done(self, request: Request) -> None:
        data = self.claimed.pop(request, None)
        if data is not None:
            self.frontier.done(data)

    def _heartbeat(self) -> None:
        try:
            taken = self.frontier.heartbeat()
        except RedisError as exc:  # Redis away for a moment: the next beat tries again
            logger.warning("Frontier: heartbeat failed (%s)", exc)
            return
        if taken:
            self.stats.inc_value("archiver/frontier/taken_back", taken)
            logger.warning("Frontier: took back %d requests of workers silent for over %.0f s", taken, self.timeout)

    def _idle(self, spider: Spider) -> None:
        """Close only when the frontier is empty and no worker, live or dead, holds a request."""
        self._heartbeat()
        queued, held = self.frontier.queued(), self.frontier.held()
        if queued or held:
            if not self._waiting_said:
                logger.info("Frontier: idle, waiting for %d queued and %d held requests", queued, held)
                self._waiting_said = True
            # Scrapy looks again in 5 s; other workers' requests may come back sooner
            reactor.callLater(IDLE_POLL, wake, self.crawler)
            raise DontCloseSpider
        logger.info("Frontier: empty, and no worker holds a request: this worker is done")
