"""``retries``: what a sitemap or feed listed and a crawl could not fetch, tried again by the next runs.

A watermark moves on past an entry that failed (else one deleted article
would pin it, and every run would read again all that is newer); the entry
waits here instead, for at most :data:`MAX_TRIES` runs in all.
"""

from __future__ import annotations

import sqlite_utils

MAX_TRIES = 3  # a page listed before it was live, or a server down for the night, is back by then


def note(db: sqlite_utils.Database, url: str, site: str, kind: str, error: str, now: str) -> None:
    """A URL failed (again): one try more."""
    db.execute(
        "INSERT INTO retries (url, site, kind, tries, error, failed_at) VALUES (?, ?, ?, 1, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET tries = retries.tries + 1, error = excluded.error, failed_at = excluded.failed_at",
        [url, site, kind, error, now],
    )


def clear(db: sqlite_utils.Database, url: str) -> None:
    """A URL was fetched after all."""
    db.execute("DELETE FROM retries WHERE url = ?", [url])


def due(db: sqlite_utils.Database, site: str, limit: int) -> list[tuple[str, str]]:
    """A site's URLs (and their kinds) to try again, oldest failure first; those archived since are let go."""
    db.execute("DELETE FROM retries WHERE site = ? AND url IN (SELECT url FROM articles)", [site])
    return [(row[0], row[1]) for row in db.execute(
        "SELECT url, kind FROM retries WHERE site = ? AND tries < ? ORDER BY failed_at LIMIT ?",
        [site, MAX_TRIES, limit])]
