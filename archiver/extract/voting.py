"""Extractor voting: keep the lines of the extractor's text that other extractors also find.

Each main-text extractor errs in its own way: trafilatura keeps a share bar
or a "related stories" heading that readability drops, readability drops a
standfirst that jusText keeps.  Bevendorff et al. (SIGIR 2023, "An Empirical
Comparison of Web Content Extraction Algorithms") found that a vote of several
extractors beats each of them.  The vote here is line by line: the text of
the extractor behind ``ARCHIVER_EXTRACTOR`` (trafilatura by default) is the
ballot (its order and its line breaks are kept), and a line stays when
enough of the other extractors' texts also contain it.  Lines are compared as
word sequences (case folded, punctuation aside, words counted in any script:
:mod:`archiver.core.words`), so a line matches even when another extractor
joined it to its neighbours.

Two moves, both measured on the annotated corpus (``bench/voting.py``):

- **drop**: short lines are where chrome hides ("Share", "Related articles",
  "Tags: Politics"); a line of at most a few words that neither jusText nor
  Resiliparse contains leaves the text.  Long lines are story text, never
  put to the vote.
- **add**: a long paragraph that jusText keeps and both Resiliparse and
  readability contain, but the extractor left out, joins the text where
  jusText has it.

Scrapy-free and SQL-free: :func:`voted_text` takes the parsed page (with the
site rules and promo rules applied) and the extractor's text, and returns text.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

from lxml import etree
from lxml.html import HtmlElement

from ..core.cpu import CpuMeter
from ..core.words import count as count_words
from ..core.words import tokens
from .structured import INVISIBLE  # some extractors keep soft hyphens, trafilatura drops them

_BLOCK_TAGS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "tr", "dd", "dt",
    "section", "article", "header", "footer", "br", "ul", "ol", "table", "figcaption", "figure", "aside",
})


def _words(text: str) -> str:
    """A text as one space-separated, case-folded word string, padded so that ``in`` matches whole words."""
    return " " + " ".join(tokens(text.translate(INVISIBLE).casefold())) + " "


def element_lines(element: Any) -> list[str]:
    """The text of an lxml element, one line per block element (paragraph, heading, list item...)."""
    if element is None:
        return []
    element = copy.deepcopy(element)
    for node in element.iter():
        if isinstance(node.tag, str) and node.tag.lower() in _BLOCK_TAGS:
            node.tail = "\n" + (node.tail or "")
            node.text = "\n" + (node.text or "")
    text = etree.tostring(element, method="text", encoding="unicode") or ""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def readability_lines(tree: HtmlElement) -> list[str]:
    """readability's main text (the copy vendored in trafilatura, ``trafilatura.external``)."""
    from trafilatura.external import try_readability

    return element_lines(try_readability(copy.deepcopy(tree)))


def justext_lines(tree: HtmlElement, url: str | None = None, language: str | None = None) -> list[str]:
    """jusText's non-boilerplate paragraphs (through ``trafilatura.external``, with its cleaning)."""
    from trafilatura.external import justext_rescue
    from trafilatura.settings import Extractor

    options = Extractor(url=url, lang=(language or "").split("-")[0] or None)
    body, _ = justext_rescue(copy.deepcopy(tree), options)
    return element_lines(body)


def resiliparse_lines(tree: HtmlElement) -> list[str]:
    """Resiliparse's main-content text (``extract_plain_text(main_content=True)``), one line per block.

    Resiliparse parses HTML itself: it gets the tree serialized, so that the
    rules that pruned the tree apply to it too.
    """
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    html = etree.tostring(tree, encoding="unicode", method="html")
    text = extract_plain_text(HTMLTree.parse(html), main_content=True, preserve_formatting=True,
                              list_bullets=False, alt_texts=False)
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Voter:
    """An extractor that votes: a name and a function of (tree, url, language) to its lines."""

    name: str
    lines: Callable[[HtmlElement, str | None, str | None], list[str]]


