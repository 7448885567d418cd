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
:mod:`archiver.text.words`), so a line matches even when another extractor
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
from collections.abc import Iterator, Mapping
from typing import Any, Callable

from lxml import etree
from lxml.html import HtmlElement

from archiver.runtime.cpu import CpuMeter
from archiver.text.words import count as count_words
from archiver.text.words import tokens
from archiver.extract.structured import visible  # some extractors keep soft hyphens, trafilatura drops them

_BLOCK_TAGS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "tr", "dd", "dt",
    "section", "article", "header", "footer", "br", "ul", "ol", "table", "figcaption", "figure", "aside",
})


def _words(text: str) -> str:
    """A text as one space-separated, case-folded word string, padded so that ``in`` matches whole words."""
    return " " + " ".join(tokens(visible(text).casefold())) + " "


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
    from archiver.extract.trafilatura_compat import readability

    return element_lines(readability(copy.deepcopy(tree)))


def justext_lines(tree: HtmlElement, url: str | None = None, language: str | None = None) -> list[str]:
    """jusText's non-boilerplate paragraphs (through ``trafilatura.external``, with its cleaning)."""
    from archiver.extract.justext_compat import install
    from archiver.extract.trafilatura_compat import justext_body

    install()  # the same paragraphs, their text and path worked out once
    return element_lines(justext_body(copy.deepcopy(tree), url, (language or "").split("-")[0] or None))


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
    """An extractor that votes: a name, a function of (tree, url, language) to its lines, and its cost.

    ``cost`` (CPU ms per corpus page, each voter asked on every page in one process) orders the voters:
    the cheaper ones are asked first, and a dearer one only when they left a
    line undecided.
    """

    name: str
    lines: Callable[[HtmlElement, str | None, str | None], list[str]]
    cost: float


VOTERS: dict[str, Voter] = {
    "readability": Voter("readability", lambda tree, url, lang: readability_lines(tree), 2.8),
    "justext": Voter("justext", lambda tree, url, lang: justext_lines(tree, url, lang), 6.6),
    "resiliparse": Voter("resiliparse", lambda tree, url, lang: resiliparse_lines(tree), 1.8),
}


def _cheapest_first(names: tuple[str, ...]) -> list[str]:
    return sorted(names, key=lambda name: VOTERS[name].cost if name in VOTERS else 0.0)


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
# A paragraph that could join the text is in each confirming voter's text, and the voters break
# lines at the same block elements: so it lies in a line of at least this many words there that
# the text lacks.  8 is the largest that changed no text of the 945 corpus pages (25, the
# paragraph's own minimum, lost 3 paragraphs that a voter had split at a <br>).
ADD_HINT_WORDS = 8


def _votes(words: str, ballots: list[str]) -> int:
    return sum(words in ballot for ballot in ballots)


class Ballots(Mapping):
    """The voters' lines for one page, each read the first time the vote asks for it."""

    def __init__(self, tree: HtmlElement, url: str | None, language: str | None, meter: CpuMeter | None = None,
                 read: Mapping[str, list[str]] | None = None):
        self._page = (tree, url, language)
        self._meter = meter or CpuMeter()
        self._read: dict[str, list[str]] = dict(read or {})  # lines the extractor already read

    def __getitem__(self, name: str) -> list[str]:
        if name not in self._read:
            with self._meter.stage(f"vote/{name}"):
                self._read[name] = VOTERS[name].lines(*self._page)
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(VOTERS)

    def __len__(self) -> int:
        return len(VOTERS)


def _drop(text: str, lines: Mapping[str, list[str]], rule: Rule) -> list[str]:
    """The lines of ``text`` that the drop vote keeps, asking the cheapest voters first."""
    all_lines = text.splitlines()
    votes = {i: 0 for i, line in enumerate(all_lines) if count_words(line) <= rule.drop_max_words}
    keys = {i: _words(all_lines[i]) for i in votes}
    voting = 0  # voters that found something (the others abstain)
    for name in _cheapest_first(rule.drop_voters):
        undecided = [i for i in votes if votes[i] < rule.drop_min_votes]
        if not undecided:
            break  # every short line has its votes: the dearer voters cannot change that
        found = lines.get(name)
        if not found:
            continue
        voting += 1
        ballot = _words("\n".join(found))
        for i in undecided:
            votes[i] += keys[i] in ballot
    need = min(rule.drop_min_votes, voting)
    return [line for i, line in enumerate(all_lines) if votes.get(i, need) >= need]


def _may_add(whole: str, lines: Mapping[str, list[str]], rule: Rule) -> bool:
    """Whether any paragraph could join the text, judged by the confirming voters alone (cheaper than add_from).

    When a paragraph needs every confirming voter, one that found nothing,
    or found nothing the text lacks, rules out every paragraph.
    """
    if rule.add_min_votes < len(rule.add_confirm):
        return True
    for name in _cheapest_first(rule.add_confirm):
        found = lines.get(name)
        if not found or all(count_words(line) < ADD_HINT_WORDS or _words(line) in whole for line in found):
            return False
    return True


def vote(text: str, lines: Mapping[str, list[str]], rule: Rule = RULE) -> str:
    """The extractor's ``text`` after the vote of the other extractors' ``lines`` (by extractor name).

    An extractor that found nothing (an empty list) abstains rather than
    voting every line out.  Added paragraphs go where ``rule.add_from`` has
    them: after the last line of the text that comes before them there.
    ``lines`` may read each extractor's lines only when asked (:class:`Ballots`).
    """
    kept = _drop(text, lines, rule)
    if not rule.add_from:
        return "\n".join(kept)
    whole = _words(" ".join(kept))
    if not _may_add(whole, lines, rule) or not lines.get(rule.add_from):
        return "\n".join(kept)
    confirm = [_words("\n".join(lines[name])) for name in rule.add_confirm if lines.get(name)]
    keys = [_words(line) for line in kept]
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


def voted_text(tree: HtmlElement, url: str | None, text: str, language: str | None = None, rule: Rule = RULE,
               meter: CpuMeter | None = None, read: Mapping[str, list[str]] | None = None) -> str:
    """The extractor's ``text`` after the vote of the rule's extractors on the parsed page ``tree``.

    ``tree`` must be a page no extractor changed (an extractor may prune a
    tree it is given; trafilatura works on copies), with the site rules and
    promo rules applied.  A voter runs
    only when the vote needs it (with a ``meter``, its CPU counts under
    ``vote/NAME``).  ``read`` holds voters' lines the extractor already
    read on the same tree (:attr:`MainText.ballots`).
    """
    return vote(text, Ballots(tree, url, language, meter, read), rule)
