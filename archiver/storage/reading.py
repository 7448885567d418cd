"""Read-only queries behind the archive's web pages (the Datasette plugin).

Each function takes a plain ``sqlite3.Connection`` (Datasette hands one to
``execute_fn`` on its read thread) and returns plain dicts.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from archiver.storage.schema import migrations


def _rows(conn: sqlite3.Connection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _one(conn: sqlite3.Connection, sql: str, params: list[Any]) -> dict[str, Any] | None:
    found = _rows(conn, sql, params)
    return found[0] if found else None


def is_archive(conn: sqlite3.Connection) -> bool:
    """Whether the database is an archive: the archiver's schema migrations were applied to it."""
    try:
        found = conn.execute(
            "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ? LIMIT 1", [migrations.name]
        ).fetchone()
    except sqlite3.DatabaseError:  # no such table, or not a database at all
        return False
    return found is not None


def article(conn: sqlite3.Connection, article_id: int) -> dict[str, Any] | None:
    """One article with its capture's date, status and WARC place."""
    return _one(
        conn,
        "SELECT a.*, c.fetched_at, c.status, c.warc_filename FROM articles a "
        "LEFT JOIN captures c ON c.id = a.capture_id WHERE a.id = ?",
        [article_id],
    )


def captures_of(conn: sqlite3.Connection, url: str) -> list[dict[str, Any]]:
    """Every capture of a URL, newest first: the plain fetches, the browser's, and the DOMs it rendered (``urn:dom:URL``)."""
    return _rows(
        conn,
        "SELECT id, url, fetched_at, status, reason, size, warc_filename, error, browser FROM captures "
        "WHERE url IN (?, ?) ORDER BY fetched_at DESC, id DESC",
        [url, f"urn:dom:{url}"],
    )


_BYTES = ("warc_filename", "warc_offset", "warc_length", "warc_record_id", "status", "reason", "content_type")


def capture(conn: sqlite3.Connection, capture_id: int) -> dict[str, Any] | None:
    """One capture with the WARC place of its bytes: a revisit's are in the capture it refers to."""
    rows = _rows(conn, "SELECT * FROM captures WHERE id = ?", [capture_id])
    if not rows:
        return None
    row = rows[0]
    if row.get("revisit_of"):
        original = _rows(conn, f"SELECT {', '.join(_BYTES)} FROM captures WHERE id = ?", [row["revisit_of"]])
        if original:
            row.update(original[0])
    return row


LISTED = 200  # rows a page lists, at most (a story's articles, an article's versions)


def story(conn: sqlite3.Connection, story_id: int) -> dict[str, Any] | None:
    """One ``stories`` row."""
    return _one(conn, "SELECT * FROM stories WHERE id = ?", [story_id])


def story_articles(conn: sqlite3.Connection, story_id: int, limit: int = LISTED) -> list[dict[str, Any]]:
    """A story's articles in date order (publication date, else when first archived), at most ``limit``."""
    return _rows(
        conn,
        "SELECT id, url, site, sitename, title, date, first_seen, word_count, copy_of FROM articles "
        "WHERE story_id = ? ORDER BY coalesce(date, first_seen), id LIMIT ?",
        [story_id, limit],
    )


def version(conn: sqlite3.Connection, version_id: int) -> dict[str, Any] | None:
    """One version, with its article's id and the previous version's title and text (None for a first version)."""
    return _one(
        conn,
        "SELECT v.*, a.id AS article_id, p.id AS previous_id, p.title AS previous_title, p.text AS previous_text, "
        "p.first_seen AS previous_first_seen, (SELECT max(number) FROM versions WHERE url = v.url) AS versions "
        "FROM versions v LEFT JOIN articles a ON a.url = v.url "
        "LEFT JOIN versions p ON p.url = v.url AND p.number = v.number - 1 WHERE v.id = ?",
        [version_id],
    )


def versions_of(conn: sqlite3.Connection, url: str, limit: int = LISTED) -> list[dict[str, Any]]:
    """The versions of an article URL, oldest first, without their texts."""
    return _rows(
        conn,
        "SELECT id, number, first_seen, last_seen, words_added, words_removed, cosmetic_changes FROM versions "
        "WHERE url = ? ORDER BY number LIMIT ?",
        [url, limit],
    )


def version_id(conn: sqlite3.Connection, url: str, number: int) -> int | None:
    """The id of version ``number`` of a URL."""
    found = conn.execute("SELECT id FROM versions WHERE url = ? AND number = ?", [url, number]).fetchone()
    return found[0] if found else None
