"""Pages that need JavaScript: rendered by a real browser, only where needed, both captures kept.

``ARCHIVER_RENDER`` (``-a render=``, a ``site_rules.render`` row) says when:

- ``never``: plain fetches only;
- ``auto`` (the default): after a page's plain fetch is extracted, and only
  if it looks like an empty shell (no main text and no article in its data,
  an empty app root, a ``<noscript>`` asking for JavaScript, the
  ``javascript`` interstitial flag), the article pipeline asks
  :class:`Renderer` to render it;
- ``always``: every HTML page is rendered after its plain fetch.

The browser (``ARCHIVER_BROWSER``, Debian's chromium) is driven by
scrapy-playwright through :class:`RenderingDownloadHandler`, and started on
the first page that needs it (:mod:`archiver.crawl.playwright_compat`): a
crawl whose pages need none never starts one.  What is archived:

- the plain fetch, as every fetch (the capture middleware's ``response``);
- every response the browser received for the page (the document, scripts,
  styles, XHR/fetch JSON) as ``response`` records marked
  ``WARC-Browser-Capture: chromium/VERSION``, headers as received, bodies as
  the browser hands them over (content coding undone: the original
  ``Content-Encoding``, ``Content-Length`` and ``Transfer-Encoding`` are kept
  as ``X-Archive-Orig-*`` headers and ``Content-Length`` is the stored body's);
- the rendered DOM as a ``resource`` record ``urn:dom:URL``
  (``WARC-Concurrent-To`` the browser's document response) and a
  ``captures`` row (``browser``, ``render_of`` the plain capture) that the
  article, extracted from the DOM, points at (``articles.source`` =
  ``rendered``).

Bounds: ``ARCHIVER_RENDER_PAGES`` pages at once, ``ARCHIVER_RENDER_TIMEOUT``
for loading, a page that never settles or crashes leaves the plain capture
and a row saying why; every request the page makes passes the SSRF guard
(:meth:`Renderer.refuse`, in scrapy-playwright's route handler); downloads
and permission prompts are refused.  Threads: the browser is a process of
its own (behind Playwright's driver, which kills it when the crawl dies);
the reactor thread only awaits it; WARC records and rows are written on the
archive's I/O thread.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from archiver.values.addresses import refusal
from archiver.errors import WarcError
from archiver.extract import Article, NoArticle, page_head, rules_for
from archiver.extract.embedded import SHELL_MAX_WORDS
from archiver.crawl.captured import MAX_RESPONSES, MAX_TRAFFIC, Rendering, exchange, file_failure, file_rendering
from archiver.crawl.compat import spider_closing
from archiver.crawl.download import ArchivingDownloadHandler
from archiver.crawl.extension import ArchiveExtension
from archiver.crawl.items import ArchivedPage

logger = logging.getLogger(__name__)

# chromium's own connections (updates, sync, field trials) fail on a closed network and cost time on an open one
BROWSER_ARGS = ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-gpu", "--disable-quic", "--disable-dev-shm-usage", "--mute-audio"]
# every page's context: no downloads, no service worker hiding the network from us, no permission granted
CONTEXT = {"accept_downloads": False, "service_workers": "block", "permissions": []}
SETTLE_SECONDS = 5.0  # after the load event, at most this long for the network to go quiet
BUSY_SECONDS = 15.0  # past the page's time-out, the most its download may take (a script that never yields)
CLOSING_POLL = 0.5  # seconds between looks at whether the crawl is closing, while a page loads
INSTALL = "install one (apt-get install chromium) or set ARCHIVER_BROWSER to its path"


def find_browser(name: Path) -> str | None:
    """The browser's path: ``ARCHIVER_BROWSER`` as a path, or a command on PATH; None where there is none."""
    found = shutil.which(str(name))
    return found if found and os.access(found, os.X_OK) else None


