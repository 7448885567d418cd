"""What the archiver's spiders yield (one :class:`ArchivedPage` per fetched page) and what reaches feed exports.

The article pipeline turns each page into an :class:`ArticleItem`, the
article as the archive filed it, or drops it (quietly) when it gave none:
``scrapy crawl article -O articles.jsonl`` exports articles, never raw pages.
Scrapy takes dataclasses as items (itemadapter).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

FLAGS = ("mostly_links", "no_date", "no_title", "too_short")


@dataclass
class ArchivedPage:
    """A page that has been captured; the article pipeline extracts its text.

    ``body`` is the page's bytes as the spider received them (decoded in
    the extraction worker, by ``content_type``), or None when the response
    is not HTML (a PDF, an image): such a page is archived but gives no
    article.
    ``not_article`` says why a page is captured but not extracted (a
    listing page met in a site crawl).  ``hints`` are what the sitemap or
    feed entry that led here said of the article (title, date, author).
    """

    url: str
    capture_id: int | None
    content_type: str | None
    body: bytes | None = field(repr=False)  # kept out of log lines
    hints: dict[str, Any] = field(default_factory=dict)
    not_article: str | None = None
    unchanged: bool = False  # a re-check found the archived bytes unchanged: nothing to extract
    cut_from: int | None = None  # the body's size, when ``body`` is only its first ARCHIVER_EXTRACT_MAX_BYTES
    shell: str | None = None  # extraction found no article, and why the page looks like an app shell (render.py)
    browser: str | None = None  # the body is this browser's rendered DOM (archiver/crawl/render.py)


@dataclass
class ArticleItem:
    """An article as the archive filed it (site chrome out, flags and story set): what feed exports write."""

    url: str
    title: str | None
    author: str | None  # the authors as one display string
    authors: list[str]
    date: str | None
    site: str | None  # the URL's host
    sitename: str | None  # the publication's name
    language: str | None
    description: str | None
    text: str
    word_count: int
    flags: list[str]  # mostly_links, no_date, no_title, too_short, interstitial:KIND
    article_id: int
    capture_id: int | None
    story_id: int | None
    copy_of: int | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "ArticleItem":
        """The item of an ``articles`` row."""
        flags = [name for name in FLAGS if row[f"flag_{name}"]]
        if row["flag_interstitial"]:
            flags.append(f"interstitial:{row['flag_interstitial']}")
        return cls(
            url=row["url"], title=row["title"], author=row["author"], authors=json.loads(row["authors"] or "[]"),
            date=row["date"], site=row["site"], sitename=row["sitename"], language=row["language"],
            description=row["description"], text=row["text"], word_count=row["word_count"], flags=flags,
            article_id=row["id"], capture_id=row["capture_id"], story_id=row["story_id"], copy_of=row["copy_of"],
        )
