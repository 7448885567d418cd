"""Reading RSS, Atom and JSON Feed documents, and finding a page's feeds.

RSS (0.9x, 1.0, 2.0) and Atom (0.3, 1.0) are read as a stream with lxml's
``iterparse``, each entry dropped once read, up to the entries asked for:
a feed of any size costs the time of the entries kept and little memory.
JSON Feed (https://jsonfeed.org) is plain JSON with a published schema,
read with :mod:`json`.  This module knows nothing of Scrapy: it takes bytes
and returns entries.
"""

from __future__ import annotations

import codecs
import html
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html
from w3lib.encoding import http_content_type_encoding

from archiver.values.dates import parse_date
from archiver.values.media import is_html, media_type


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
    truncated: bool = False  # the document lists more entries than were asked for


# A JSON Feed item is an object with a few more (authors, attachments) and their lists.
CONTAINERS_PER_ENTRY = 40
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def _is_json(body: bytes, content_type: str) -> bool:
    return "json" in content_type.lower() or body.lstrip()[:1] == b"{"


def _json_feed(body: bytes, url: str, max_entries: int) -> Feed:
    """Read a JSON Feed whole, unless it holds more objects and arrays than its entries could need."""
    # json parses a document whole: 128 MiB of "[]," would be 2.4 GiB of lists
    structure = _JSON_STRING.sub(b'""', body)  # brackets in text (code in content_html) are no objects
    containers = structure.count(b"{") + structure.count(b"[")
    del structure
    if containers > (max_entries + 1) * CONTAINERS_PER_ENTRY:
        raise FeedError(f"JSON of {containers:,} objects and arrays, more than {max_entries:,} entries could hold; "
                        "not read (raise ARCHIVER_SOURCE_MAX_ENTRIES to read it)")
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise FeedError(f"malformed JSON: {exc}") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith("https://jsonfeed.org/"):
        raise FeedError("JSON without a JSON Feed version")
    entries: list[FeedEntry] = []
    items = document.get("items")
    for item in items if isinstance(items, list) else []:
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
    return Feed("json", entries[:max_entries], truncated=len(entries) > max_entries)


# RSS and Atom ------------------------------------------------------------------------------------

ATOM_NAMESPACES = {"http://www.w3.org/2005/Atom": "atom10", "http://purl.org/atom/ns#": "atom03"}
RSS_NAMESPACES = frozenset(("", "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/"))
DUBLIN_CORE = ("http://purl.org/dc/elements/1.1/", "http://purl.org/dc/terms/")
# an entry's children read: media:title, itunes:author and the like are not the entry's own
ENTRY_NAMESPACES = frozenset((*RSS_NAMESPACES, *ATOM_NAMESPACES, *DUBLIN_CORE))
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
# An entry's date: when it was published (RSS, Atom 1.0 and 0.3, Dublin Core terms), else when it changed.
DATES = ("pubDate", "published", "issued", "created", "updated", "modified", "date")
_DECLARES_ENCODING = re.compile(rb"^<\?xml[^>]*\sencoding\s*=")
INLINE_TAGS = re.compile(r"</?(?:a|abbr|b|big|br|cite|code|del|em|font|i|ins|kbd|mark|q|s|small|span|strike|strong|sub|"
                         r"sup|tt|u)\b[^<>]*>", re.IGNORECASE)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _name(tag: object) -> tuple[str, str]:
    """An element's namespace and local name; comments and processing instructions have neither."""
    if not isinstance(tag, str):
        return "", ""
    if tag[:1] == "{":
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _kind(root: etree._Element) -> str | None:
    """The format a root element starts, named as feedparser names it (``rss20``, ``atom10``...); None for no feed.

    Whatever its namespace: RSS 2.0 in UserLand's or Harvard's, Atom in none.
    """
    namespace, local = _name(root.tag)
    if local == "feed":
        return ATOM_NAMESPACES.get(namespace, "atom10")
    if local == "rss":
        return "rss" + "".join(c for c in root.get("version", "") if c.isdigit())
    if local == "RDF":
        return "rss10"
    return None


def _is_entry(element: etree._Element, own: str) -> bool:
    """An ``<item>`` or ``<entry>``, in a feed's namespace (``own``, its root's) or a known one."""
    namespace, local = _name(element.tag)
    if local == "item":
        return namespace in RSS_NAMESPACES or namespace == own
    return local == "entry" and (namespace in ATOM_NAMESPACES or namespace == own)


def _text(element: etree._Element, markup: str) -> str | None:
    """An element's text as a reader sees it, its whitespace collapsed.

    ``markup`` says what the text may hold: ``html`` (Atom's type="html": tags removed, entities read),
    ``rss`` (RSS text is often escaped HTML: inline tags removed, entities read; ``vector<int>`` kept),
    ``text`` or ``xhtml`` (Atom's: as it is; xhtml's markup is elements, already left out).
    """
    text = "".join(element.itertext())
    if markup == "html" and ("<" in text or "&" in text):
        try:
            text = lxml_html.fragment_fromstring(text, create_parent="div").text_content()
        except (ValueError, etree.ParserError):
            pass
    elif markup == "rss" and ("<" in text or "&" in text):
        text = html.unescape(INLINE_TAGS.sub("", text))
    return " ".join(text.split()) or None


