"""``retries``: what a sitemap or feed listed and a crawl could not fetch, tried again by the next runs.

A watermark moves on past an entry that failed (else one deleted article
would pin it, and every run would read again all that is newer); the entry
waits here instead, for at most :data:`MAX_TRIES` runs in all.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

import sqlite_utils

from archiver.storage.database import to_json
from archiver.values.sites import site_of_host

MAX_TRIES = 3  # a page listed before it was live, or a server down for the night, is back by then


def note(db: sqlite_utils.Database, url: str, site: str, kind: str, error: str, now: str,
         hints: Mapping[str, Any]) -> None:
    """A URL failed (again): one try more.  ``site``: the crawl's (any host name of it), which asks for it next time."""
    site = site_of_host(site)
    db.execute(
        "INSERT INTO retries (url, site, kind, tries, error, failed_at, hints) VALUES (?, ?, ?, 1, ?, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET tries = retries.tries + 1, error = excluded.error, failed_at = excluded.failed_at",
        [url, site, kind, error, now, to_json(dict(hints)) if hints else None],
    )


def clear(db: sqlite_utils.Database, url: str) -> None:
    """A URL was fetched after all."""
    db.execute("DELETE FROM retries WHERE url = ?", [url])


def due(db: sqlite_utils.Database, site: str, limit: int) -> list[tuple[str, str, dict[str, Any]]]:
    """A site's URLs to try again, with their kinds and what their source said of them, oldest failure first.

    Those archived since are let go.  ``site``: any host name of it.
    """
    site = site_of_host(site)
    db.execute("DELETE FROM retries WHERE site = ? AND url IN (SELECT url FROM articles)", [site])
    return [(row[0], row[1], json.loads(row[2] or "{}")) for row in db.execute(
        "SELECT url, kind, hints FROM retries WHERE site = ? AND tries < ? ORDER BY failed_at LIMIT ?",
        [site, MAX_TRIES, limit])]


def merge(db: sqlite_utils.Database, row: Mapping[str, Any]) -> None:
    """A shard's row into the merged archive: the most tries, the latest failure."""
    db.execute(
        "INSERT INTO retries (url, site, kind, tries, error, failed_at, hints) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET tries = max(retries.tries, excluded.tries), "
        "error = CASE WHEN excluded.failed_at > retries.failed_at THEN excluded.error ELSE retries.error END, "
        "failed_at = max(retries.failed_at, excluded.failed_at)",
        [row["url"], row["site"], row["kind"], row["tries"], row["error"], row["failed_at"], row["hints"]],
    )
