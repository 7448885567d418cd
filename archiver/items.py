"""What the archiver's spiders yield: one item per fetched page."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ArchivedPage:
    """A page that has been captured; the article pipeline extracts its text.

    ``html`` is the decoded page, or None when the response is not HTML
    (a PDF, an image): such a page is archived but gives no article.
    """

    url: str
    capture_id: int | None
    status: int
    content_type: str | None
    html: str | None