def _base(element: etree._Element, url: str) -> str:
    """The URL an element's relative links are read against: the feed's, then each ``xml:base`` down to it."""
    for ancestor in reversed([element, *element.iterancestors()]):
        base = ancestor.get(XML_BASE)
        if base:
            url = urljoin(url, base.strip())
    return url


def _xml_entry(item: etree._Element, url: str, own: str) -> FeedEntry | None:
    """An ``<item>`` or ``<entry>``; None without a link.

    Its link is RSS's ``<link>``, else Atom's alternate (the HTML one first), else a permalink ``<guid>`` or
    an Atom ``<id>`` that is a URL.
    """
    link = alternate = guid = ident = title = author = None
    dates: dict[str, str] = {}
    atom = _name(item.tag)[1] == "entry"
    for child in item:
        namespace, local = _name(child.tag)
        if namespace not in ENTRY_NAMESPACES and namespace != own:
            continue
        text = (child.text or "").strip()
        if local == "link" and child.get("href") is None:
            link = link or (text and urljoin(_base(child, url), text))
        elif local == "link" and child.get("rel", "alternate") == "alternate":
            # the first alternate, unless a later one is the HTML page and it is not
            if alternate is None or ("html" in child.get("type", "html") and "html" not in alternate[1]):
                alternate = (urljoin(_base(child, url), child.get("href", "").strip()), child.get("type", "html"))
        elif local == "guid" and child.get("isPermaLink", child.get("ispermalink", "true")).lower() != "false" and text:
            guid = urljoin(_base(child, url), text)
        elif local == "id" and text.startswith(("http://", "https://")):
            ident = text
        elif local == "title" and title is None:
            title = _text(child, child.get("type", "text") if atom else "rss")
        elif local in ("author", "creator") and author is None:
            names = [el for el in child if _name(el.tag)[1] == "name"]
            author = _text(names[0] if names else child, "rss")
        elif local in DATES and text:
            dates.setdefault(local, text)
    found = link or (alternate and alternate[0]) or guid or ident
    if not found:
        return None
    date = next((dates[key] for key in DATES if key in dates), None)
    return FeedEntry(url=found, title=title, date=parse_date(date), author=author)


def _xml_source(body: bytes, content_type: str) -> bytes:
    """The bytes libxml2 should read: in UTF-8 when only the Content-Type header names the encoding."""
    head = body.lstrip()
    if head.startswith(_BOMS) or _DECLARES_ENCODING.match(head[:200]):
        return body
    encoding = http_content_type_encoding(content_type)
    if encoding in (None, "utf-8", "ascii"):
        return body
    return body.decode(encoding, "replace").encode("utf-8")


def _xml_feed(body: bytes, url: str, content_type: str, max_entries: int) -> Feed:
    """Read RSS or Atom as a stream: each entry once, then dropped; stop past ``max_entries``."""
    # huge_tree: libxml2's bounds (text of 10 MB, 256 levels) would cut a long entry and all after it; the
    # download is bounded (DOWNLOAD_MAXSIZE), and each entry is dropped once read
    events = etree.iterparse(io.BytesIO(_xml_source(body, content_type)), events=("start", "end"), recover=True,
                             resolve_entities=False, no_network=True, remove_comments=True, huge_tree=True)
    kind, own, root, entries, fatal = None, "", "", [], None
    stopped_at: int | None = None  # the line of the first entry past max_entries
    containers: list[etree._Element] = []  # the root, and RSS's <channel>: what entries sit in
    try:
        for event, element in events:
            if event == "start":
                if not containers:
                    if (kind := _kind(element)) is None:
                        root = _name(element.tag)[1]
                        break
                    own = _name(element.tag)[0]
                    containers.append(element)
                elif element.getparent() is containers[0] and _name(element.tag)[1] == "channel":
                    containers.append(element)
                continue
            is_entry = _is_entry(element, own)
            if is_entry:
                if len(entries) == max_entries:
                    stopped_at = element.sourceline or 0  # libxml2 reads on in chunks: its faults past here are not ours
                    break
                entry = _xml_entry(element, url, own)
                if entry:
                    entries.append(entry)
            if is_entry or element.getparent() in containers:  # done with: an entry, or what sits beside entries
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except etree.XMLSyntaxError as exc:  # what even recovery could not read past
        fatal = str(exc)
    errors = [error for error in events.error_log
              if error.level >= etree.ErrorLevels.ERROR and (stopped_at is None or error.line <= stopped_at)]
    problem = f"{errors[0].message} (line {errors[0].line})" if errors else fatal
    if kind is None:
        if _looks_like_html(body):
            raise FeedError(f"not RSS or Atom: an HTML page served as {content_type or 'no content type'}")
        raise FeedError(f"not RSS or Atom ({f'the root element is <{root}>' if root else problem})")
    if problem and not entries:
        raise FeedError(f"malformed XML: {problem}")
    return Feed(kind, entries, problem, stopped_at is not None)


def parse_feed(body: bytes, url: str, content_type: str = "", max_entries: int = 50_000) -> Feed:
    """Read an RSS, Atom or JSON Feed document to its first ``max_entries`` entries.

    Raise :class:`FeedError` if it is none of them.
    """
    if not body.strip():
        raise FeedError("empty body")
    if _is_json(body, content_type):
        return _json_feed(body, url, max_entries)
    return _xml_feed(body, url, content_type, max_entries)


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
