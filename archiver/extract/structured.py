"""Article metadata from structured data: JSON-LD first, then OpenGraph and meta tags.

Publishers describe their articles for search engines and social networks
(schema.org ``NewsArticle`` in JSON-LD, OpenGraph ``og:`` and ``article:``
properties); that description is more reliable than guessing from the page
layout, so it wins over trafilatura's heuristics field by field.  Every value
is plain text (:func:`plain`): entities decoded, whitespace folded.  Read as
extruct reads them (its JSON-LD and OpenGraph rules), without extruct, whose
other syntaxes bring rdflib and html5lib into every worker (10 MiB); this
module knows nothing of Scrapy or SQLite.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate
from typing import Any
from urllib.parse import urlsplit

import jstyleson  # JSON with comments and trailing commas, as some sites write JSON-LD

ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle", "LiveBlogPosting",
    "BlogPosting", "SocialMediaPosting", "TechArticle", "Report", "ScholarlyArticle",
})
# " | Site", " - Site", " – Site", " — Site", " :: Site", " · Site", " • Site", " » Site", "Section › Title"
SEPARATORS = re.compile(r"(\s+(?:\||-|–|—|::|·|•|»|›)\s+|\s*\|\s*)")
_WORDS = re.compile(r"[\W_]+", re.UNICODE)
# soft hyphens and zero-width characters: they break words for the eye, never in a title
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
# an HTML or JavaScript comment line before a script's JSON, which some sites leave there
_COMMENT_LINE = re.compile(r"^\s*(//.*|<!--.*-->)")
# JSON-LD nested deeper than this is no article's description (schema.org's nest a few levels): it is
# ignored, never decoded (Python's decoder recurses, and past a thousand levels raises RecursionError)
JSON_DEPTH = 64
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_NESTING = {"[": 1, "{": 1, "]": -1, "}": -1}


def visible(text: str) -> str:
    """``text`` without soft hyphens and zero-width characters.

    A regular expression, 14 times as fast as ``str.translate`` with a dict,
    which looks every character up in it.
    """
    return _INVISIBLE.sub("", text)


def plain(value: Any) -> str | None:
    """A metadata value as plain text: entities decoded (twice-escaped ones too), invisible characters gone, whitespace folded, NFC."""
    if value is None:
        return None
    text = str(value)
    for _ in range(2):  # "&amp;#8217;" is "&#8217;" escaped once more
        if "&" not in text:
            break
        text = html.unescape(text)
    text = " ".join(visible(unicodedata.normalize("NFC", text)).split())  # split() folds NBSP too
    return text or None


@dataclass(frozen=True)
class Metadata:
    """What a page's structured data says of its article (None or empty where it says nothing)."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    sitename: str | None = None
    description: str | None = None
    language: str | None = None
    too_deep: int = 0  # JSON-LD scripts ignored: nested deeper than JSON_DEPTH


def _types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type") or []
    return {str(k).rsplit("/", 1)[-1] for k in (kind if isinstance(kind, list) else [kind])}


def article_items(items: list[Any]) -> list[dict[str, Any]]:
    """schema.org article objects, including those inside ``@graph`` lists."""
    found = []
    for item in items:
        if isinstance(item, list):
            found += article_items(item)
        elif isinstance(item, dict):
            if _types(item) & ARTICLE_TYPES and (item.get("headline") or item.get("name")):
                found.append(item)
            found += article_items(item.get("@graph") or [])
    return found


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return plain(value)  # JSON-LD often carries raw entities ("doesn&#8217;t", "&nbsp;")


def author_names(value: Any) -> list[str]:
    """Names from a schema.org ``author`` (a string, a Person or Organization, or a list of them)."""
    values = value if isinstance(value, list) else [value]
    names = []
    for item in values:
        name = _text(item)
        if name and not name.startswith(("http://", "https://")) and name not in names:
            names.append(name)
    return names


def display_authors(names: list[str]) -> str | None:
    """``A``, ``A and B``, ``A, B and C``."""
    if not names:
        return None
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def iso_date(value: Any) -> str | None:
    """An ISO 8601 date or date-time, as precise as the source gave it; None if unreadable."""
    text = _text(value)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.date().isoformat() if len(text) <= 10 else moment.isoformat()


