"""A tiny extractor for tests of the extractor interface: the text of every <p>, nothing else."""

from __future__ import annotations

from typing import Any

from archiver.extract import MainText, Page


class ParagraphsExtractor:
    """Every paragraph's text, one a line."""

    def describe(self) -> dict[str, Any]:
        return {"name": "paragraphs", "version": "1"}

    def main_text(self, page: Page) -> MainText | None:
        lines = [" ".join(p.text_content().split()) for p in page.tree().iter("p")]
        text = "\n".join(line for line in lines if line)
        return MainText(text) if text else None
