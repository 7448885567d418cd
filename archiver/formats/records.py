"""The archive's typed records: what the writer takes and returns.

Plain values, no SQL and no Scrapy; ``archiver/storage`` alone maps them to
columns.  An extracted article is :class:`archiver.extract.Article`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from archiver.text.similarity import Signature
from archiver.formats.warc import RecordLocation, RefersTo


@dataclass
class Capture:
    """One response received, or one request that failed: a ``captures`` row."""

    url: str
    method: str
    fetched_at: str  # ISO 8601 UTC
    status: int | None = None
    reason: str | None = None
    content_type: str | None = None
    size: int | None = None
    ip_address: str | None = None
    error: str | None = None  # why there is no record or no article
    etag: str | None = None
    last_modified: str | None = None
    browser: str | None = None  # the browser that rendered the page (archiver/crawl/render.py); None: a plain fetch
    render_of: int | None = None  # the plain fetch's capture that the browser rendered again


@dataclass(frozen=True)
class Previous:
    """The capture holding a URL's archived bytes, which an unchanged re-check refers to.

    ``capture_id`` is None when another worker's shard holds the record (a
    distributed crawl): the revisit names it by record id only.
    """

    capture_id: int | None
    refers_to: RefersTo


@dataclass(frozen=True)
class RecheckState:
    """An archived article URL's re-check state: when it is due, and what a conditional GET sends."""

    next_check_at: str | None  # ISO 8601 UTC; None: never again
    previous: Previous | None
    etag: str | None
    last_modified: str | None

    def due(self, now: str) -> bool:
        """Whether the re-check has come (``now`` ISO 8601 UTC, as stored)."""
        return self.next_check_at is not None and self.next_check_at <= now


@dataclass(frozen=True)
class Stored:
    """What became of a capture: its row id, and where its record is (None when no record was written)."""

    capture_id: int
    location: RecordLocation | None
    warc_error: Exception | None = None
    warc_totals: tuple[int, int] | None = None  # records and bytes written so far, read where they are written


@dataclass(frozen=True)
class PendingDiff:
    """A new version whose diff against the previous one is still to be computed (off the I/O thread)."""

    version_id: int
    old_title: str | None
    old_text: str | None
    new_title: str | None
    new_text: str | None


@dataclass(frozen=True)
class Saved:
    """What saving an article did: ``article_id`` None when a later capture already holds its URL."""

    article_id: int | None
    new: bool  # the URL had no article before
    version: str  # "new", "changed", "cosmetic" or "same"
    chrome_dropped: int = 0  # blocks the site chrome memory took out
    pending_diff: PendingDiff | None = None
    signature: Signature | None = None  # of the text as saved (site chrome out), to file its story by


@dataclass
class CrawlEnd:
    """How a crawl ended, for its ``crawls`` row."""

    reason: str
    stats: dict = field(default_factory=dict)  # its counters are read from them (archiver.storage.crawls.counters)
    sources: dict[str, tuple[str, datetime | None]] = field(default_factory=dict)  # url -> (kind, newest entry)
