"""WARC records written byte by byte, for tests that need hostile ones (lengths, targets, damage) no tool writes."""

from __future__ import annotations

import gzip
import uuid

PARAGRAPH = ("<p>Paragraph {i} of {title}: the council met on Tuesday evening and voted on the budget for the "
             "harbour, the schools and the new bridge across the river, after a long debate.</p>")


def page(title: str) -> bytes:
    """An article page with enough text to be extracted."""
    paras = "".join(PARAGRAPH.format(i=i, title=title) for i in range(8))
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{paras}</article></body></html>".encode()


def response(url: str, body: bytes | None = None, length: str | None = None, title: str = "A story") -> bytes:
    """A WARC/1.1 response record of an HTML page; ``length`` overrides its Content-Length (as text)."""
    block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + (page(title) if body is None else body)
    head = (f"WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\nWARC-Date: 2026-11-01T06:30:12Z\r\n"
            f"WARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(block) if length is None else length}\r\n\r\n")
    return head.encode() + block + b"\r\n\r\n"


def gzipped(*records: bytes) -> bytes:
    """Each record as its own gzip member, as WARC files are written."""
    return b"".join(gzip.compress(record) for record in records)
