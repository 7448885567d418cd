"""Scrapy's HTTP/1.1 download handler, keeping the real status line.

Scrapy's :class:`~scrapy.http.Response` has no reason phrase, yet a WARC
record must carry the status line the server sent (``HTTP/1.1 404 Gone
Fishing`` stays that).  This handler is Scrapy's own, with an agent that
notes the protocol version and reason phrase in the request's meta
(``archiver_status_line``) as soon as the response head arrives.

In a distributed crawl each download first waits for its host's turn across
all workers (:func:`archiver.crawl.hosts.send_politely`): here, after
Scrapy's download slot let the request go, so the send time reserved is the
time it is sent.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Response

from archiver.crawl.compat import download_watching_heads
from archiver.crawl.extension import ArchiveExtension
from archiver.crawl.hosts import send_politely

META_STATUS_LINE = "archiver_status_line"


def _note_status_line(head: Any, request: Request) -> None:
    version = b"%s/%d.%d" % head.version
    request.meta[META_STATUS_LINE] = (version.decode("ascii"), head.code, head.phrase or b"")


class ArchivingDownloadHandler(HTTP11DownloadHandler):
    """HTTP(S) handler that records each response's status line for the WARC writer."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.crawler = crawler
        # None: a crawl of one process, or `scrapy shell`, which archives nothing
        archive = crawler.get_extension(ArchiveExtension)
        self.hosts = archive.hosts if archive is not None else None

    async def download_request(self, request: Request) -> Response:
        if self.hosts is None:
            return await self._download(request)
        return await send_politely(self.crawler, self.hosts, request, lambda: self._download(request))

    async def _download(self, request: Request) -> Response:
        request.meta.pop(META_STATUS_LINE, None)  # never a stale one from a retry
        return await download_watching_heads(self, request, _note_status_line)
