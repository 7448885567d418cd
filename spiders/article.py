"""``scrapy crawl article``: archive the articles at given URLs."""

from __future__ import annotations

from typing import Any, AsyncIterator

import scrapy
from scrapy.http import Response

from archiver.errors import SpiderArgumentError
from archiver.crawl.items import ArchivedPage
from archiver.crawl.arguments import check_url, read_url_list
from archiver.crawl.basespiders import ArchiveSpider


class ArticleSpider(ArchiveSpider):
    """Fetch each URL given, archive it, and extract its article.

    -a url=URL[,URL...]   one URL, or several separated by commas
    -a urls=PATH          a file with one URL a line (blank lines and # comments ignored)
    -a recrawl=1          fetch archived articles again even when their re-check is not due
    """

    name = "article"

    def __init__(self, url: str | None = None, urls: str | None = None, **kwargs: Any):
        super().__init__(url=url, urls=urls, **kwargs)
        targets: list[str] = []
        if url is not None:
            targets += [check_url(u) for u in url.split(",") if u.strip()]
        if urls is not None:
            targets += read_url_list(urls)
        if not targets:
            raise SpiderArgumentError(
                "Say what to archive: -a url=URL (several separated by commas) or -a urls=FILE (one URL a line)."
            )
        self.start_urls = list(dict.fromkeys(targets))

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            await self.scheduler_room()  # 200,000 URLs are not 200,000 requests in memory
            request = await self.fetch_or_recheck(scrapy.Request(url, callback=self.parse, errback=self.fetch_failed))
            if request is not None:
                yield request

    def parse(self, response: Response, **kwargs: Any) -> ArchivedPage:
        return self.page(response)
