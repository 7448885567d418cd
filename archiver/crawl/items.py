"""What the archiver's spiders yield: one item per fetched page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ArchivedPage:
    """A page that has been captured; the article pipeline extracts its text.

    ``html`` is the decoded page, or None when the response is not HTML
    (a PDF, an image): such a page is archived but gives no article.
    ``not_article`` says why a page is captured but not extracted (a
    listing page met in a site crawl).  ``hints`` are what the sitemap or
    feed entry that led here said of the article (title, date, author).
    """

    url: str
    capture_id: int | None
    content_type: str | None
    html: str | None
    hints: dict[str, Any] = field(default_factory=dict)
    not_article: str | None = None
    unchanged: bool = False  # a re-check found the archived bytes unchanged: nothing to extract
    cut_from: int | None = None  # the body's size, when ``html`` is only its first ARCHIVER_EXTRACT_MAX_BYTES
