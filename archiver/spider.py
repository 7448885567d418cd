"""What every archiver spider shares: its arguments on record, and pages as items."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from .capture import META_CAPTURE_ID
from .errors import SpiderArgumentError
from .items import ArchivedPage

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def check_url(url: str, where: str = "") -> str:
    """Return ``url`` stripped, or raise if it is not an absolute http(s) URL."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SpiderArgumentError(
            f"{url!r}{where} is not an http(s) URL; give full URLs such as https://example.org/news/story.html."
        )
    return url


def read_url_list(path: str) -> list[str]:
    """URLs from a file, one a line; blank lines and ``#`` comments are skipped."""
    try:
        lines = Path(path).expanduser().read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SpiderArgumentError(
            f"Cannot read the URL list {path!r} ({exc.strerror or exc}); check the path given to -a urls=."
        ) from None
    except UnicodeDecodeError:
        raise SpiderArgumentError(f"The URL list {path!r} is not UTF-8 text; save it as plain UTF-8.") from None
    urls = []
    for number, line in enumerate(lines, start=1):
        line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if line:
            urls.append(check_url(line, f" (line {number} of {path})"))
    if not urls:
        raise SpiderArgumentError(
            f"The URL list {path!r} holds no URL; put one URL a line (blank lines and # comments are ignored)."
        )
    return urls


class ArchiveSpider(scrapy.Spider):
    """Base class: keeps the ``-a`` arguments for the ``crawls`` table, turns responses into items."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.archiver_args = {key: value for key, value in kwargs.items() if value is not None}

    def page(self, response: Response) -> ArchivedPage:
        """The item for a captured response: HTML text when it is HTML."""
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        is_html = isinstance(response, TextResponse) and (
            content_type is None or content_type.split(";")[0].strip().lower() in _HTML_TYPES
        )
        return ArchivedPage(
            url=response.url,
            capture_id=response.meta.get(META_CAPTURE_ID),
            status=response.status,
            content_type=content_type,
            html=response.text if is_html else None,
        )

    def fetch_failed(self, failure: Failure) -> None:
        """Errback: the capture middleware has already recorded the failure; say it once here."""
        request = getattr(failure, "request", None)
        self.logger.warning("Not archived: %s (%s)", getattr(request, "url", "?"), failure.getErrorMessage())
