"""Scrapy's HttpCompressionMiddleware, decoding with :mod:`archiver.formats.codings`.

It takes the place of Scrapy's (``DOWNLOADER_MIDDLEWARES`` in
:mod:`archiver.settings`, same priority), so that the crawl decodes bodies
exactly as raw replay and ``archiver reextract`` do, advertises only the
codings that module decodes, and turns a body it cannot decode into a page
that says so instead of a failed request or compressed bytes read as text.
The WARC record is written before this runs (the capture middleware sits
next to the downloader), so it keeps the body as received either way.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import Response, TextResponse
from scrapy.responsetypes import responsetypes

from archiver.formats.codings import ACCEPTED, codings, decode_body, decoding_limit
from archiver.errors import CodingError

logger = logging.getLogger(__name__)

# Request meta: why the response body could not be decoded (the spider makes no article of it).
META_UNDECODABLE = "archiver_undecodable"
ACCEPT_ENCODING = ", ".join(ACCEPTED).encode("ascii")


class DecodingMiddleware(HttpCompressionMiddleware):
    """Decodes ``Content-Encoding`` with :func:`archiver.formats.codings.decode_body`; ``COMPRESSION_ENABLED`` still turns it off."""

    def process_request(self, request: Request) -> None:
        request.headers.setdefault("Accept-Encoding", ACCEPT_ENCODING)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        request.meta.pop(META_UNDECODABLE, None)  # a retried request starts afresh
        values = response.headers.getlist("Content-Encoding")
        if request.method == "HEAD" or not codings(values):
            return response
        try:
            body = decode_body(response.body, values, decoding_limit(request.meta.get("download_maxsize", self._max_size)))
        except CodingError as exc:
            logger.warning("No article from %s: body could not be decoded (%s); the response is archived as received",
                           response.url, exc)
            request.meta[META_UNDECODABLE] = str(exc)
            if self.stats:
                self.stats.inc_value("archiver/undecodable")
            return response
        if self.stats:
            self.stats.inc_value("httpcompression/response_bytes", len(body))
            self.stats.inc_value("httpcompression/response_count")
        headers = response.headers.copy()
        del headers["Content-Encoding"]
        cls = responsetypes.from_args(headers=headers, url=response.url, body=body)
        # a TextResponse guesses its encoding again from the decoded bytes
        extra = {"encoding": None} if issubclass(cls, TextResponse) else {}
        return response.replace(cls=cls, body=body, headers=headers, **extra)
