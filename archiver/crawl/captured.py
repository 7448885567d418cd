"""What a browser captured of a page, as the archive keeps it: its responses and its DOM, filed on the I/O thread.

:mod:`archiver.crawl.render` renders the page; here, each response the
browser received becomes an exchange for the WARC writer (headers as
received, the body as the browser hands it over, decoded, with headers made
true of it), and :func:`file_rendering` writes them, the DOM's ``urn:dom:``
resource record and a ``captures`` row for each.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from archiver.values.dates import iso_utc
from archiver.values.media import header_text
from archiver.formats.records import Capture
from archiver.formats.warc import HttpExchange
from archiver.archive.writer import ArchiveWriter

MAX_RESPONSES = 500  # a page's responses written at most
MAX_TRAFFIC = 64 * 1024 * 1024  # bytes of a page's responses written at most (the rest: skipped)
BODY_SECONDS = 5.0  # waiting for one response's body at most
_REWRITTEN = ("content-encoding", "content-length", "transfer-encoding")


def browser_headers(headers: list[tuple[str, str]], length: int) -> list[tuple[bytes, bytes]]:
    """Headers as a browser received them, made true of the decoded body it stored: originals kept as X-Archive-Orig-*."""
    out = [((f"X-Archive-Orig-{name}" if name.lower() in _REWRITTEN else name).encode("latin-1", "replace"),
            value.encode("latin-1", "replace")) for name, value in headers]
    return out + [(b"Content-Length", str(length).encode())]


@dataclass
class Rendering:
    """What the browser made of one page, filed on the I/O thread by :func:`file_rendering`."""

    url: str
    plain_capture_id: int | None
    browser: str
    status: int
    dom: bytes
    fetched_at: datetime
    traffic: list[HttpExchange] = field(default_factory=list)


def file_rendering(writer: ArchiveWriter, rendering: Rendering) -> tuple[int, int, tuple[int, int]]:
    """On the I/O thread: the browser's responses, then the DOM's resource record, each with its ``captures`` row.

    Every row says which browser made it and which plain capture it
    rendered again; ``archiver cdxj`` and ``archiver wacz`` index them as any
    capture (the DOM under its ``urn:dom:`` URL).  Returns the DOM capture's
    id, the number of rows written, and the WARC records and bytes written so far (read here, where they are).
    """
    warc = writer.warc
    assert warc is not None
    document = None
    for exchange in rendering.traffic:
        location = warc.write_browser_exchange(exchange, rendering.browser)
        if document is None and exchange.url == rendering.url:
            document = location.record_id
        headers = {name.lower(): value for name, value in exchange.response_headers}
        writer.capture_at(Capture(
            url=exchange.url, method=exchange.method.decode("latin-1"),
            fetched_at=iso_utc(exchange.fetched_at, "microseconds"), status=exchange.status,
            reason=exchange.reason.decode("latin-1"), content_type=header_text(headers.get(b"content-type")),
            size=len(exchange.body), ip_address=exchange.ip_address, browser=rendering.browser,
            render_of=rendering.plain_capture_id), location)
    links = {"WARC-Browser-Capture": rendering.browser, **({"WARC-Concurrent-To": document} if document else {})}
    uri = f"urn:dom:{rendering.url}"
    location = warc.write_resource(uri, "text/html; charset=utf-8", rendering.dom, rendering.fetched_at, links)
    capture = Capture(url=uri, method="GET", fetched_at=iso_utc(rendering.fetched_at, "microseconds"),
                      status=200, content_type="text/html; charset=utf-8", size=len(rendering.dom),
                      browser=rendering.browser, render_of=rendering.plain_capture_id)
    return writer.capture_at(capture, location), len(rendering.traffic) + 1, (warc.records_written, warc.bytes_written)


def file_failure(writer: ArchiveWriter, url: str, plain_capture_id: int | None, browser: str, reason: str) -> None:
    """On the I/O thread: a row saying why the browser gave nothing (the plain capture's says it as it gives no
    article, through the archive service)."""
    writer.capture_at(Capture(url=url, method="GET", fetched_at=iso_utc(), error=f"not rendered: {reason}",
                              browser=browser, render_of=plain_capture_id), None)  # type: ignore[arg-type]


async def exchange(response: Any, fetched_at: datetime, budget: list[int]) -> HttpExchange | None:
    """One response the browser received, as an exchange for the WARC writer; None if it is not to be kept."""
    parts = urlsplit(response.url)
    if parts.scheme not in ("http", "https"):
        return None  # data:, blob:: nothing came over the network
    try:
        body = await asyncio.wait_for(response.body(), BODY_SECONDS)
    except Exception:  # noqa: BLE001 - a redirect, a body still streaming, a closed page: no body to keep
        body = b""
    if len(body) > budget[0]:
        return None
    budget[0] -= len(body)
    request = response.request
    try:
        received = [(h["name"], h["value"]) for h in await response.headers_array()]
        sent = [(h["name"], h["value"]) for h in await request.headers_array()]
        address = (await response.server_addr() or {}).get("ipAddress")
    except Exception:  # noqa: BLE001 - the page closed under us
        return None
    if not any(name.lower() == "host" for name, _ in sent):
        sent.insert(0, ("Host", parts.netloc))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return HttpExchange(
        url=response.url, method=request.method.encode("ascii", "replace"),
        request_target=target.encode("ascii", "backslashreplace"),
        request_headers=[(n.encode("latin-1", "replace"), v.encode("latin-1", "replace")) for n, v in sent],
        request_body=request.post_data_buffer or b"", protocol="HTTP/1.1", status=response.status,
        reason=(response.status_text or "").encode("latin-1", "replace"),
        response_headers=browser_headers(received, len(body)), body=body, ip_address=address, fetched_at=fetched_at)
