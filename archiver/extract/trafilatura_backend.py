"""The default extractor: trafilatura, with options chosen on the annotated corpus.

Three ways to run it, named by ``ARCHIVER_EXTRACTOR``: :class:`TrafilaturaExtractor`
(the default: the fast pass, the fallbacks only where it finds little),
:class:`FullTrafilaturaExtractor` (the fallbacks on every page) and
:class:`FastTrafilaturaExtractor` (never the fallbacks).

Options are those of :data:`OPTIONS` (``bench/extraction.py``; docs/extraction.md has
the table): comments are off, since with them on trafilatura appends the
comment form to the article.  A page where they find fewer than
:data:`RECALL_BELOW_WORDS` words is read again with ``favor_recall``, which
finds the text of some pages the default pass misses.

The metadata comes from trafilatura's own search, step by step, without the
steps whose answer the archive would not use (:func:`.trafilatura_compat.metadata`).
Every patch of trafilatura and jusText is in :mod:`.trafilatura_compat` and
:mod:`.justext_compat`.
"""

from __future__ import annotations

from typing import Any

import trafilatura

from archiver.text.words import count as count_words
from archiver.extract import justext_compat, trafilatura_compat
from archiver.extract.backend import MainText, Page
from archiver.extract.voting import element_lines

# the same answers sooner: trafilatura's regular-expression tests guarded, jusText's paragraphs (its fallback) cheaper
trafilatura_compat.install()
justext_compat.install()

RECALL_BELOW_WORDS = 50
OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "favor_precision": False,
    "favor_recall": False,
    "deduplicate": False,
}


def _words(document: Any) -> int:
    return count_words((document and document.text) or "")


class TrafilaturaExtractor:
    """trafilatura's ``bare_extraction`` on the pruned tree: its fast pass first, the fallbacks where it finds little.

    trafilatura's fallbacks (its copies of readability and jusText, compared
    with its own result on every page) are a fifth of its CPU; on the
    corpus they improve mostly the pages where its own pass finds little.
    So the first pass is the fast one (``fast=True``: no fallbacks) and
    the pass with fallbacks runs only where that found fewer than
    ``full_below_words`` words (100: 6% of the corpus pages); its text is
    then the page's.  A pass that finds fewer than
    :data:`RECALL_BELOW_WORDS` words is followed by one with
    ``favor_recall``.  ``bench/tradeoffs.py`` measured the choice (docs/performance.md).
    """

    fast = True  # the first pass without trafilatura's fallback extractors
    full_below_words = 100  # then the pass with fallbacks where the first found fewer words (0: never)

    def describe(self) -> dict[str, Any]:
        return {"name": "trafilatura", "version": trafilatura.__version__,
                "options": {**OPTIONS, "fast": self.fast, "full_below_words": self.full_below_words}}

    def main_text(self, page: Page) -> MainText | None:
        # bare_extraction, htmldate and the author search each work on a copy of their own: the tree stays as it is
        tree = page.view if page.view is not None else page.tree()
        cascade = self.fast and self.full_below_words > 0
        document, ballots = self._pass(tree, page.url, self.fast, recall=not cascade)
        if cascade and _words(document) < self.full_below_words:
            document, ballots = self._pass(tree, page.url, False)
        if document is None or not (document.text or "").strip():
            return None
        with page.stage("metadata"):
            found = trafilatura_compat.metadata(tree, page.url, page.known)
        return MainText(document.text, found.title, found.author, found.date, found.sitename, found.description,
                        ballots=ballots)

    def _pass(self, tree: Any, url: str, fast: bool, recall: bool = True) -> tuple[Any, dict[str, list[str]]]:
        """One extraction (``fast``: without fallbacks) and readability's lines if it ran them, for the vote."""
        with trafilatura_compat.readability_kept(element_lines) as readability:
            document = self._extract(tree, url, {**OPTIONS, "fast": fast})
        if recall and _words(document) < RECALL_BELOW_WORDS:
            # little or nothing found: a second, recall-oriented pass (rare, so cheap overall)
            second = self._extract(tree, url, {**OPTIONS, "favor_recall": True})
            if _words(second) > _words(document):
                document = second
        return document, ({"readability": readability[0]} if readability else {})

    @staticmethod
    def _extract(tree: Any, url: str, options: dict[str, Any]) -> Any:
        return trafilatura.bare_extraction(tree, url=url, with_metadata=False, **options)


class FullTrafilaturaExtractor(TrafilaturaExtractor):
    """trafilatura with its fallbacks on every page (the default until the cascade: 4 ms a page more)."""

    fast = False
    full_below_words = 0


class FastTrafilaturaExtractor(TrafilaturaExtractor):
    """trafilatura's fast pass alone, without readability and jusText as fallbacks (the recall pass aside)."""

    full_below_words = 0