def _descendants_pss(root: int) -> int:
    """Proportional set size (shared pages split between their users) of the processes below ``root`` that are
    not Python (the browser and its driver), from /proc: the measure bench/throughput.py takes of the crawl."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    below, frontier = set(), [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid and child not in below]
        below.update(children)
        frontier.extend(children)
    total = 0
    for pid in below:
        try:
            if Path(f"/proc/{pid}/comm").read_text().startswith("python"):
                continue  # the extraction workers
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            total += 1024 * int(rollup.split("\nPss:", 1)[1].split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total


def looks_empty(article: Article) -> bool:
    """An "article" that is the shell's text: a ``<noscript>`` or JavaScript prompt, or a shell's few words.

    Shell signs beside a real article (a comments widget's ``<noscript>``
    "enable JavaScript to see the comments") do not count: on 200 corpus
    pages, 4 carried one, each with an article of 124 to 987 words.  Nor does
    a shell whose data gave the article (archiver/extract/embedded.py).
    """
    if article.source != "html":
        return False
    return article.interstitial == "javascript" or (article.shell is not None and article.word_count < SHELL_MAX_WORDS)


class Renderer:
    """Decides which pages a browser renders, renders them, and files what it made."""

    def __init__(self, archive: ArchiveExtension, crawler: Crawler):
        self.archive = archive
        self.crawler = crawler
        self.config = archive.config
        self.stats = archive.stats
        self.browser_path = find_browser(self.config.browser)
        self._pages = asyncio.Semaphore(self.config.render_pages)
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")  # the DOM, as any response, is held whole
        self._resolved: dict[str, str | None] = {}  # host -> why the guard refuses it (a small cache)
        self._browser: Any = None  # scrapy-playwright's handler, shared by the http and https handlers

    def browser_handler(self) -> Any:
        """scrapy-playwright's handler, made for the first page that needs it (a crawl that needs none does not
        even import Playwright), or None without a browser."""
        if self._browser is None and self.browser_path is not None:
            from archiver.crawl.playwright_compat import browser_handler  # Playwright is imported only where a browser is

            options = {"executable_path": self.browser_path, "headless": True, "args": BROWSER_ARGS,
                       "handle_sigint": False, "chromium_sandbox": False}
            self._browser = browser_handler(self.crawler, options, self.config.render_pages,
                                            self.config.render_timeout * 1000, self.refuse)
        return self._browser

    async def close_browser(self) -> None:
        """Close the browser and Playwright's driver, once (both handlers ask)."""
        browser, self._browser = self._browser, None
        self.browser_path = None  # nothing renders after this
        if browser is not None:
            await browser.close()

    def mode_for(self, url: str) -> str:
        """never, auto or always for this URL: the spider's -a render=, else the site rule, else ARCHIVER_RENDER."""
        spider = self.crawler.spider
        if getattr(spider, "render", None):
            return spider.render  # type: ignore[union-attr]
        rules = rules_for(self.archive.site_rules, urlsplit(url).hostname or "")
        return (rules.render if rules is not None else None) or self.config.render

    def wanted(self, item: ArchivedPage, article: Article | None) -> bool:
        """Should the browser render this page (counted as unavailable where there is no browser)?"""
        if item.browser is not None or item.body is None:
            return False
        mode = self.mode_for(item.url)
        if mode == "never":
            return False
        if mode == "auto" and not (item.shell or (article is not None and looks_empty(article))):
            return False
        if self.browser_path is None:
            self.stats.inc_value("archiver/render/unavailable")
            return False
        return True

    async def render(self, item: ArchivedPage, article: Article | None,
                     extract: Callable[[ArchivedPage], Awaitable[Article | None]]) -> tuple[ArchivedPage, Article | None]:
        """The page as the browser rendered it and its article (``source`` rendered); the plain ones if it failed."""
        self.stats.inc_value("archiver/render/pages")
        async with self._pages:
            rendering = await self._rendering(item)
        if rendering is None:
            return item, article
        try:
            filed = await self.archive.attempt("storage", file_rendering, self.archive.writer, rendering)
        except WarcError as exc:
            self.archive.report("warc", exc)
            return item, article
        if filed is None:
            return item, article
        capture_id, rows, (records, size) = filed
        self.stats.inc_value("archiver/captures", rows)
        self.stats.inc_value("archiver/render/captures", rows)
        self.stats.set_value("archiver/warc/records", records)
        self.stats.set_value("archiver/warc/bytes", size)
        body, cut_from = page_head(rendering.dom, self.config.extract_max_bytes)
        rendered = replace(item, capture_id=capture_id, content_type="text/html; charset=utf-8", body=body,
                           cut_from=cut_from, browser=rendering.browser, shell=None)
        found = await extract(rendered)
        if found is None:
            return (rendered, None) if article is None else (item, article)
        return rendered, found.as_rendered()

    async def _rendering(self, item: ArchivedPage) -> Rendering | None:
        """Load the page in the browser; None (a row saying why) when it does not load in time or crashes."""
        responses: list[tuple[Any, datetime]] = []
        timeout = self.config.render_timeout
        request = Request(item.url, dont_filter=True, meta={
            "playwright": True, "playwright_include_page": True, "playwright_context_kwargs": CONTEXT,
            "playwright_page_goto_kwargs": {"wait_until": "load", "timeout": timeout * 1000},
            "playwright_page_event_handlers": {"response": lambda r: responses.append((r, datetime.now(timezone.utc)))},
            "dont_retry": True, "dont_redirect": True,
            # a slot of its own: not queued behind the host's plain fetches while its time-out runs
            "download_slot": f"render:{urlsplit(item.url).hostname}"})
        page = None
        browser = "chromium"
        try:
            if spider_closing(self.crawler):
                raise NotRendered("the crawl stopped before the browser was done")
            # a bound of its own besides the navigation's: the engine's queue and the browser's start count too
            response = await asyncio.wait_for(self._download(request), timeout + BUSY_SECONDS)
            page = response.meta.get("playwright_page")
            browser = f"chromium/{page.context.browser.version}" if page is not None and page.context.browser else browser
            if page is not None and not spider_closing(self.crawler):
                try:
                    await page.wait_for_load_state("networkidle", timeout=SETTLE_SECONDS * 1000)
                except Exception:  # noqa: BLE001 - still busy (polling, streaming): the DOM as it stands
                    self.stats.inc_value("archiver/render/unsettled")
                try:  # a script that never yields (a busy loop after load) would hold this for ever
                    dom = (await asyncio.wait_for(page.content(), SETTLE_SECONDS)).encode("utf-8")
                except asyncio.TimeoutError:
                    raise NotRendered("its scripts kept the browser busy: no DOM to read") from None
            else:
                dom = response.body
            if len(dom) > self.max_size:
                raise NotRendered(f"the rendered page is larger than DOWNLOAD_MAXSIZE ({self.max_size:,} bytes)")
            budget = [MAX_TRAFFIC]
            traffic = [found for found in await asyncio.gather(
                *(exchange(r, at, budget) for r, at in responses[:MAX_RESPONSES])) if found is not None]
        except Exception as exc:  # noqa: BLE001 - a time-out, a crashed page or browser: the plain capture stays
            page = page or request.meta.get("playwright_page")
            reason = "the crawl stopped before the browser was done" if spider_closing(self.crawler) else \
                _reason(exc, timeout)
            self.stats.inc_value("archiver/render/failed")
            logger.warning("Not rendered: %s (%s); the plain fetch is archived", item.url, reason)
            await self.archive.attempt("storage", file_failure, self.archive.writer, item.url, item.capture_id,
                                       browser, reason)
            await self.archive.done(self.archive.service.file(
                item.url, item.capture_id, NoArticle(f"the browser could not render it ({reason})")))
            return None
        finally:
            if page is not None:
                try:
                    await asyncio.wait_for(page.close(), SETTLE_SECONDS)
                except Exception:  # noqa: BLE001 - already closed, or the browser is gone
                    pass
            self._measure()
        return Rendering(item.url, item.capture_id, browser, response.status, dom, datetime.now(timezone.utc),
                         traffic)

    async def _download(self, request: Request) -> Response:
        """The engine's download of a browser request; a crawl that begins to close (Ctrl-C) closes its page."""
        download = asyncio.ensure_future(self.crawler.engine.download_async(request))  # type: ignore[union-attr]
        try:
            while not download.done():
                await asyncio.wait([download], timeout=CLOSING_POLL)
                page = request.meta.get("playwright_page")  # scrapy-playwright sets it as soon as the page exists
                if not download.done() and page is not None and spider_closing(self.crawler):
                    await page.close()  # the navigation fails at once: the page is not waited for
            return download.result()
        finally:
            if not download.done():  # our bound ran out: the engine's download (scrapy-playwright's wait) ends too
                download.cancel()

    def _measure(self) -> None:
        """The browser's memory (its processes' PSS) at its largest, in the crawl's stats."""
        self.stats.max_value("archiver/render/memory_max", _descendants_pss(os.getpid()))

    async def refuse(self, request: Any) -> bool:
        """scrapy-playwright's abort hook: True (aborted, counted) for a request the SSRF guard refuses."""
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return False
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https"):
            why: str | None = f"{parts.scheme}: URLs are not fetched"
        elif host in self._resolved:
            why = self._resolved[host]
        else:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
            except OSError:
                return False  # the browser's own lookup fails the same way
            why = next(filter(None, (refusal(str(info[4][0]), self.config.allow_networks) for info in infos)), None)
            if len(self._resolved) > 10_000:
                self._resolved.clear()
            self._resolved[host] = why
        if why is None:
            return False
        self.stats.inc_value("archiver/render/refused")
        logger.info("Refused a browser request to %s: %s", request.url, why)
        return True

    def close(self) -> None:
        """Say once how many pages wanted a browser that is not there."""
        wanted = self.stats.get_value("archiver/render/unavailable")
        if wanted:
            logger.warning("%d page(s) looked like they need JavaScript, but there is no browser at %s: %s.",
                           wanted, self.config.browser, INSTALL)


