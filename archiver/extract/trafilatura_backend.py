"""The default extractor: trafilatura, with options chosen on the annotated corpus.

Options are those of :data:`OPTIONS` (``bench/extraction.py``; docs/extraction.md has
the table): comments are off, since with them on trafilatura appends the
comment form to the article.  A page where they find fewer than
:data:`RECALL_BELOW_WORDS` words is read again with ``favor_recall``, which
finds the text of some pages the default pass misses.

The metadata comes from trafilatura's own search, step by step as
``trafilatura.metadata.extract_metadata`` takes it, but without the steps
whose answer the archive would not use: the date (htmldate's extensive
search) and the author (a search on a copy of the whole tree) when the
page's structured data gives them (:attr:`Page.known`), and categories, tags
and licence, which the archive does not keep.  Those steps were about a
third of trafilatura's CPU per page (``bench/throughput.py``).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import trafilatura
from trafilatura import external
from htmldate import find_date
from trafilatura.metadata import (
    META_URL, Document, examine_meta, extract_author, extract_meta_json, extract_sitename, extract_title, extract_url,
    set_date_params,
)

from ..core.words import count as count_words
from . import justext_paragraphs, xpathguard
from .backend import MainText, Page
from .voting import element_lines

# the same answers sooner: trafilatura's regular-expression tests guarded, jusText's paragraphs (its fallback) cheaper
xpathguard.install()
justext_paragraphs.install()

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
        with _readability_kept() as readability:
            document = self._extract(tree, page.url, OPTIONS)
        if _words(document) < RECALL_BELOW_WORDS:
            # little or nothing found: a second, recall-oriented pass (rare, so cheap overall)
            second = self._extract(tree, page.url, {**OPTIONS, "favor_recall": True})
            if _words(second) > _words(document):
                document = second
        if document is None or not (document.text or "").strip():
            return None
        with page.stage("metadata"):
            found = metadata(tree, page.url, page.known)
        return MainText(document.text, found.title, found.author, found.date, found.sitename, found.description,
                         ballots={"readability": readability[0]} if readability else {})

    @staticmethod
    def _extract(tree: Any, url: str, options: dict[str, Any]) -> Any:
        return trafilatura.bare_extraction(tree, url=url, with_metadata=False, **options)


@contextmanager
def _readability_kept() -> Iterator[list[list[str]]]:
    """Keep the lines of readability's pass inside ``bare_extraction`` (its fallback), for the vote.

    trafilatura runs its copy of readability on every page, on the tree it
    was given less comment sections; the vote would otherwise run it again
    on the whole tree (2.9 ms a corpus page, with every corpus text the same
    either way).  Its result is read at once: trafilatura may go on to
    change it.
    """
    kept: list[list[str]] = []
    original = external.try_readability

    def keeping(tree: Any) -> Any:
        result = original(tree)
        if not kept:
            kept.append(element_lines(result))
        return result

    external.try_readability = keeping  # compare_extraction looks it up in trafilatura.external
    try:
        yield kept
    finally:
        external.try_readability = original


def metadata(tree: Any, url: str | None, known: frozenset[str] = frozenset()) -> Document:
    """trafilatura's metadata of the page, without searching for the fields in ``known``.

    The steps of ``trafilatura.metadata.extract_metadata`` (2.x), in its
    order, for title, author, date, site name and description.
    """
    found = examine_meta(tree)
    if found.author and " " not in found.author:  # a handle, not a name (as trafilatura does)
        found.author = None
    try:
        found = extract_meta_json(tree, found)
    except Exception:  # noqa: BLE001 - trafilatura, too, goes on without the JSON-LD (its bugs)
        pass
    found.title = found.title or extract_title(tree)
    if "author" not in known and not found.author:
        found.author = extract_author(tree)
    found.url = found.url or extract_url(tree, url)
    if "date" not in known:
        found.date = find_date(tree, **{**set_date_params(True), "url": found.url})
    found.sitename = found.sitename or extract_sitename(tree)
    if found.sitename:
        found.sitename = found.sitename.lstrip("@")
        if found.sitename and "." not in found.sitename and not found.sitename[0].isupper():
            found.sitename = found.sitename.title()
    elif found.url and (match := META_URL.match(found.url)):
        found.sitename = match[1]
    return found
