"""Read-only queries behind ``archiver cdxj`` and ``archiver wacz``.

Each function takes a plain ``sqlite3.Connection`` and returns plain dicts.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from archiver.storage.reading import _rows
from archiver.storage.sql import hosts_of_site

INDEXED = ("id", "url", "status", "content_type", "fetched_at", "warc_filename", "warc_offset", "warc_length",
           "warc_record_id", "payload_digest", "revisit", "revisit_of")


@dataclass(frozen=True)
class Selection:
    """Which captures to export: every one when all fields are empty."""

    crawl_id: int | None = None
    since: str | None = None  # ISO 8601 UTC, compared with captures.fetched_at
    site: str | None = None  # a site: any host name of it (archiver/values/sites.py)

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.crawl_id, self.since, self.site))


def indexed_captures(conn: sqlite3.Connection, selection: Selection = Selection()) -> list[dict[str, Any]]:
    """The captures that have a WARC record (response or revisit), oldest first."""
    where, params = ["warc_filename IS NOT NULL"], []
    if selection.crawl_id is not None:
        where.append("crawl_id = ?")
        params.append(selection.crawl_id)
    if selection.since:
        where.append("fetched_at >= ?")
        params.append(selection.since)
    if selection.site:
        condition, values = hosts_of_site(conn, "host", selection.site)
        where.append(condition)
        params += values
    return _rows(conn, f"SELECT {', '.join(INDEXED)} FROM captures WHERE {' AND '.join(where)} ORDER BY id", params)


def captures_by_id(conn: sqlite3.Connection, ids: Iterable[int]) -> list[dict[str, Any]]:
    """These captures (a revisit's original, say), with their WARC place."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    marks = ", ".join("?" * len(wanted))
    return _rows(conn, f"SELECT {', '.join(INDEXED)} FROM captures WHERE id IN ({marks}) AND warc_filename IS NOT NULL",
                 wanted)


def pages(conn: sqlite3.Connection, capture_ids: set[int]) -> Iterator[dict[str, Any]]:
    """Each article whose capture is one of ``capture_ids``, with the capture's time; read row by row."""
    cursor = conn.execute(
        "SELECT a.id, a.url, a.title, a.text, a.capture_id, c.fetched_at FROM articles a "
        "JOIN captures c ON c.id = a.capture_id ORDER BY a.id"
    )
    names = [d[0] for d in cursor.description]
    for values in cursor:
        row = dict(zip(names, values))
        if row["capture_id"] in capture_ids:
            yield row
