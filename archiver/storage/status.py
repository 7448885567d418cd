"""What an archive holds and what its crawls did: the queries behind ``archiver status`` and a crawl's report.

Each function takes a plain ``sqlite3.Connection`` and reads only through
indexes (or a table's own count), so that it answers in milliseconds on an
archive of 100,000 articles (``bench/status.py``).
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

# the tables an archive has from its first migration on: what tells an archive from another SQLite file
ARCHIVE_TABLES = ("crawls", "captures", "articles")
# a stored error reads "TypeName: message"; the message often names the URL, the type says what happened
_EXCEPTION = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*(?:Error|Exception|Failure|Lost|Refused|Timeout|Done)): ")
REASON_MAX = 100  # characters of a reason shown


def open_read_only(path: Path) -> sqlite3.Connection:
    """The database at ``path``, read-only: reading it never creates, migrates or repairs anything."""
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)


def is_archive(conn: sqlite3.Connection) -> bool:
    """Whether the database has the archive's tables."""
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return set(ARCHIVE_TABLES) <= names


def failure_reason(error: str) -> tuple[str, str]:
    """A stored ``captures.error`` of a failed fetch as (``failed`` or ``refused``, a short reason shared by its kind).

    ``HTTP 404 Not Found`` -> ``HTTP 404``; ``TimeoutError: Getting http://... took ...`` -> ``TimeoutError``;
    ``refused: 10.0.0.5 is a private address; allow it with ...`` -> ``10.0.0.5 is a private address``;
    ``not fetched: Forbidden by robots.txt`` -> ``Forbidden by robots.txt``.
    """
    # a stored error may hold a server's reason phrase: nothing in it may drive the terminal it is shown on
    text = "".join(ch if ch.isprintable() else " " for ch in " ".join(error.split()))
    if text.startswith("refused: "):
        kind, reason = "refused", text[len("refused: "):].split(";", 1)[0]
    elif text.startswith("not fetched: "):
        kind, reason = "refused", text[len("not fetched: "):]
    elif text.startswith("HTTP "):
        kind, reason = "failed", " ".join(text.split(" ", 2)[:2])
    elif text.startswith("redirect to ") and " refused: " in text:  # a Location of a scheme not fetched
        kind, reason = "refused", "redirect: " + text.split(" refused: ", 1)[1].split(";", 1)[0]
    elif text.startswith("no article: "):  # a redirect that ends nowhere: "redirect loop (A -> B -> A)"
        kind, reason = "failed", text[len("no article: "):].split(" (", 1)[0]
    else:
        match = _EXCEPTION.match(text)
        kind, reason = "failed", (match.group(1).rsplit(".", 1)[-1] if match else text)
    return kind, reason[:REASON_MAX]


def crawl_failures(conn: sqlite3.Connection, crawl_id: int) -> dict[str, list[tuple[str, int]]]:
    """The URLs a crawl could not fetch, by kind (``failed``, ``refused``) and reason, most frequent first.

    A fetch failed when it got no response, an HTTP error or a redirect that
    leads nowhere (a loop, too many hops); a URL tried several times
    (retries) counts once a reason.
    """
    counts: dict[str, Counter[str]] = {"failed": Counter(), "refused": Counter()}
    cursor = conn.execute(
        "SELECT error, count(DISTINCT url) FROM captures WHERE crawl_id = ? AND error IS NOT NULL "
        "AND (status IS NULL OR status >= 300) GROUP BY error", [crawl_id])
    for error, urls in cursor:
        kind, reason = failure_reason(str(error))
        counts[kind][reason] += int(urls)
    return {kind: counter.most_common() for kind, counter in counts.items()}


def totals(conn: sqlite3.Connection, now: str) -> dict[str, Any]:
    """What the archive holds: articles, captures, sites, stories (and those of several articles), versions (and
    the articles that have more than one); re-checks due at ``now`` (ISO UTC)."""
    def one(sql: str, *params: Any) -> Any:
        return conn.execute(sql, params).fetchone()[0]

    return {
        "articles": one("SELECT count(*) FROM articles"),
        "captures": one("SELECT count(*) FROM captures"),
        "sites": one("SELECT count(*) FROM (SELECT DISTINCT site FROM articles WHERE site IS NOT NULL)"),
        "stories": one("SELECT count(*) FROM stories") if _has(conn, "stories") else 0,
        "stories_of_several": one("SELECT count(*) FROM stories WHERE articles > 1") if _has(conn, "stories") else 0,
        "versions": one("SELECT count(*) FROM versions") if _has(conn, "versions") else 0,
        "articles_changed": one("SELECT count(*) FROM versions WHERE number = 2") if _has(conn, "versions") else 0,
        "rechecks_due": one("SELECT count(*) FROM articles WHERE next_check_at <= ?", now),
        "next_recheck": one("SELECT min(next_check_at) FROM articles WHERE next_check_at > ?", now),
    }


def last_crawls(conn: sqlite3.Connection, limit: int = 5) -> list[dict[str, Any]]:
    """The latest crawls, newest first, with their counters."""
    cursor = conn.execute(
        "SELECT id, spider, started_at, finished_at, finish_reason, fetched, new, failed FROM crawls "
        "ORDER BY id DESC LIMIT ?", [limit])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _has(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone() is not None
