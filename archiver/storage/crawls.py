"""``crawls`` and ``sources``: each crawl's row, and the watermarks of the sitemaps and feeds it read."""

from __future__ import annotations

from typing import Any, Mapping

import sqlite_utils

from archiver.storage.database import to_json

# What a crawl did, in its crawls row (docs/schema.md: "crawls"): each counter and the stat it is read from
# (docs/stats.md), the one table a crawl, an import and a recovered crawl are counted by.
COUNTER_STATS = {
    "found": "archiver/found",
    "fetched": "archiver/fetched",
    "new": "archiver/articles/new",
    "skipped_archived": "archiver/skipped/archived",
    "skipped_old": "archiver/skipped/old",
    "skipped_robots": "robotstxt/forbidden",
    "failed": "archiver/failed",
}
COUNTERS = tuple(COUNTER_STATS)


def counters(stats: Mapping[str, Any]) -> dict[str, int]:
    """A crawl's counters, from its stats (a stat it never counted is 0)."""
    return {column: int(stats.get(stat) or 0) for column, stat in COUNTER_STATS.items()}


def start(db: sqlite_utils.Database, spider: str, args: Mapping[str, Any], started_at: str) -> int:
    """A new ``crawls`` row; returns its id."""
    cursor = db.execute("INSERT INTO crawls (spider, args, started_at) VALUES (?, ?, ?)",
                        [spider, to_json(dict(args)), started_at])
    return int(cursor.lastrowid)


def finish(db: sqlite_utils.Database, crawl_id: int, finished_at: str, reason: str, stats: Mapping[str, Any],
           counted: Mapping[str, Any] | None = None) -> None:
    """Close a ``crawls`` row with its finish reason, its stats, and its :func:`counters` (of ``counted``, the
    stats its rows show (:func:`counted`), for a crawl that could not count them itself)."""
    assigned = ", ".join(f"{c} = ?" for c in COUNTERS)
    values = counters(stats if counted is None else counted)
    db.execute(
        f"UPDATE crawls SET finished_at = ?, finish_reason = ?, stats = ?, {assigned} WHERE id = ?",
        [finished_at, reason, to_json(dict(stats)), *values.values(), crawl_id],
    )


def unfinished(db: sqlite_utils.Database) -> list[int]:
    """The crawls whose row was never finished (still running, or killed)."""
    return [row[0] for row in db.execute("SELECT id FROM crawls WHERE finished_at IS NULL ORDER BY id")]


def counted(db: sqlite_utils.Database, crawl_id: int) -> dict[str, int]:
    """What the rows say a crawl did, as the stats its counters are read from (as far as its captures and articles tell)."""
    fetched, failed, new = db.execute(
        "SELECT (SELECT count(*) FROM captures WHERE crawl_id = ?1 AND status IS NOT NULL), "
        "(SELECT count(*) FROM captures WHERE crawl_id = ?1 AND status IS NULL), "
        "(SELECT count(*) FROM versions v JOIN captures c ON c.id = v.capture_id "
        "WHERE c.crawl_id = ?1 AND v.number = 1)", [crawl_id]).fetchone()
    return {COUNTER_STATS["fetched"]: fetched, COUNTER_STATS["failed"]: failed, COUNTER_STATS["new"]: new}


def watermark(db: sqlite_utils.Database, url: str) -> str | None:
    """The newest entry date seen at a sitemap or feed URL, in an earlier crawl."""
    row = db.execute("SELECT watermark FROM sources WHERE url = ?", [url]).fetchone()
    return row[0] if row else None


def save_source(db: sqlite_utils.Database, url: str, kind: str, watermark: str | None, crawl_id: int, now: str) -> None:
    """Record a source's crawl; its watermark only ever moves forward (ISO dates sort as text)."""
    db.execute(
        "INSERT INTO sources (url, kind, watermark, last_crawl_id, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET kind = excluded.kind, last_crawl_id = excluded.last_crawl_id, "
        "updated_at = excluded.updated_at, watermark = CASE "
        "WHEN sources.watermark IS NULL OR excluded.watermark > sources.watermark "
        "THEN excluded.watermark ELSE sources.watermark END",
        [url, kind, watermark, crawl_id, now],
    )