def names_site(part: str, sitename: str | None, url: str) -> bool:
    """Does this piece of a title name the site (its site name, or its host name squashed)?"""
    words = set(_WORDS.split(part.lower())) - {""}
    if not words:
        return False
    site_words = set(_WORDS.split((sitename or "").lower())) - {"", "the"}
    # the whole site name, give or take one word ("Mail Online" in "Daily Mail Online")
    if site_words and site_words <= words and len(words - site_words - {"the"}) <= 1:
        return True
    labels = set((urlsplit(url).hostname or "").lower().split("."))
    if words <= labels | {"the", "blog", "news", "online", "magazin", "magazine"} and words & labels:
        return True  # "Teufel Blog" on blog.teufel.de
    squashed = _WORDS.sub("", part.lower())
    return squashed in labels or ("the" + squashed) in labels or squashed.removeprefix("the") in labels


def too_deep(text: str, depth: int = JSON_DEPTH) -> bool:
    """Whether the JSON ``text`` nests arrays and objects deeper than ``depth``, told without decoding it.

    Its strings removed, then all but its brackets (linear regular
    expressions: possessive, no backtracking), the depth is the highest sum
    of +1 per opening and -1 per closing bracket, summed in C.  Where the
    text stops being JSON the sum may go wrong, but a decoder stops there too.
    """
    if text.count("[") + text.count("{") <= depth:  # most scripts: too few to nest that deep
        return False
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return bool(brackets) and max(accumulate(map(_NESTING.__getitem__, brackets))) > depth


def _json(text: str) -> Any:
    """A script's JSON, read leniently (comments, trailing commas); None when malformed; :class:`_TooDeep` past JSON_DEPTH."""
    try:
        if too_deep(text):
            raise _TooDeep
        return json.loads(text, strict=False)
    except ValueError:
        lenient = jstyleson.dispose(_COMMENT_LINE.sub("", text))
        if too_deep(lenient):
            raise _TooDeep from None
        try:
            return json.loads(lenient, strict=False)
        except ValueError:
            return None  # one malformed script must not hide the others


class _TooDeep(Exception):
    """A JSON-LD script nested deeper than JSON_DEPTH."""


def json_ld_scripts(tree: Any) -> tuple[list[Any], int]:
    """The objects of a page's JSON-LD scripts, a script's list flattened (read leniently, as extruct does),
    and how many scripts were ignored as nested deeper than :data:`JSON_DEPTH`."""
    items: list[Any] = []
    deep = 0
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = _json(script.xpath("string()"))
        except _TooDeep:
            deep += 1
            continue
        if isinstance(data, dict):
            data = [data]
        if isinstance(data, list):
            items += [item for item in data if item]
    return items, deep


def json_ld_items(tree: Any) -> list[Any]:
    """The objects of a page's JSON-LD scripts (:func:`json_ld_scripts`)."""
    return json_ld_scripts(tree)[0]


def opengraph(tree: Any) -> dict[str, str]:
    """The ``<meta property content>`` of a page's ``<head>``: each property's first non-blank value, a later head's winning."""
    properties: dict[str, str] = {}
    for head in tree.xpath("//head"):
        found: dict[str, str] = {}
        for meta in head.xpath("meta[@property and @content]"):
            key, value = meta.get("property"), meta.get("content")
            if key not in found or (value.strip() and not found[key].strip()):
                found[key] = value
        properties.update({key: value for key, value in found.items() if value})
    return properties


def structured_metadata(tree: Any) -> Metadata:
    """Metadata from a parsed page's JSON-LD article object, then its OpenGraph and meta tags."""
    items, deep = json_ld_scripts(tree)
    articles = article_items(items)
    ld = articles[0] if articles else {}
    og = opengraph(tree)
    publisher = ld.get("publisher")
    return Metadata(
        title=_text(ld.get("headline")) or _text(ld.get("name")) or _text(og.get("og:title")),
        authors=author_names(ld.get("author")) or author_names(og.get("article:author")),
        date=iso_date(ld.get("datePublished")) or iso_date(og.get("article:published_time"))
        or iso_date(ld.get("dateCreated")),
        sitename=_text(publisher) if isinstance(publisher, (dict, list)) else _text(og.get("og:site_name")),
        description=_text(ld.get("description")) or _text(og.get("og:description")),
        language=_text(ld.get("inLanguage")),
        too_deep=deep,
    )