VOTERS: dict[str, Voter] = {
    "readability": Voter("readability", lambda tree, url, lang: readability_lines(tree)),
    "justext": Voter("justext", lambda tree, url, lang: justext_lines(tree, url, lang)),
    "resiliparse": Voter("resiliparse", lambda tree, url, lang: resiliparse_lines(tree)),
}


@dataclass(frozen=True)
class Rule:
    """How the vote goes.  The defaults were chosen with bench/voting.py (its docstring says how to run it)."""

    # a line of the extractor's of at most drop_max_words words leaves the text when
    # fewer than drop_min_votes of drop_voters contain it...
    drop_voters: tuple[str, ...] = ("justext", "resiliparse")
    drop_max_words: int = 6
    drop_min_votes: int = 1
    # ...and a paragraph of add_from's of at least add_min_words words that the extractor
    # left out joins it when at least add_min_votes of add_confirm contain it too
    add_from: str | None = "justext"
    add_confirm: tuple[str, ...] = ("resiliparse", "readability")
    add_min_words: int = 25
    add_min_votes: int = 2

    @property
    def voters(self) -> tuple[str, ...]:
        """Every extractor the rule needs."""
        return tuple(dict.fromkeys((*self.drop_voters, *((self.add_from,) if self.add_from else ()), *self.add_confirm)))


RULE = Rule()


def _votes(words: str, ballots: list[str]) -> int:
    return sum(words in ballot for ballot in ballots)


def vote(text: str, lines: dict[str, list[str]], rule: Rule = RULE) -> str:
    """The extractor's ``text`` after the vote of the other extractors' ``lines`` (by extractor name).

    An extractor that found nothing (an empty list) abstains rather than
    voting every line out.  Added paragraphs go where ``rule.add_from`` has
    them: after the last line of the text that comes before them there.
    """
    ballots = [_words("\n".join(lines[name])) for name in rule.drop_voters if lines.get(name)]
    need = min(rule.drop_min_votes, len(ballots))
    kept = [line for line in text.splitlines()
            if not ballots or count_words(line) > rule.drop_max_words or _votes(_words(line), ballots) >= need]
    if not rule.add_from or not lines.get(rule.add_from):
        return "\n".join(kept)
    confirm = [_words("\n".join(lines[name])) for name in rule.add_confirm if lines.get(name)]
    keys = [_words(line) for line in kept]
    whole = _words(" ".join(kept))
    inserts: dict[int, list[str]] = {}
    anchor = -1  # the index in ``kept`` of the last line matched so far, in add_from's order
    for paragraph in lines[rule.add_from]:
        words = _words(paragraph)
        if (count_words(paragraph) >= rule.add_min_words and words not in whole
                and _votes(words, confirm) >= rule.add_min_votes):
            inserts.setdefault(anchor, []).append(paragraph)
            continue
        anchor = next((i for i in range(anchor + 1, len(kept)) if keys[i].strip() and (keys[i] in words or words in keys[i])),
                      anchor)
    merged = inserts.get(-1, [])
    for i, line in enumerate(kept):
        merged += [line, *inserts.get(i, [])]
    return "\n".join(merged)


def ballots(tree: HtmlElement, url: str | None, language: str | None = None, rule: Rule = RULE,
            meter: CpuMeter | None = None) -> dict[str, list[str]]:
    """Each of the rule's voters' lines for the parsed page ``tree`` (each voter reads its own copy).

    With a ``meter``, each voter's CPU counts under ``vote/NAME``.
    """
    meter = meter or CpuMeter()
    found = {}
    for name in rule.voters:
        with meter.stage(f"vote/{name}"):
            found[name] = VOTERS[name].lines(tree, url, language)
    return found


def voted_text(tree: HtmlElement, url: str | None, text: str, language: str | None = None, rule: Rule = RULE,
               meter: CpuMeter | None = None) -> str:
    """The extractor's ``text`` after the vote of the rule's extractors on the parsed page ``tree``.

    ``tree`` must be a page no extractor changed (trafilatura prunes the tree
    it is given), with the site rules and promo rules applied.
    """
    return vote(text, ballots(tree, url, language, rule, meter), rule)
