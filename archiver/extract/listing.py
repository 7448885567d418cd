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

from typing import Any

from lxml import etree

from archiver.text.words import count as count_words
from archiver.extract.structured import article_items, json_ld_items

RUNNING_WORDS = 50  # flags.SHORT_WORDS: a text shorter than this is too short to be an article anyway
CONTAINER_LINK_SHARE = 0.5
HEADLINE_WORDS = 4  # a link of this many words or more reads like a headline
TEASER_WORDS = 60  # an element with a headline link for fewer words of text than this is a list of teasers
# text that is not running text: links, headings, scripts, buttons, navigation, headers and footers
_NOT_RUNNING = frozenset({"a", "script", "style", "noscript", "template", "h1", "h2", "h3", "h4", "h5", "h6",
                          "button", "select", "textarea", "nav", "header", "footer"})


def _link_words(node: Any) -> tuple[int, int]:
    """Words of link text in an element, and how many of its links read like headlines."""
    counts = [count_words(" ".join(a.itertext())) for a in node.iter("a")]
    return sum(counts), sum(n >= HEADLINE_WORDS for n in counts)


def running_words(tree: Any) -> int:
    """The most words of running text one element of the page holds that is not a list of teasers.

    One walk of the body, each element's running words, link words and
    headline links summed into its parent's as it closes: a page's work
    grows with its size, not with its size times its depth (a page of
    nested ``<div>``s, 2,000 deep, would otherwise hold the reactor for seconds).
    """
    body = tree if tree.tag == "body" else tree.find("body")
    if body is None:
        return 0
    best = 0
    totals: list[list[int]] = []  # per open element: [running words, link words, headline links]
    hidden = 0  # open elements whose text is not running text
    for event, element in etree.iterwalk(body, events=("start", "end", "comment", "pi")):
        tag = element.tag
        if event in ("comment", "pi"):  # no text of its own, but the text after it is its parent's
            if totals and element.tail and not hidden:
                totals[-1][0] += count_words(element.tail)
            continue
        if event == "start":
            hidden += tag in _NOT_RUNNING
            own = [count_words(element.text) if element.text and not hidden else 0, 0, 0]
            if tag == "a":
                words = count_words(" ".join(element.itertext()))
                own[1:] = [words, words >= HEADLINE_WORDS]
            totals.append(own)
            continue
        words, linked, headlines = totals.pop()
        hidden -= tag in _NOT_RUNNING
        if words >= RUNNING_WORDS and linked <= CONTAINER_LINK_SHARE * words and headlines < max(2, words / TEASER_WORDS):
            best = max(best, words)
        if totals:
            parent = totals[-1]
            parent[0] += words + (count_words(element.tail) if element.tail and not hidden else 0)
            parent[1] += linked
            parent[2] += headlines
    return best


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
