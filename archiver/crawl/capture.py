"""The capture middleware: every response the downloader receives goes to a WARC file.

It sits next to the downloader (priority 950), so it sees each response as it
came off the wire, before Scrapy decompresses it, follows its redirect or
retries it: robots.txt, redirects, 404s and non-HTML included.  Each one
becomes a WARC ``request``/``response`` pair and a ``captures`` row; a request
that fails (DNS, refused connection, timeout) becomes a ``captures`` row with
the error and no WARC record.  The row id is left in the request's meta as
``archiver_capture_id`` for the spider and the article pipeline.

Threads: the reactor thread builds the exchange; the archive's I/O thread
writes it (:meth:`archiver.archive.writer.ArchiveWriter.capture`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any

import logging

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from archiver.values.dates import iso_utc
from archiver.values.media import header_text
from archiver.formats.records import Capture, Previous
from archiver.extract import NoArticle
from archiver.formats.warc import HttpExchange
from archiver.crawl.download import META_STATUS_LINE
from archiver.crawl.extension import ArchiveExtension
from archiver.crawl.guard import refused_because

logger = logging.getLogger(__name__)

META_CAPTURE_ID = "archiver_capture_id"
# set by the spider on a re-check: the capture that holds the URL's archived bytes (a Previous)
META_PREVIOUS = "archiver_previous"
# set here when the response was unchanged and written as a revisit record
META_UNCHANGED = "archiver_unchanged"
_ARCHIVED_SCHEMES = {"http", "https"}


def host_header(request: Request) -> bytes:
    """The Host header as Twisted sends it: no default port, IPv6 in brackets."""
    parts = urlparse_cached(request)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and (parts.scheme, parts.port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{parts.port}"
    return host.encode("ascii", "backslashreplace")  # Scrapy URLs carry IDNA hosts already


def _header_pairs(headers: Any) -> list[tuple[bytes, bytes]]:
    """Scrapy headers as (name, value) pairs, one per value: two Set-Cookie stay two."""
    return [(name, value) for name, values in headers.items() for value in values]


def _request_target(request: Request) -> bytes:
    parts = urlparse_cached(request)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target.encode("ascii", "backslashreplace")


def _status_line(request: Request, response: Response) -> tuple[str, int, bytes]:
    noted = request.meta.get(META_STATUS_LINE)
    if noted and noted[1] == response.status:
        return noted
    # Another download handler: the standard phrase is the best we know.
    try:
        reason = HTTPStatus(response.status).phrase.encode()
    except ValueError:
        reason = b""
    return response.protocol or "HTTP/1.1", response.status, reason


def exchange_from(request: Request, response: Response, fetched_at: datetime) -> HttpExchange:
    """The HTTP exchange as it went over the wire, for the WARC writer."""
    protocol, status, reason = _status_line(request, response)
    request_headers = [(b"Host", host_header(request))] + [
        pair for pair in _header_pairs(request.headers) if pair[0].lower() != b"host"
    ]
    return HttpExchange(
        url=request.url,
        method=request.method.encode("ascii"),
        request_target=_request_target(request),
        request_headers=request_headers,
        request_body=request.body,
        protocol=protocol,
        status=status,
        reason=reason,
        response_headers=_header_pairs(response.headers),
        body=response.body,
        ip_address=str(response.ip_address) if response.ip_address else None,
        fetched_at=fetched_at,
    )


class WarcCaptureMiddleware:
    """Downloader middleware writing each response to WARC and ``captures``."""

    def __init__(self, archive: ArchiveExtension):
        self.archive = archive
        self.stats = archive.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "WarcCaptureMiddleware":
        middleware = cls(ArchiveExtension.of(crawler))
        crawler.signals.connect(middleware.request_dropped, signal=signals.request_dropped)
        return middleware

    def request_dropped(self, request: Request, spider: Any) -> None:
        """A redirect the scheduler dropped as already seen is a loop: say so on the redirect's capture row."""
        hops = request.meta.get("redirect_urls")
        capture_id = request.meta.get(META_CAPTURE_ID)
        if not hops or capture_id is None:
            return
        self.stats.inc_value("archiver/failed")
        path = " -> ".join([*hops, request.url])
        logger.warning("No article: redirect loop %s", path)
        # not awaited (signal handlers here are not): the archive service reports its failure, if any
        self.archive.service.file(request.url, capture_id, NoArticle(f"redirect loop ({path})"))

    async def process_response(self, request: Request, response: Response) -> Response:
        if urlparse_cached(request).scheme not in _ARCHIVED_SCHEMES or "cached" in response.flags:
            return response  # a copy from Scrapy's HTTP cache was archived when it was fetched
        if request.meta.get("playwright"):
            return response  # a browser's rendering: archived by archiver/crawl/render.py
        exchange = exchange_from(request, response, datetime.now(timezone.utc))
        reason = exchange.reason.decode("latin-1")
        capture = Capture(
            url=request.url,
            method=request.method,
            # to the microsecond, as the record's WARC-Date: a revisit's WARC-Refers-To-Date repeats it exactly
            fetched_at=iso_utc(exchange.fetched_at, "microseconds"),
            status=exchange.status,
            reason=reason,
            content_type=header_text(response.headers.get(b"Content-Type")),
            size=len(exchange.body),
            ip_address=exchange.ip_address,
            error=f"HTTP {exchange.status} {reason}".rstrip() if exchange.status >= 400 else None,
            etag=header_text(response.headers.get(b"ETag")),
            last_modified=header_text(response.headers.get(b"Last-Modified")),
        )
        previous: Previous | None = request.meta.get(META_PREVIOUS)
        stored = await self.archive.attempt("storage", self.archive.writer.capture, capture, exchange, previous)
        if stored is None:
            return response
        if stored.warc_error is not None:
            self.archive.report("warc", stored.warc_error)
        self.stats.inc_value("archiver/captures")
        self.stats.inc_value("archiver/fetched")
        request.meta[META_CAPTURE_ID] = stored.capture_id
        if stored.location is not None and stored.warc_totals is not None:
            self.stats.set_value("archiver/warc/records", stored.warc_totals[0])
            self.stats.set_value("archiver/warc/bytes", stored.warc_totals[1])
            if stored.location.revisit:
                self.stats.inc_value(f"archiver/revisits/{stored.location.revisit}")
                request.meta[META_UNCHANGED] = stored.location.revisit
        return response

    async def process_exception(self, request: Request, exception: Exception) -> None:
        if urlparse_cached(request).scheme not in _ARCHIVED_SCHEMES or request.meta.get("playwright"):
            return None  # a browser's failure: its row is archiver/crawl/render.py's
        refused = refused_because(urlparse_cached(request).hostname)
        if isinstance(exception, IgnoreRequest):  # never sent (robots.txt, offsite): a row says why
            self.stats.inc_value("archiver/not_fetched")
            error = f"not fetched: {exception}"
        elif refused is not None:
            request.meta["dont_retry"] = True  # the same address would be refused again
            self.stats.inc_value("archiver/refused")
            error = refused
        else:
            error = f"{type(exception).__name__}: {exception}"
        capture = Capture(url=request.url, method=request.method, fetched_at=iso_utc(), error=error)
        self.stats.inc_value("archiver/captures/failed")
        if await self.archive.attempt("storage", self.archive.writer.capture, capture) is not None:
            self.stats.inc_value("archiver/captures")
        return None
