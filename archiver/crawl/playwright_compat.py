"""scrapy-playwright's handler, configured from ``ARCHIVER_*`` settings: the one place that touches its internals.

scrapy-playwright reads its configuration from Scrapy settings, which are
frozen before the archiver's config is read; and it starts its browser
provider when the engine starts, while the archiver makes the handler only
for the first page that needs a browser.  So the handler's ``config`` (its
public :class:`~scrapy_playwright.handler.Config` dataclass),
``abort_request`` and ``browser_provider`` are set here, on a handler just
built.  Pinned: pyproject.toml takes scrapy-playwright 0.0.48 only, and
tests/test_render.py checks these attributes exist.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Awaitable, Callable

from scrapy.crawler import Crawler
from scrapy_playwright import __version__ as SCRAPY_PLAYWRIGHT_VERSION  # noqa: N812
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.provider import PlaywrightBrowserProvider

PINNED = "0.0.48"


class LazyBrowserProvider(PlaywrightBrowserProvider):
    """Starts Playwright's Node.js driver with the browser, on the first page (its ``start()`` does nothing)."""

    async def start(self) -> None:
        """Nothing yet: see :meth:`launch_browser`."""

    async def launch_browser(self) -> Any:
        if self.playwright is None:
            await super().start()
        return await super().launch_browser()


def browser_handler(crawler: Crawler, launch_options: dict[str, Any], pages: int, timeout_ms: float,
                    refuse: Callable[[Any], Awaitable[bool]]) -> ScrapyPlaywrightDownloadHandler:
    """A scrapy-playwright handler: one browser context of ``pages`` pages at most, ``refuse`` guarding requests."""
    handler = ScrapyPlaywrightDownloadHandler(crawler)
    handler.browser_provider_cls = LazyBrowserProvider
    handler.config = dataclasses.replace(
        handler.config, browser_type_name="chromium", launch_options=launch_options, max_pages_per_context=pages,
        max_contexts=1, navigation_timeout_ms=timeout_ms, cdp_url=None, connect_url=None)
    handler.browser_provider = LazyBrowserProvider(handler.config)  # the engine has started: its signal is past
    handler.abort_request = refuse  # called for every request the page makes (its route handler)
    return handler
