"""Reading RSS, Atom and JSON Feed documents, and finding a page's feeds.

RSS and Atom go through feedparser; JSON Feed (https://jsonfeed.org) is
plain JSON with a published schema, read with :mod:`json`.  This module
knows nothing of Scrapy: it takes bytes and returns entries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin
from xml.parsers import expat

from lxml import html as lxml_html

from .dates import parse_date
from .media import is_html, media_type


# On one element: feedparser (through xml.sax) looks each attribute up in a list, so one tag of
# 32,000 attributes (341 KB) took 6.8 s; real feeds have a handful.
MAX_ATTRIBUTES = 500

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
)


class FeedError(Exception):
    """The document is not a feed we can read; the message says why."""


@dataclass(frozen=True)
class FeedEntry:
    """One entry: the article's URL and what the feed says of it."""

    url: str
    title: str | None
    date: datetime | None
    author: str | None


@dataclass(frozen=True)
class Feed:
    kind: str  # "rss20", "atom10", "json", ...
    entries: list[FeedEntry]
    problem: str | None = None  # a malformation the parser recovered from


def _is_json(body: bytes, content_type: str) -> bool:
    return "json" in content_type.lower() or body.lstrip()[:1] == b"{"


def _json_feed(body: bytes, url: str) -> Feed:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"malformed JSON: {exc}") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith("https://jsonfeed.org/"):
        raise FeedError("JSON without a JSON Feed version")
    entries = []
    for item in document.get("items") or []:
        if not isinstance(item, dict) or not (item.get("url") or item.get("external_url")):
            continue
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        names = [a.get("name") for a in authors if isinstance(a, dict) and a.get("name")]
        entries.append(
            FeedEntry(
                url=urljoin(url, item.get("url") or item.get("external_url")),
                title=item.get("title") or None,
                date=parse_date(item.get("date_published") or item.get("date_modified")),
                author=", ".join(names) or None,
            )
        )
    return Feed("json", entries)


def _check_attributes(body: bytes) -> None:
    """Raise :class:`FeedError` if an element has more than :data:`MAX_ATTRIBUTES` attributes.

    One pass of expat (a few ms a MB, against about a second for feedparser);
    malformed XML stops it where it stops feedparser's strict parser too.
    """
    def start(name: str, attributes: list[str]) -> None:  # expat passes on what its handlers raise
        if len(attributes) > 2 * MAX_ATTRIBUTES:  # names and values, one after the other
            raise FeedError(f"<{name}> has more than {MAX_ATTRIBUTES:,} attributes")

    parser = expat.ParserCreate()
    parser.ordered_attributes = True
    parser.StartElementHandler = start
    try:
        parser.Parse(body, True)
    except expat.ExpatError:
        pass


def _xml_feed(body: bytes, url: str, content_type: str) -> Feed:
    import feedparser  # imported on first feed: 2.4 MiB every crawl process would hold otherwise

    _check_attributes(body)

    parsed = feedparser.parse(body, response_headers={"content-location": url, "content-type": content_type})
    if not parsed.get("version") and not parsed.entries:
        if _looks_like_html(body):
            raise FeedError(f"not RSS or Atom: an HTML page served as {content_type or 'no content type'}")
        reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
        raise FeedError(f"not RSS or Atom ({reason})")
    entries = [
        FeedEntry(
            url=urljoin(url, entry.link),
            title=entry.get("title") or None,
            date=parse_date(entry.get("published") or entry.get("updated")),
            author=entry.get("author") or None,
        )
        for entry in parsed.entries
        if entry.get("link")
    ]
    problem = str(parsed.get("bozo_exception")) if parsed.get("bozo") else None
    if problem and not entries:
        raise FeedError(f"malformed XML: {problem}")
    return Feed(parsed.get("version") or "unknown", entries, problem)


def parse_feed(body: bytes, url: str, content_type: str = "") -> Feed:
    """Read an RSS, Atom or JSON Feed document; raise :class:`FeedError` if it is none of them."""
    if not body.strip():
        raise FeedError("empty body")
    if _is_json(body, content_type):
        return _json_feed(body, url)
    return _xml_feed(body, url, content_type)


def _looks_like_html(body: bytes) -> bool:
    head = body.lstrip()[:512].lower()
    return head.startswith(b"<!doctype html") or head.startswith(b"<html")


def is_html_page(body: bytes, content_type: str) -> bool:
    """Is this an HTML page rather than a feed? The content type says, or the body when it says nothing useful."""
    if is_html(content_type):
        return True
    return (media_type(content_type) or "") in ("", "text/plain", "application/octet-stream") and _looks_like_html(body)


def discover_feeds(page: str, url: str) -> list[str]:
    """Feed URLs a page announces with ``<link rel="alternate" type="application/rss+xml" ...>``."""
    try:
        tree = lxml_html.fromstring(page)
    except (ValueError, lxml_html.etree.ParserError):
        return []
    found = []
    for link in tree.xpath("//link[@href][@type]"):
        rel = (link.get("rel") or "").lower().split()
        if "alternate" in rel and media_type(link.get("type")) in FEED_TYPES:
            found.append(urljoin(url, link.get("href").strip()))
    return list(dict.fromkeys(found))


def entry_hints(entry: FeedEntry) -> dict[str, Any]:
    """What a feed entry says of its article, for ``articles.hints``."""
    hints = {"title": entry.title, "author": entry.author, "date": entry.date.isoformat() if entry.date else None}
    return {key: value for key, value in hints.items() if value}
