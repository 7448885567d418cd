"""The headline a reader sees, chosen by agreement between the page's title candidates.

A page names its article several times: the visible ``<h1>``, JSON-LD
``headline``, ``og:title``, ``twitter:title`` and ``<title>``.  The
structured ones are written for search engines and social networks, and
carry what the reader never sees as the headline: the site name, the
section, a date, an SEO prefix ("Iranischer Angriff auf Israel: «Die
israelische ...»"), raw HTML entities ("doesn&#8217;t").  The visible
``<h1>`` is what the reader sees but may be a logo or a section name.  So:

1. every candidate is unescaped and its whitespace folded (:func:`plain`);
2. a visible ``<h1>`` that a structured title contains (or equals) is the
   headline: two sources agree, and the ``<h1>`` has no affixes;
3. else the first structured title, without the affixes (site name, section,
   date) that the other candidates do not share or that name the site
   (:func:`strip_affixes`).

Scrapy-free and SQL-free; reads a parsed lxml tree, before anything prunes it.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from archiver.extract.structured import SEPARATORS, names_site, plain

# a date piece: "28.04.2023", "2023-04-28", "28/04/23", "April 28, 2023", "28. April 2023"
_DATE = re.compile(r"^\W*(\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}\.?\s+\w+\.?\s+\d{4}|\w+\.?\s+\d{1,2},?\s+\d{4})\W*$")
_WORD = re.compile(r"\w+")
# an <h1> this short is a logo or a section name more often than a headline
H1_MIN_WORDS = 2
SITENAME_MAX_WORDS = 6
# classes and attributes of text only screen readers get
_HIDDEN = re.compile(r"(^|\s)(sr-only|screen-reader-text|visually-hidden|visuallyhidden|hidden|element-invisible)(\s|$)", re.I)


def _key(text: str) -> str:
    """Words, case folded: what two titles must share to agree."""
    return " " + " ".join(_WORD.findall(text.casefold())) + " "


def _visible(node: Any) -> bool:
    for element in (node, *node.iterancestors()):
        style = (element.get("style") or "").replace(" ", "").lower()
        if (element.get("hidden") is not None or element.get("aria-hidden") == "true" or "display:none" in style
                or _HIDDEN.search(element.get("class") or "")):
            return False
    return True


def visible_h1s(tree: Any) -> list[str]:
    """The text of every visible ``<h1>`` of a page, in document order (read before extraction prunes the tree)."""
    found = []
    for node in tree.iter("h1"):
        text = plain(node.text_content())
        if text and _visible(node):
            found.append(text)
    return found


def meta_titles(tree: Any) -> list[str]:
    """``og:title``, ``twitter:title`` and ``<title>``, in that order (read beside the structured metadata)."""
    values = [value for name in ("og:title", "twitter:title")
              for value in tree.xpath(f"//meta[@property='{name}' or @name='{name}']/@content")]
    values += tree.xpath("//title/text()")[:1]
    return [t for t in map(plain, values) if t]


def _is_affix(piece: str, sitename: str | None, url: str, others: Iterable[str]) -> bool:
    """Is this piece of a title a site name, a date, or something the other title candidates leave out?"""
    if _DATE.match(piece) or names_site(piece, sitename, url):
        return True
    key = _key(piece)
    rest = [_key(o) for o in others]
    # a short piece ("Sport", "DW") no other candidate has, while they share the rest of the title
    return bool(rest) and len(key.split()) <= 3 and not any(key in o for o in rest)


def strip_affixes(title: str, sitename: str | None, url: str, others: Iterable[str] = ()) -> str:
    """``title`` without leading and trailing pieces that are site names, sections or dates."""
    others = [o for o in others if _key(o) != _key(title)]
    parts = SEPARATORS.split(title)  # text, separator, text, ...
    pieces, seps = parts[::2], parts[1::2]
    while len(pieces) > 1 and _is_affix(pieces[-1], sitename, url, others):
        pieces, seps = pieces[:-1], seps[:-1]
    while len(pieces) > 1 and _is_affix(pieces[0], sitename, url, others):
        pieces, seps = pieces[1:], seps[1:]
    kept = pieces[0] + "".join(s + p for s, p in zip(seps, pieces[1:]))
    return kept.strip() or title


def headline(structured: list[str | None], h1s: list[str], sitename: str | None, url: str) -> str | None:
    """The headline: a visible ``<h1>`` that a structured title contains, else the best structured title.

    ``structured`` lists the candidates in order of trust (JSON-LD
    ``headline``, ``og:title``, ``twitter:title``, ``<title>``, trafilatura's
    guess); ``h1s`` are the page's visible ``<h1>`` texts.
    """
    if sitename and len(_key(sitename).split()) > SITENAME_MAX_WORDS:
        sitename = None  # a misread headline, not a site name (trafilatura's guess on a page that names no site)
    titles = [t for t in map(plain, structured) if t]
    keys = [_key(t) for t in titles]
    agreed = [h for h in h1s if len(_key(h).split()) >= H1_MIN_WORDS and any(_key(h) in k for k in keys)
              and not names_site(h, sitename, url)]
    if agreed:
        return max(agreed, key=len)  # the fullest of them, if a page has several agreeing <h1>s
    best = strip_affixes(titles[0], sitename, url, titles[1:]) if titles else None
    if best is None or names_site(best, sitename, url):
        # the structured titles only name the site ("Bundespolizei"): the page's own <h1> says more
        return next((h for h in h1s if len(_key(h).split()) >= H1_MIN_WORDS and not names_site(h, sitename, url)), best)
    return best
