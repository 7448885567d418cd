"""Small hand-made records for tests that file articles without a crawl."""

from __future__ import annotations

from archiver.text.similarity import signature
from archiver.extract import Article
from archiver.extract.blocks import blocks


def an_article(text: str, title: str | None = "T", date: str | None = None) -> Article:
    """An extracted article with this text and title, as the pipeline would give it."""
    found = blocks(text.replace(". ", ".\n"))
    return Article(title=title, authors=[], date=date, sitename=None, language=None, description=None, text=text,
                   word_count=len(text.split()), extractor={"name": "test"}, extracted_at="2026-11-28T00:00:00.000Z",
                   blocks=found, signature=signature(found))
