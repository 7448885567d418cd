"""Listing or article: told by what a page contains, never by what its ``og:type`` says.

A site crawl fetches section fronts, tag pages and home pages for their
links; they hold teasers, not an article.  ``og:type`` cannot tell: sites
give ``website`` or ``video.other`` to real articles (a live page, a video
with its write-up).  A page holds an article when

1. its JSON-LD describes an article object (``NewsArticle``, ``BlogPosting``...), or
2. it has running text: an element holds at least :data:`RUNNING_WORDS`
   words of text (links, headings, buttons, navigation, headers and footers
   aside), with at most :data:`CONTAINER_LINK_SHARE` as many words of link
   text, and fewer headline links (:data:`HEADLINE_WORDS` words or more) than
   one per :data:`TEASER_WORDS` words of text.  A listing's excerpts sit one
   per teaser, each too short, or together with a headline link each.

Scrapy-free; reads a parsed lxml tree (the site spider passes Scrapy's own).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from lxml import etree

from ..core.words import count as count_words
from .structured import article_items, json_ld_items

RUNNING_WORDS = 50  # flags.SHORT_WORDS: a text shorter than this is too short to be an article anyway
CONTAINER_LINK_SHARE = 0.5
HEADLINE_WORDS = 4  # a link of this many words or more reads like a headline
TEASER_WORDS = 60  # an element with a headline link for fewer words of text than this is a list of teasers
# text that is not running text: links, headings, scripts, buttons, navigation, headers and footers
_TEXT = etree.XPath(
    "//body//text()[not(ancestor::a or ancestor::script or ancestor::style or ancestor::noscript or ancestor::template "
    "or ancestor::h1 or ancestor::h2 or ancestor::h3 or ancestor::h4 or ancestor::h5 or ancestor::h6 "
    "or ancestor::button or ancestor::select or ancestor::textarea or ancestor::nav or ancestor::header or ancestor::footer)]")


def _words(node: Any) -> int:
    return count_words(" ".join(node.itertext()))


def _link_words(node: Any) -> tuple[int, int]:
    """Words of link text in an element, and how many of its links read like headlines."""
    counts = [count_words(" ".join(a.itertext())) for a in node.iter("a")]
    return sum(counts), sum(n >= HEADLINE_WORDS for n in counts)


def running_words(tree: Any) -> int:
    """The most words of running text one element of the page holds that is not a list of teasers."""
    text: Counter[Any] = Counter()
    for piece in _TEXT(tree):
        owner = piece.getparent()
        if piece.is_tail and owner is not None:
            owner = owner.getparent()
        words = count_words(piece)
        while owner is not None and words:
            text[owner] += words
            owner = owner.getparent()
    for element, words in text.most_common():
        if words < RUNNING_WORDS:
            break
        linked, headlines = _link_words(element)
        if linked <= CONTAINER_LINK_SHARE * words and headlines < max(2, words / TEASER_WORDS):
            return words
    return 0


def holds_article(tree: Any) -> bool:
    """Does the page hold an article (structured data says so, or it has running text)?"""
    if article_items(json_ld_items(tree)):
        return True
    return running_words(tree) >= RUNNING_WORDS


def is_listing(tree: Any, by_url: bool = False) -> bool:
    """A page to read for its links, not to extract: it holds no article, and it was
    reached as a listing (``by_url``: a start page, a section or tag URL) or it lists
    teasers (two headline links or more).  Anything else is extracted: a page
    the test cannot read (text drawn by scripts, odd markup) is not lost on a guess.
    """
    if holds_article(tree):
        return False
    body = tree.find("body")
    return by_url or (body is not None and _link_words(body)[1] >= 2)
