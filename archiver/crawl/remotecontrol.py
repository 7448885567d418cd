"""Scrapy's remote-control endpoint, imported only when ``REMOTE_CONTROL_ENABLED`` turns it on.

Scrapy imports its extension, and with it aiohttp (9 MiB), in every crawl,
even with the setting off, as the archiver's settings have it.  This one
stands in its place in ``EXTENSIONS`` and builds Scrapy's when asked to.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class RemoteControl:
    """Never itself an extension: ``from_crawler`` builds Scrapy's, or none while the setting is off."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        if not crawler.settings.getbool("REMOTE_CONTROL_ENABLED"):
            raise NotConfigured
        from scrapy.extensions.remote_control import RemoteControl as ScrapyRemoteControl

        return ScrapyRemoteControl.from_crawler(crawler)
