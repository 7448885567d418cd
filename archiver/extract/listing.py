"""Listing or article: told by what a page contains, never by what its ``og:type`` says.

A site crawl fetches section fronts, tag pages and home pages for their
links; they hold teasers, not an article.  ``og:type`` cannot tell: sites
give ``website`` or ``video.other`` to real articles (a live page, a video
with its write-up).  A page holds an article when

1. its JSON-LD describes an article object (``NewsArticle``, ``BlogPosting``...), or
2. it has running text: at least :data:`RUNNING_WORDS` words in the
   paragraphs (``<p>``) of one container, their links aside, with no more
   than :data:`CONTAINER_LINK_SHARE` as many words of link text in that
   container and fewer than :data:`LINKED_HEADINGS` headings that are links.
   A listing's excerpts sit one per teaser, or between the headline links
   of their teasers.

Scrapy-free; reads a parsed lxml tree (the site spider passes Scrapy's own).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..core.words import count as count_words
from .structured import article_items, json_ld_items

RUNNING_WORDS = 50  # flags.SHORT_WORDS: a text shorter than this is too short to be an article anyway
CONTAINER_LINK_SHARE = 0.5
LINKED_HEADINGS = 2
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _words(node: Any) -> int:
    return count_words(" ".join(node.itertext()))


def _link_words(node: Any) -> int:
    return sum(_words(a) for a in node.iter("a"))


def _teasers(container: Any) -> bool:
    """Headings that are links: the headlines of a listing's teasers."""
    return sum(h.find(".//a") is not None for h in container.iter(*_HEADINGS)) >= LINKED_HEADINGS


def running_words(tree: Any) -> int:
    """The most words of paragraph text (links aside) that one container of the page holds."""
    paragraphs: Counter[Any] = Counter()
    for p in tree.iter("p"):
        if any(ancestor.tag == "a" for ancestor in p.iterancestors()):
            continue
        parent = p.getparent()
        if parent is not None:
            paragraphs[parent] += _words(p) - _link_words(p)
    best = 0
    for container, words in paragraphs.most_common():
        if words < max(best, RUNNING_WORDS):
            break
        if _link_words(container) <= CONTAINER_LINK_SHARE * words and not _teasers(container):
            best = words
    return best


def holds_article(tree: Any) -> bool:
    """Does the page hold an article (structured data says so, or it has running text)?"""
    if article_items(json_ld_items(tree)):
        return True
    return running_words(tree) >= RUNNING_WORDS
