"""The default extractor: trafilatura, with options chosen on the annotated corpus.

Options are those of :data:`OPTIONS` (``bench/extraction.py``; README.md has
the table): comments are off, since with them on trafilatura appends the
comment form to the article.  A page where they find fewer than
:data:`RECALL_BELOW_WORDS` words is read again with ``favor_recall``, which
finds the text of some pages the default pass misses.
"""

from __future__ import annotations

from typing import Any

import trafilatura

from ..core.words import count as count_words
from .backend import MainText, Page

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
        document = self._extract(page, OPTIONS)
        if _words(document) < RECALL_BELOW_WORDS:
            # little or nothing found: a second, recall-oriented pass on a fresh tree (rare, so cheap overall)
            second = self._extract(page, {**OPTIONS, "favor_recall": True})
            if _words(second) > _words(document):
                document = second
        if document is None or not (document.text or "").strip():
            return None
        return MainText(document.text, document.title, document.author, document.date, document.sitename,
                        document.description)

    @staticmethod
    def _extract(page: Page, options: dict[str, Any]) -> Any:
        return trafilatura.bare_extraction(page.tree(), url=page.url, with_metadata=True, **options)