class NotRendered(Exception):
    """Why the browser gave no page, in words for the row (the crawl stopped, a busy page, a DOM too large)."""


def _reason(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, NotRendered):
        return str(exc)
    if isinstance(exc, asyncio.TimeoutError):  # our bound, not the navigation's: the page loaded, then hung
        return f"the browser was still busy with the page after {timeout + BUSY_SECONDS:g} s"
    text = " ".join(str(exc).split())[:300]
    if "Timeout" in type(exc).__name__ or "Timeout" in text[:40]:
        return f"the page did not load within {timeout:g} s"
    if "crash" in text.lower() or "closed" in text.lower():
        return f"the page or the browser crashed ({type(exc).__name__}: {text})"
    return f"{type(exc).__name__}: {text}"


class RenderingDownloadHandler(ArchivingDownloadHandler):
    """The http(s) handler: requests marked ``playwright`` go to the browser, every other one as before."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        # None: `scrapy shell`, which archives nothing
        self.renderer = renderer_of(crawler) if crawler.get_extension(ArchiveExtension) is not None else None

    async def download_request(self, request: Request) -> Response:
        if request.meta.get("playwright") and self.renderer is not None:
            browser = self.renderer.browser_handler()
            if browser is not None:
                return await browser.download_request(request)
        return await super().download_request(request)

    async def close(self) -> None:
        if self.renderer is not None:
            await self.renderer.close_browser()
        await super().close()


def renderer_of(crawler: Crawler) -> Renderer:
    """The crawl's one :class:`Renderer` (the pipeline and the download handler share it)."""
    if crawler not in _BY_CRAWLER:
        _BY_CRAWLER[crawler] = Renderer(ArchiveExtension.of(crawler), crawler)
    return _BY_CRAWLER[crawler]


_BY_CRAWLER: "WeakKeyDictionary[Crawler, Renderer]" = WeakKeyDictionary()
