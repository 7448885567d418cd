"""Every private Scrapy API in archiver/crawl/compat.py still exists and still acts as the archiver expects.

A failure here names the hook a Scrapy upgrade moved.
"""

from __future__ import annotations

import inspect

import pytest
from scrapy.core.downloader import Downloader, Slot
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler, _ScrapyAgent
from scrapy.extensions.throttle import AutoThrottle
from scrapy.spiders import SitemapSpider
from scrapy.utils import _download_handlers
from scrapy.utils.sitemap import Sitemap

from archiver.crawl import compat


def test_the_agent_hook_takes_the_response_head() -> None:
    assert list(inspect.signature(_ScrapyAgent._cb_latency).parameters) == ["self", "result", "request", "start_time"]
    assert {"contextFactory", "bindAddress", "pool", "maxsize", "warnsize", "fail_on_dataloss", "crawler",
            "tls_verbose_logging"} <= set(inspect.signature(_ScrapyAgent.__init__).parameters)
    assert callable(_download_handlers.get_dataloss_msg) and callable(_download_handlers.wrap_twisted_exceptions)


def test_the_download_handler_keeps_what_the_agent_needs() -> None:
    # built only under a running reactor: read what its classes set
    source = "".join(inspect.getsource(c) for c in HTTP11DownloadHandler.__mro__ if c.__module__.startswith("scrapy"))
    for name in ("_contextFactory", "_bind_address", "_pool", "_default_maxsize", "_default_warnsize",
                 "_fail_on_dataloss", "_fail_on_dataloss_warned", "_crawler", "_tls_verbose_logging"):
        assert f"self.{name}" in source, name


def test_autothrottle_hooks() -> None:
    assert list(inspect.signature(AutoThrottle._response_downloaded).parameters) == ["self", "response", "request", "spider"]
    assert list(inspect.signature(AutoThrottle._get_slot).parameters) == ["self", "request", "spider"]
    assert compat.FlooredAutoThrottle._response_downloaded is not AutoThrottle._response_downloaded


def test_downloader_slot_hooks() -> None:
    assert callable(Downloader._get_slot) and callable(Downloader._latercall)
    slot = Slot(concurrency=1, delay=0, jitter=0)
    assert slot.latercall is None
    assert "per_slot_settings" in inspect.getsource(Downloader.__init__)
    assert "self.slots" in inspect.getsource(Downloader.__init__)


@pytest.mark.parametrize("name", ["_process_sitemap_element", "_get_tag_name"])
def test_sitemap_hooks(name: str) -> None:
    assert callable(getattr(Sitemap, name))


def test_news_fields_reach_the_entries() -> None:
    class Extras(compat.SitemapWithExtras):
        def extras(self, elem):
            return {"seen": self.tag_name(elem)}

    body = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>https://example.org/a</loc></url></urlset>")
    assert list(Extras(body)) == [{"loc": "https://example.org/a", "seen": "url"}]
    assert callable(SitemapSpider._get_sitemap_body)


def test_the_engine_says_when_it_is_closing_the_spider() -> None:
    from scrapy.core import engine

    source = inspect.getsource(engine)
    assert "self._slot" in inspect.getsource(engine.ExecutionEngine.__init__)
    assert "self.closing" in source and "self.running" in source
def test_the_engine_removes_each_request_through_its_slot_hook() -> None:
    from scrapy.core.engine import ExecutionEngine

    assert list(inspect.signature(ExecutionEngine._remove_request).parameters) == ["self", "_", "request"]
    # the engine looks the method up on itself when a request is done: an instance attribute replaces it
    assert "partial(self._remove_request, request=request)" in inspect.getsource(ExecutionEngine._start_scheduled_request)

    class Engine:
        def __init__(self) -> None:
            self.removed: list[str] = []

        def _remove_request(self, _: object, request: str) -> None:
            self.removed.append(request)

    class Crawler:
        engine = Engine()

    done: list[str] = []
    compat.on_request_done(Crawler, done.append)
    Crawler.engine._remove_request(None, request="r1")
    assert Crawler.engine.removed == ["r1"] and done == ["r1"]


def test_scrapy_redis_queues_decode_what_they_encode() -> None:
    from scrapy import Request, Spider
    from scrapy_redis.queue import PriorityQueue

    class Named(Spider):
        name = "named"

        def parse_it(self, response: object) -> None:
            pass

    spider = Named()
    queue = PriorityQueue(server=None, spider=spider, key="k")
    request = Request("https://example.org/a", callback=spider.parse_it, priority=3, meta={"x": 1})
    back = compat.decode_request(queue, queue._encode_request(request))
    assert (back.url, back.callback, back.priority, back.meta["x"]) == (request.url, spider.parse_it, 3, 1)


def test_the_engine_wakes_through_its_slot() -> None:
    from scrapy.core.engine import ExecutionEngine, _Slot

    assert "nextcall" in inspect.signature(_Slot.__init__).parameters
    assert "self._slot.heartbeat.start(self._SLOT_HEARTBEAT_INTERVAL)" in inspect.getsource(ExecutionEngine)

    class NextCall:
        scheduled = 0

        def schedule(self) -> None:
            self.scheduled += 1

    class Crawler:
        class engine:
            class _slot:
                nextcall = NextCall()

    compat.wake(Crawler)
    assert Crawler.engine._slot.nextcall.scheduled == 1


def test_robots_middleware_hooks() -> None:
    import asyncio

    from scrapy import Request
    from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler
    from twisted.internet.defer import Deferred

    assert list(inspect.signature(RobotsTxtMiddleware._parse_robots).parameters) == ["self", "response", "netloc", "request"]
    assert list(inspect.signature(RobotsTxtMiddleware._robots_error).parameters) == ["self", "exc", "netloc"]
    assert "self._parsers" in inspect.getsource(RobotsTxtMiddleware.robot_parser)
    # the message RobotsErrorLine turns into one line
    assert '"Error downloading %(request)s: %(f_exception)s"' in inspect.getsource(RobotsTxtMiddleware.robot_parser)

    class Told(compat.RobotsWithHooks):
        told: list[str] = []

        def fetched(self, response: Response, netloc: str) -> None:
            self.told.append(f"fetched {netloc}")

        def fetch_failed(self, netloc: str) -> None:
            self.told.append(f"failed {netloc}")

    middleware = Told(get_crawler(settings_dict={"ROBOTSTXT_OBEY": True}))
    request = Request("https://a.example/page")
    body = b"User-agent: *\nDisallow: /private\n"
    for netloc, parse in (("a.example", middleware._parse_robots), ("b.example", middleware.parse_body)):
        middleware.parsers[netloc] = Deferred()
        asyncio.run(parse(Response(f"https://{netloc}/robots.txt", body=body), netloc, request))
        assert not middleware.parsers[netloc].allowed(f"https://{netloc}/private", "archiver")
    middleware.parsers["c.example"] = Deferred()
    middleware._robots_error(ValueError("refused"), "c.example")
    assert middleware.parsers["c.example"] is None
    assert Told.told == ["fetched a.example", "failed c.example"]  # parse_body is a copy's: no hook
