"""The archive database as the crawl and the commands write it."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from typing import Any, Iterator, Mapping

import sqlite_utils

from ..stories import Signature
from . import stories
from .schema import CRAWL_COUNTERS, FLAG_COLUMNS, migrations

BUSY_TIMEOUT_MS = 30_000

# An article shorter than this share of its site's average, or than
# SHORT_WORDS words, is flagged too short (once the site has SHORT_MIN_PAGES).
SHORT_SHARE, SHORT_WORDS, SHORT_MIN_PAGES = 0.25, 50, 3

_ARTICLE_COLUMNS = (
    "url", "capture_id", "title", "author", "authors", "date", "sitename", "language", "site",
    "description", "text", "word_count", "extractor", "extracted_at", "hints", *FLAG_COLUMNS[:-1],
)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=_plain, ensure_ascii=False)


class Storage:
    """One connection to the archive database.

    sqlite3 connections belong to the thread that opened them: the crawl
    opens and uses its Storage on its single I/O thread.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        self.db = sqlite_utils.Database(conn)
        self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._enable_wal()
        # In WAL mode NORMAL never corrupts the database; a power cut may lose
        # the last commits, not an application crash.
        self.db.execute("PRAGMA synchronous = NORMAL")
        conn.execute("BEGIN IMMEDIATE")  # one process migrates at a time
        migrations.apply(self.db)  # its own transactions nest as savepoints
        self.commit()

    def _enable_wal(self) -> None:
        # Switching a new database to WAL needs it to ourselves, and SQLite's busy
        # timeout does not always wait for that: several crawls starting on one
        # new archive retry here instead of failing.
        for attempt in range(100):
            try:
                if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self.db.enable_wal()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.1)

    def commit(self) -> None:
        """Commit the writes made since the last commit (the I/O thread batches them)."""
        if self.db.conn.in_transaction:
            self.db.conn.commit()

    def close(self) -> None:
        """Commit and close the connection."""
        self.commit()
        self.db.close()

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write, inside the open batch; a failed write is undone alone.

        The batch starts with BEGIN IMMEDIATE, which takes the write lock at
        once: a second crawl on the same archive then waits (up to the busy
        timeout) instead of failing with "database is locked" when a read in
        a deferred transaction cannot be upgraded to a write.
        """
        conn = self.db.conn
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
        conn.execute("SAVEPOINT archiver_write")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK TO archiver_write")
            conn.execute("RELEASE archiver_write")
            raise
        conn.execute("RELEASE archiver_write")

    # crawls -----------------------------------------------------------------

    def start_crawl(self, spider: str, args: Mapping[str, Any], started_at: str) -> int:
        """A new ``crawls`` row; returns its id."""
        with self._write():
            cursor = self.db.execute(
                "INSERT INTO crawls (spider, args, started_at) VALUES (?, ?, ?)",
                [spider, _json(dict(args)), started_at],
            )
        return int(cursor.lastrowid)

    def finish_crawl(
        self, crawl_id: int, finished_at: str, reason: str, stats: Mapping[str, Any], counters: Mapping[str, int]
    ) -> None:
        """Close a ``crawls`` row with its finish reason, Scrapy stats and counters."""
        assigned = ", ".join(f"{c} = ?" for c in CRAWL_COUNTERS)
        with self._write():
            self.db.execute(
                f"UPDATE crawls SET finished_at = ?, finish_reason = ?, stats = ?, {assigned} WHERE id = ?",
                [finished_at, reason, _json(dict(stats)), *(counters.get(c, 0) for c in CRAWL_COUNTERS), crawl_id],
            )

    # sources ----------------------------------------------------------------

    def watermark(self, url: str) -> str | None:
        """The newest entry date seen at a sitemap or feed URL, in an earlier crawl."""
        row = self.db.execute("SELECT watermark FROM sources WHERE url = ?", [url]).fetchone()
        return row[0] if row else None

    def save_source(self, url: str, kind: str, watermark: str | None, crawl_id: int, now: str) -> None:
        """Record a source's crawl; its watermark only ever moves forward (ISO dates sort as text)."""
        with self._write():
            self.db.execute(
                "INSERT INTO sources (url, kind, watermark, last_crawl_id, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET kind = excluded.kind, last_crawl_id = excluded.last_crawl_id, "
                "updated_at = excluded.updated_at, watermark = CASE "
                "WHEN sources.watermark IS NULL OR excluded.watermark > sources.watermark "
                "THEN excluded.watermark ELSE sources.watermark END",
                [url, kind, watermark, crawl_id, now],
            )

    # captures ---------------------------------------------------------------

    def add_capture(self, row: Mapping[str, Any]) -> int:
        """Insert one capture (a response, or a request that failed); return its id."""
        row = {**row, "host": urlsplit(row["url"]).hostname}
        columns = list(row)
        with self._write():
            cursor = self.db.execute(
                f"INSERT INTO captures ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                [row[c] for c in columns],
            )
        return int(cursor.lastrowid)

    def set_capture_error(self, capture_id: int, error: str) -> None:
        """Say why a capture gave no article (kept with any earlier reason)."""
        with self._write():
            self.db.execute(
                "UPDATE captures SET error = coalesce(error || '; ', '') || ? WHERE id = ?",
                [error, capture_id],
            )

    # articles ---------------------------------------------------------------

    # site chrome memory ------------------------------------------------------

    def learn_blocks(self, site: str, url: str, blocks: Mapping[str, str], now: str, threshold: int) -> set[str]:
        """Count this page's blocks for its site; return those now seen on ``threshold`` pages or more."""
        if not blocks:
            return set()
        with self._write():
            known = {row[0] for row in self.db.execute(
                "SELECT block FROM site_block_pages WHERE site = ? AND url = ?", [site, url])}
            new = [(block, text) for block, text in blocks.items() if block not in known]
            self.db.conn.executemany(
                "INSERT INTO site_block_pages (site, block, url) VALUES (?, ?, ?)", [(site, b, url) for b, _ in new]
            )
            self.db.conn.executemany(
                "INSERT INTO site_blocks (site, block, text, pages, first_seen, last_seen) VALUES (?, ?, ?, 1, ?, ?) "
                "ON CONFLICT(site, block) DO UPDATE SET pages = pages + 1, last_seen = excluded.last_seen",
                [(site, b, text, now, now) for b, text in new],
            )
        return self.chrome_blocks(site, list(blocks), threshold)

    def chrome_blocks(self, site: str, blocks: list[str], threshold: int) -> set[str]:
        """Which of these blocks the site has shown on ``threshold`` pages or more."""
        found: set[str] = set()
        for start in range(0, len(blocks), 500):  # SQLite's limit on parameters
            chunk = blocks[start : start + 500]
            found |= {
                row[0] for row in self.db.execute(
                    f"SELECT block FROM site_blocks WHERE site = ? AND pages >= ? AND block IN ({', '.join('?' for _ in chunk)})",
                    [site, threshold, *chunk],
                )
            }
        return found

    def articles_to_reextract(self, site: str | None, since: str | None) -> list[dict[str, Any]]:
        """Articles with their capture's WARC place, for ``archiver reextract``."""
        where, params = ["c.warc_filename IS NOT NULL"], []
        if site:
            where.append("(a.site = ? OR a.site LIKE ?)")
            params += [site, f"%.{site}"]
        if since:
            where.append("c.fetched_at >= ?")
            params.append(since)
        return [dict(row) for row in self.db.query(
            "SELECT a.*, c.warc_filename, c.warc_offset, c.warc_length FROM articles a "
            f"JOIN captures c ON c.id = a.capture_id WHERE {' AND '.join(where)} ORDER BY a.id",
            params,
        )]

    def site_rules(self) -> list[dict[str, Any]]:
        """Every row of ``site_rules``."""
        return [dict(row) for row in self.db.query("SELECT site, prune_xpath, keep_xpath FROM site_rules ORDER BY id")]

    # re-checks and versions -------------------------------------------------

    def recheck_state(self, url: str) -> dict[str, Any] | None:
        """For an archived article URL: when it is due, and the capture holding its bytes; None if new.

        ``etag`` and ``last_modified`` are the newest validators the server gave for the URL.
        """
        article = self.db.execute("SELECT next_check_at, date, first_seen FROM articles WHERE url = ?", [url]).fetchone()
        if article is None:
            return None
        state = dict(zip(("next_check_at", "date", "first_seen"), article))
        latest = self.db.execute(
            "SELECT coalesce(revisit_of, id) FROM captures WHERE url = ? AND status = 200 AND warc_record_id IS NOT NULL "
            "ORDER BY id DESC LIMIT 1", [url]).fetchone()
        root = self.db.execute(
            "SELECT id, url, warc_record_id, fetched_at, payload_digest FROM captures WHERE id = ?",
            [latest[0] if latest else None]).fetchone()
        state["previous"] = dict(zip(("capture_id", "url", "record_id", "fetched_at", "payload_digest"), root)) if root else None
        for column in ("etag", "last_modified"):
            found = self.db.execute(
                f"SELECT {column} FROM captures WHERE url = ? AND {column} IS NOT NULL ORDER BY id DESC LIMIT 1", [url]
            ).fetchone()
            state[column] = found[0] if found else None
        return state

    def article_dates(self, url: str) -> tuple[str | None, str | None]:
        """An article's publication date and when it was first archived (None, None if there is no article)."""
        row = self.db.execute("SELECT date, first_seen FROM articles WHERE url = ?", [url]).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def due_urls(self, site: str, now: str, limit: int) -> list[str]:
        """Article URLs of a host (and its subdomains) whose re-check is due, most overdue first."""
        return [row[0] for row in self.db.execute(
            "SELECT url FROM articles WHERE (site = ? OR site LIKE ?) AND next_check_at <= ? "
            "ORDER BY next_check_at LIMIT ?", [site, f"%.{site}", now, limit])]

    def current_version(self, url: str) -> dict[str, Any] | None:
        """The URL's newest version (id, number, title, text)."""
        row = self.db.execute(
            "SELECT id, number, title, text FROM versions WHERE url = ? ORDER BY number DESC LIMIT 1", [url]
        ).fetchone()
        return dict(zip(("id", "number", "title", "text"), row)) if row else None

    def add_version(self, version: Mapping[str, Any]) -> int:
        """A new version of an article, which becomes the one its ``articles`` row points at."""
        row = {**version, "metadata": _json(version["metadata"]), "cosmetic_changes": 0}
        with self._write():
            cursor = self.db.execute(
                f"INSERT INTO versions ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", list(row.values())
            )
            self.db.execute("UPDATE articles SET version_id = ? WHERE url = ?", [cursor.lastrowid, row["url"]])
        return int(cursor.lastrowid)

    def saw_version_again(self, version_id: int, now: str, cosmetic: bool) -> None:
        """The version was seen again, identical or with a cosmetic change (counted, not stored)."""
        with self._write():
            self.db.execute(
                "UPDATE versions SET last_seen = ?, cosmetic_changes = cosmetic_changes + ? WHERE id = ?",
                [now, int(cosmetic), version_id],
            )

    def set_checked(self, url: str, now: str, next_check_at: str | None, changed: bool) -> None:
        """Record a fetch of an archived article and when to check it next (None: never)."""
        with self._write():
            self.db.execute(
                "UPDATE articles SET first_seen = coalesce(first_seen, ?), last_checked_at = ?, "
                "checks = coalesce(checks, 0) + 1, next_check_at = ?, "
                "last_changed_at = CASE WHEN ? THEN ? ELSE last_changed_at END WHERE url = ?",
                [now, now, next_check_at, int(changed), now, url],
            )

    def save_article(self, article: Mapping[str, Any]) -> bool:
        """Insert or replace the article at its URL, unless a later capture already holds it.

        Returns True when the URL had no article before.
        """
        row = dict(article)
        row["extractor"] = _json(row["extractor"])
        row["hints"] = _json(row["hints"]) if row.get("hints") else None
        row["authors"] = _json(row.get("authors") or [])
        row["site"] = urlsplit(row["url"]).hostname
        values = [row.get(c) for c in _ARTICLE_COLUMNS]
        updates = ", ".join(f"{c} = excluded.{c}" for c in (*_ARTICLE_COLUMNS, "crawl_id") if c != "url")
        with self._write():
            before = self.db.execute("SELECT word_count FROM articles WHERE url = ?", [row["url"]]).fetchone()
            stored = self.db.execute(
                f"INSERT INTO articles ({', '.join(_ARTICLE_COLUMNS)}, crawl_id) "
                f"VALUES ({', '.join('?' for _ in _ARTICLE_COLUMNS)}, "
                "(SELECT crawl_id FROM captures WHERE id = ?)) "
                f"ON CONFLICT(url) DO UPDATE SET {updates} "
                "WHERE articles.capture_id IS NULL OR excluded.capture_id >= articles.capture_id",
                [*values, row.get("capture_id")],
            ).rowcount
            if stored:
                self._count_and_flag(row, before[0] if before else None)
        return before is None

    def _count_and_flag(self, row: Mapping[str, Any], previous_words: int | None) -> None:
        """Keep the site's totals and flag the article if it is short for its site."""
        site, words = row["site"] or "", row.get("word_count") or 0
        others = self.db.execute("SELECT articles, words FROM site_stats WHERE site = ?", [site]).fetchone()
        pages, total = others if others else (0, 0)
        if previous_words is not None:  # a replaced article: the others are the totals without it
            pages, total = pages - 1, total - previous_words
        threshold = max(SHORT_WORDS, SHORT_SHARE * total / pages if pages >= SHORT_MIN_PAGES else 0)
        self.db.execute("UPDATE articles SET flag_too_short = ? WHERE url = ?", [int(words < threshold), row["url"]])
        self.db.execute(
            "INSERT INTO site_stats (site, articles, words) VALUES (?, ?, ?) ON CONFLICT(site) DO UPDATE SET "
            "articles = site_stats.articles + excluded.articles, words = site_stats.words + excluded.words",
            [site, 0 if previous_words is not None else 1, words - (previous_words or 0)],
        )

    # copies and stories -------------------------------------------------------

    def save_filed_article(self, article: Mapping[str, Any], signature: Signature) -> tuple[bool, str | None]:
        """:meth:`save_article`, then :meth:`file_story` unless a later capture holds the URL.

        Returns whether the URL is new, and how the article was filed (None: not saved).
        """
        new = self.save_article(article)
        row = self.db.execute("SELECT id, capture_id FROM articles WHERE url = ?", [article["url"]]).fetchone()
        if row is None or row[1] != article["capture_id"]:
            return new, None
        return new, self.file_story(row[0], signature)

    def stories_summary(self) -> dict[str, int]:
        """Counts for ``archiver stories``: articles, stories, stories of several articles, copies, unfiled."""
        return stories.summary(self.db)

    def file_story(self, article_id: int, signature: Signature) -> str:
        """Give a saved article its copy group and story: ``copy``, ``joined`` (an earlier story) or ``new``."""
        with self._write():
            return stories.file_article(self.db, article_id, signature)

    def clear_stories(self) -> None:
        """Forget every copy group and story, to file all articles again."""
        with self._write():
            stories.clear(self.db)

    def articles_to_file(self, after: int, limit: int) -> list[dict[str, Any]]:
        """The next ``limit`` articles after id ``after``, in id order (id, text, language)."""
        return stories.articles_in_order(self.db, after, limit)
