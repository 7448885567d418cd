"""The SQL of ``archiver merge``: a shard's snapshot, and its rows filed into another archive.

Every row is matched by what identifies it in any archive, not by its id, so
that merging a shard twice adds nothing: a crawl by its spider, start time
and arguments; a capture by its WARC record id (a failed request by URL,
time and error); an article, a source, a chrome block by their URL or site;
a version by URL and fingerprint.  Ids are remapped on the way in.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils

CHUNK = 2000  # rows read from a shard at a time


def snapshot(shard: Path, copy: Path) -> None:
    """A consistent copy of a shard, even while a worker writes it (SQLite's online backup, read-only source)."""
    source = sqlite3.connect(f"file:{shard}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def rows(db: sqlite_utils.Database, table: str, order: str = "id") -> Iterator[dict[str, Any]]:
    """Every row of a shard's table, in ``order``, a chunk at a time."""
    offset = 0
    while chunk := [dict(row) for row in db.query(f"SELECT * FROM [{table}] ORDER BY {order} LIMIT ? OFFSET ?",
                                                  [CHUNK, offset])]:
        yield from chunk
        offset += len(chunk)


def _insert(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> int:
    row = {key: value for key, value in row.items() if key != "id"}
    columns = ", ".join(f"[{key}]" for key in row)
    cursor = db.execute(f"INSERT INTO [{table}] ({columns}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    return int(cursor.lastrowid)


def _update(db: sqlite_utils.Database, table: str, row_id: int, values: dict[str, Any]) -> None:
    if values:
        sets = ", ".join(f"[{key}] = ?" for key in values)
        db.execute(f"UPDATE [{table}] SET {sets} WHERE id = ?", [*values.values(), row_id])


def _one(db: sqlite_utils.Database, sql: str, params: list[Any]) -> Any:
    found = db.execute(sql, params).fetchone()
    return found[0] if found else None


def crawl(db: sqlite_utils.Database, row: dict[str, Any]) -> tuple[int, bool]:
    """The merged crawl's id; a crawl that finished since the last merge gets its end (the shard knows best)."""
    found = db.execute("SELECT id, finished_at FROM crawls WHERE spider = ? AND started_at = ? AND args IS ?",
                       [row["spider"], row["started_at"], row["args"]]).fetchone()
    if found is None:
        return _insert(db, "crawls", row), True
    if row["finished_at"] is not None and found[1] != row["finished_at"]:
        _update(db, "crawls", found[0], {k: v for k, v in row.items() if k not in ("id", "spider", "started_at", "args")})
    return found[0], False


def capture(db: sqlite_utils.Database, row: dict[str, Any]) -> tuple[int, bool]:
    """The merged capture's id (``row`` remapped already); an error said since the last merge is added."""
    if row["warc_record_id"]:
        found = _one(db, "SELECT id FROM captures WHERE warc_record_id = ?", [row["warc_record_id"]])
    else:
        found = _one(db, "SELECT id FROM captures WHERE warc_record_id IS NULL AND url = ? AND fetched_at = ? "
                         "AND error IS ?", [row["url"], row["fetched_at"], row["error"]])
    if found is None:
        return _insert(db, "captures", row), True
    db.execute("UPDATE captures SET error = ? WHERE id = ? AND error IS NULL", [row["error"], found])
    return found, False


def same_bytes_before(db: sqlite_utils.Database, capture_id: int, url: str, digest: str | None) -> bool:
    """Whether another full record of this HTML page holds the same payload (the page was archived twice).

    Pages only: every run fetches robots.txt, sitemaps and feeds again, with the same bytes as often as not.
    """
    return digest is not None and _one(
        db, "SELECT 1 FROM captures WHERE url = ? AND payload_digest = ? AND revisit IS NULL AND id != ? "
            "AND warc_record_id IS NOT NULL AND lower(content_type) LIKE '%html%' LIMIT 1",
        [url, digest, capture_id]) is not None


def unlinked_revisits(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Revisits whose record is in another shard (filed by another worker): to link by their WARC-Refers-To."""
    return [dict(row) for row in db.query(
        "SELECT id, warc_filename, warc_offset, warc_length FROM captures "
        "WHERE revisit IS NOT NULL AND revisit_of IS NULL AND warc_filename IS NOT NULL")]


def link_revisit(db: sqlite_utils.Database, capture_id: int, record_id: str) -> bool:
    """Point a revisit at the capture holding the record it refers to, once that capture is merged."""
    target = _one(db, "SELECT id FROM captures WHERE warc_record_id = ?", [record_id])
    if target is None:
        return False
    db.execute("UPDATE captures SET revisit_of = ? WHERE id = ?", [target, capture_id])
    return True


def version(db: sqlite_utils.Database, row: dict[str, Any]) -> int:
    """The merged version's id: the same text of the URL seen by two workers is one version, seen longer."""
    found = db.execute("SELECT id, first_seen, last_seen FROM versions WHERE url = ? AND fingerprint = ?",
                       [row["url"], row["fingerprint"]]).fetchone()
    if found is None:
        row = {**row, "number": -1 - int(_one(db, "SELECT count(*) FROM versions WHERE url = ?", [row["url"]]))}
        return _insert(db, "versions", row)
    _update(db, "versions", found[0], {"first_seen": min(found[1], row["first_seen"]),
                                        "last_seen": max(found[2] or "", row["last_seen"] or "") or None})
    return found[0]


def renumber_versions(db: sqlite_utils.Database, url: str) -> None:
    """Number a URL's versions 1, 2, ... in the order they were first seen, whichever shard saw them."""
    ids = [row[0] for row in db.execute("SELECT id FROM versions WHERE url = ? ORDER BY first_seen, id", [url])]
    for step in (-1, 1):  # through negative numbers: (url, number) is unique
        for number, version_id in enumerate(ids, start=1):
            db.execute("UPDATE versions SET number = ? WHERE id = ?", [step * number, version_id])


def article(db: sqlite_utils.Database, row: dict[str, Any], fetched_at: str | None) -> tuple[int, bool]:
    """The merged article of the URL (``row`` remapped already): the later capture's text wins.

    Returns its id and whether its text or row changed (then its story is filed again).
    """
    # its copy group and story (and the hash that finds copies) are the archive's to decide when it is filed
    row = {key: value for key, value in row.items() if key not in ("id", "copy_of", "story_id", "content_hash")}
    found = db.execute("SELECT a.id, c.fetched_at, a.first_seen, a.last_checked_at, a.checks FROM articles a "
                       "LEFT JOIN captures c ON c.id = a.capture_id WHERE a.url = ?", [row["url"]]).fetchone()
    if found is None:
        return _insert(db, "articles", row), True
    article_id, their_fetch, first_seen, last_checked, checks = found
    if (fetched_at or "") > (their_fetch or ""):
        _update(db, "articles", article_id, {**row, "first_seen": min(first_seen or "~", row["first_seen"] or "~"),
                                             "checks": max(checks or 0, row["checks"] or 0)})
        return article_id, True
    _update(db, "articles", article_id, {"first_seen": min(first_seen or "~", row["first_seen"] or "~"),
                                         "last_checked_at": max(last_checked or "", row["last_checked_at"] or "")})
    return article_id, False


def source(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """A sitemap's or feed's watermark: the newest any shard's complete crawl saw."""
    found = db.execute("SELECT id, watermark, updated_at FROM sources WHERE url = ?", [row["url"]]).fetchone()
    if found is None:
        _insert(db, "sources", row)
    elif (row["updated_at"] or "") > (found[2] or ""):
        _update(db, "sources", found[0], {"kind": row["kind"], "last_crawl_id": row["last_crawl_id"],
                                          "updated_at": row["updated_at"],
                                          "watermark": max(found[1] or "", row["watermark"] or "") or None})


def chrome_block(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """A site chrome block, its first and last sighting widened."""
    db.execute("INSERT INTO site_blocks (site, block, text, pages, first_seen, last_seen) VALUES (?, ?, ?, 0, ?, ?) "
               "ON CONFLICT(site, block) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen), "
               "last_seen = max(last_seen, excluded.last_seen)",
               [row["site"], row["block"], row["text"], row["first_seen"], row["last_seen"]])


def chrome_page(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    db.execute("INSERT OR IGNORE INTO site_block_pages (site, block, url) VALUES (?, ?, ?)",
               [row["site"], row["block"], row["url"]])


def count_chrome_pages(db: sqlite_utils.Database) -> None:
    """Each block's distinct pages, counted over every shard's pages."""
    db.execute("UPDATE site_blocks SET pages = (SELECT count(*) FROM site_block_pages p "
               "WHERE p.site = site_blocks.site AND p.block = site_blocks.block)")


def site_rule(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    if _one(db, "SELECT id FROM site_rules WHERE site IS ? AND prune_xpath IS ? AND keep_xpath IS ?",
            [row["site"], row["prune_xpath"], row["keep_xpath"]]) is None:
        _insert(db, "site_rules", row)


def count_sites(db: sqlite_utils.Database) -> None:
    """Each site's article and word totals, over the merged articles."""
    db.execute("DELETE FROM site_stats")
    db.execute("INSERT INTO site_stats (site, articles, words) "
               "SELECT coalesce(site, ''), count(*), coalesce(sum(word_count), 0) FROM articles GROUP BY coalesce(site, '')")


def fetched_at(db: sqlite_utils.Database, capture_id: int | None) -> str | None:
    return _one(db, "SELECT fetched_at FROM captures WHERE id = ?", [capture_id]) if capture_id else None


def warc_names(db: sqlite_utils.Database) -> list[tuple[Any, int]]:
    """The WARC file names the captures give (as stored: not always text), each with its first capture's id."""
    return [tuple(row) for row in db.execute(
        "SELECT warc_filename, min(id) FROM captures WHERE warc_filename IS NOT NULL GROUP BY warc_filename ORDER BY 2")]


def article_text(db: sqlite_utils.Database, article_id: int) -> tuple[str, str]:
    """An article's URL and text (to file its story)."""
    url, text = db.execute("SELECT url, text FROM articles WHERE id = ?", [article_id]).fetchone()
    return url, text or ""
