"""Only the URL schemes the crawl fetches (``ARCHIVER_ALLOW_SCHEMES``, by default ``http https``).

Three layers, so that none relies on another:

- the spiders make every request for a URL a source gave (a feed or sitemap
  entry, a page's link, a sitemap robots.txt names, the archive's own
  URLs) with :func:`request_for`: a URL whose scheme is not allowed
  (``file:``, ``ftp:``, ``javascript:``, ``mailto:``, anything unknown,
  in any case, behind leading spaces or control characters) is never made a
  request; it is logged and counted, and the rest of its source goes on;
- :class:`SchemeGuard`, the first downloader middleware, refuses every
  request whose scheme is not allowed before any middleware or handler
  touches it (robots.txt included), whatever made it;
- :class:`LocationGuard` refuses a redirect whose ``Location`` has such a
  scheme (the 3xx is archived, its row says why), before Scrapy's
  RedirectMiddleware builds a request from it;
- and ``settings.py`` installs no download handler but http(s)'s.

Each refusal adds to ``archiver/refused/scheme``; the first
:data:`LOGGED` are logged at WARNING, the rest at DEBUG (a hostile sitemap of
50,000 ``javascript:`` entries is one count, not 50,000 warnings).

Threads: the reactor thread (each check is a ``urlsplit``).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from archiver.config import ArchiverConfig

logger = logging.getLogger(__name__)

STAT = "archiver/refused/scheme"
LOGGED = 20  # refusals logged at WARNING in a crawl; the rest at DEBUG
_WEB = ("http", "https")
_REDIRECTS = (301, 302, 303, 307, 308)


def refusal(url: str, allowed: tuple[str, ...]) -> str | None:
    """Why ``url`` is not fetched, or None.

    The scheme is read as browsers and Python's ``urlsplit`` read it:
    leading spaces and control characters dropped, tabs and newlines
    removed, any case.  An http(s) URL without a host is refused too
    (``http:story.html``: Scrapy cannot request it).
    """
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"not a URL ({exc})"
    scheme = parts.scheme.lower()
    if not scheme:
        return "no scheme"
    if scheme not in allowed:
        return f"the {scheme}: scheme is not fetched (ARCHIVER_ALLOW_SCHEMES is {' '.join(allowed)})"
    if scheme in _WEB and not parts.netloc:
        return f"no host after {scheme}:"
    return None


def refused(crawler: Crawler, url: str, why: str) -> None:
    """Count a refused URL in ``archiver/refused/scheme``; log it (at DEBUG past :data:`LOGGED`)."""
    count = crawler.stats.get_value(STAT, 0) + 1
    crawler.stats.set_value(STAT, count)
    level = logging.WARNING if count <= LOGGED else logging.DEBUG
    logger.log(level, "Refused %r: %s%s", url[:2000], why,
               f" (further refusals are counted in {STAT} and logged at DEBUG)" if count == LOGGED else "")


def request_for(crawler: Crawler, url: str, **kwargs: Any) -> scrapy.Request | None:
    """A request for ``url`` (``kwargs`` as :class:`scrapy.Request` takes them), or None when it is refused
    (:func:`refusal`, or no URL Scrapy can request): said and counted, never raised."""
    why = refusal(url, ArchiverConfig.from_crawler(crawler).allow_schemes)
    if why is None:
        try:
            return scrapy.Request(url, **kwargs)
        except ValueError as exc:  # a URL Scrapy refuses after all: the source's other entries go on
            why = str(exc)
    refused(crawler, url, why)
    return None


class SchemeGuard:
    """The first downloader middleware: a request whose scheme is not allowed goes no further."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.allowed = ArchiverConfig.from_crawler(crawler).allow_schemes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "SchemeGuard":
        return cls(crawler)

    def process_request(self, request: scrapy.Request) -> None:
        why = refusal(request.url, self.allowed)
        if why is not None:
            refused(self.crawler, request.url, why)
            raise IgnoreRequest(f"refused: {why}")


class LocationGuard(SchemeGuard):
    """Before Scrapy's RedirectMiddleware: a redirect to a scheme not allowed ends there, saying so."""

    def process_request(self, request: scrapy.Request) -> None:
        return None  # SchemeGuard, first of all, checked it

    def process_response(self, request: scrapy.Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in _REDIRECTS or not location or urlparse_cached(request).scheme not in _WEB:
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        why = refusal(target, self.allowed)
        if why is not None:
            refused(self.crawler, target, why)
            raise IgnoreRequest(f"redirect to {target[:200]!r} refused: {why}")
        return response
