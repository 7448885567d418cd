"""Media types: what a Content-Type header says, and which types are HTML pages."""

from __future__ import annotations

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def header_text(value: bytes | str | None) -> str | None:
    """A header value as text (latin-1, which maps every byte), or None when absent or empty."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value or None


def media_type(content_type: bytes | str | None) -> str | None:
    """``text/html`` from ``text/html; charset=utf-8``, lower case; None without one."""
    text = header_text(content_type)
    if text is None:
        return None
    return text.split(";", 1)[0].strip().lower() or None


def is_html(content_type: bytes | str | None) -> bool:
    """Whether a Content-Type names an HTML page."""
    return media_type(content_type) in HTML_TYPES
