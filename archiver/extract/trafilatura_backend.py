"""The default extractor: trafilatura, with options chosen on the annotated corpus.

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

from ..core.words import count as count_words
from . import justext_compat, trafilatura_compat
from .backend import MainText, Page
from .voting import element_lines

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
    """trafilatura's ``bare_extraction`` on the pruned tree, with a recall pass for thin results."""

    def describe(self) -> dict[str, Any]:
        return {"name": "trafilatura", "version": trafilatura.__version__, "options": OPTIONS}

    def main_text(self, page: Page) -> MainText | None:
        # bare_extraction, htmldate and the author search each work on a copy of their own: the tree stays as it is
        tree = page.view if page.view is not None else page.tree()
        with trafilatura_compat.readability_kept(element_lines) as readability:
            document = self._extract(tree, page.url, OPTIONS)
        if _words(document) < RECALL_BELOW_WORDS:
            # little or nothing found: a second, recall-oriented pass (rare, so cheap overall)
            second = self._extract(tree, page.url, {**OPTIONS, "favor_recall": True})
            if _words(second) > _words(document):
                document = second
        if document is None or not (document.text or "").strip():
            return None
        with page.stage("metadata"):
            found = trafilatura_compat.metadata(tree, page.url, page.known)
        return MainText(document.text, found.title, found.author, found.date, found.sitename, found.description,
                         ballots={"readability": readability[0]} if readability else {})

    @staticmethod
    def _extract(tree: Any, url: str, options: dict[str, Any]) -> Any:
        return trafilatura.bare_extraction(tree, url=url, with_metadata=False, **options)
