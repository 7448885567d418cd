"""What extraction keeps of a page: the :class:`Article` record, or :class:`NoArticle` saying why not."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from archiver.text.similarity import Signature
from archiver.text.words import count as count_words
from archiver.extract.structured import display_authors

# The site chrome memory never takes more than half of a text: more, and
# the page is a copy of one already seen.
COPY_SHARE = 0.5


class NoArticle(Exception):
    """The page holds no article text; the message says why."""


@dataclass(frozen=True)
class Article:
    """An extracted article: metadata, clean text, the page-level flags, and what the archive files it by."""

    title: str | None
    authors: list[str]
    date: str | None  # ISO 8601, a date-time when the page gives one
    sitename: str | None
    language: str | None
    description: str | None
    text: str
    word_count: int
    extractor: dict[str, Any]  # name, version, options (articles.extractor)
    extracted_at: str
    interstitial: str | None = None
    link_share: float = 0.0
    blocks: dict[str, str] = field(default_factory=dict)  # the text's blocks, for the site chrome memory
    # computed in the extraction worker, so that the crawl process only looks signatures up
    signature: Signature = field(default_factory=Signature)  # for copies and stories
    # CPU seconds by stage in the worker (archiver/runtime/cpu.py): counted in the crawl's stats, never stored
    cpu: dict[str, float] = field(default_factory=dict, compare=False)
    source: str = "html"  # where the text came from (articles.source): html, embedded:KIND, rendered...
    shell: str | None = None  # why the page looks like an app shell (archiver/extract/embedded.py), if it does

    @property
    def author(self) -> str | None:
        """The authors as one display string."""
        return display_authors(self.authors)

    def without_blocks(self, chrome: set[str]) -> "Article":
        """The same article without the lines of these blocks (site chrome).

        A page made mostly of blocks seen elsewhere is a copy of another page
        (the same story at a second URL), not chrome: it keeps its text.
        """
        lines = {self.blocks[key] for key in chrome if key in self.blocks}
        if not lines:
            return self
        text = "\n".join(line for line in self.text.splitlines() if line not in lines)
        if count_words(text) < COPY_SHARE * self.word_count:
            return self
        return replace(self, text=text, word_count=count_words(text),
                       blocks={k: v for k, v in self.blocks.items() if k not in chrome},
                       signature=self.signature.without(chrome))

    def as_rendered(self) -> "Article":
        """The same article, its ``source`` saying that the page it came from is a browser's rendered DOM."""
        return replace(self, source="rendered" if self.source == "html" else f"rendered+{self.source}")

    def with_hints(self, hints: dict[str, Any]) -> "Article":
        """Fill the metadata the page did not give from what its sitemap or feed entry said."""
        gaps: dict[str, Any] = {name: hints[name] for name in ("title", "date") if getattr(self, name) is None and hints.get(name)}
        if not self.authors and hints.get("author"):
            gaps["authors"] = [hints["author"]]
        return replace(self, **gaps) if gaps else self
