"""``captures`` rows: what a crawl fetched, and where each record lies."""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import urlsplit

import sqlite_utils

from archiver.values.dates import parse_date
from archiver.formats.records import Capture, Previous, RecheckState
from archiver.formats.warc import RecordLocation, RefersTo


def insert(db: sqlite_utils.Database, capture: Capture, location: RecordLocation | None, crawl_id: int | None,
           revisit_of: int | None = None) -> int:
    """A ``captures`` row for one response (with its record's place) or failed request; returns its id."""
    row = {**asdict(capture), "host": urlsplit(capture.url).hostname, "crawl_id": crawl_id}
    if location is not None:
        row.update(warc_filename=location.filename, warc_offset=location.offset, warc_length=location.length,
                   warc_record_id=location.record_id, payload_digest=location.payload_digest)
        if location.revisit:
            row.update(revisit=location.revisit, revisit_of=revisit_of)
    columns = list(row)
    cursor = db.execute(
        f"INSERT INTO captures ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
        [row[c] for c in columns],
    )
    return int(cursor.lastrowid)


def add_error(db: sqlite_utils.Database, capture_id: int, error: str) -> None:
    """Say why a capture gave no article (kept with any earlier reason)."""
    db.execute("UPDATE captures SET error = coalesce(error || '; ', '') || ? WHERE id = ?", [error, capture_id])


def recheck_state(db: sqlite_utils.Database, url: str) -> RecheckState | None:
    """An archived article URL's re-check state; None for a URL with no article yet."""
    article = db.execute("SELECT next_check_at FROM articles WHERE url = ?", [url]).fetchone()
    if article is None:
        return None
    root = db.execute(
        "SELECT id, url, warc_record_id, fetched_at, payload_digest FROM captures WHERE id = ("
        "SELECT coalesce(revisit_of, id) FROM captures WHERE url = ? AND status = 200 AND warc_record_id IS NOT NULL "
        "AND browser IS NULL "
        "ORDER BY id DESC LIMIT 1)", [url]).fetchone()
    previous = None
    if root is not None:
        capture_id, root_url, record_id, fetched_at, digest = root
        previous = Previous(capture_id, RefersTo(record_id, root_url, parse_date(fetched_at), digest))
    validators = []
    for column in ("etag", "last_modified"):
        found = db.execute(
            f"SELECT {column} FROM captures WHERE url = ? AND {column} IS NOT NULL ORDER BY id DESC LIMIT 1", [url]
        ).fetchone()
        validators.append(found[0] if found else None)
    return RecheckState(article[0], previous, *validators)


def has_record(db: sqlite_utils.Database, filename: str, offset: int, record_id: str | None) -> bool:
    """Whether a capture already points at this record: at this place, or by its WARC-Record-ID."""
    return db.execute(
        "SELECT 1 FROM captures WHERE (warc_filename = ? AND warc_offset = ?) OR (? IS NOT NULL AND warc_record_id = ?) "
        "LIMIT 1", [filename, offset, record_id, record_id]).fetchone() is not None


def original(db: sqlite_utils.Database, record_id: str | None, url: str, digest: str | None, before: str) -> int | None:
    """The full capture a revisit refers to: by its record id, else the URL's latest with that payload digest."""
    if record_id:
        row = db.execute("SELECT id FROM captures WHERE warc_record_id = ? AND revisit IS NULL", [record_id]).fetchone()
        if row:
            return int(row[0])
    if not digest:
        return None
    row = db.execute(
        "SELECT id FROM captures WHERE url = ? AND payload_digest = ? AND revisit IS NULL AND warc_filename IS NOT NULL "
        "AND fetched_at <= ? ORDER BY fetched_at DESC, id DESC LIMIT 1", [url, digest, before]).fetchone()
    return int(row[0]) if row else None
