"""Read-only queries behind the archive's landing page: totals, articles a day, crawl health, stories, problems.

Each function takes a plain ``sqlite3.Connection`` and returns plain dicts.
Each reads a bounded number of rows whatever the archive's size: a range of
an index (articles a day, through ``articles(first_seen, site)``), or the
newest rows by primary key with a ``LIMIT``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from archiver.storage.reading import _rows as rows

DAYS = 30  # days the articles-a-day chart covers, back from the newest article
CRAWLS = 30  # crawls in the crawl-health chart
SCANNED = 5000  # newest stories and captures looked at for the recent ones
SHOWN = 8  # rows of each list

# The canned query "problems" (web/metadata.yml): a failed request, an HTTP error, or a 2xx
# with an empty body that is not a revisit (a revisit has no body of its own by design).
PROBLEM = ("(coalesce(c.error, '') != '' OR c.status IS NULL OR c.status >= 400 OR "
           "(c.status BETWEEN 200 AND 299 AND coalesce(c.size, 0) = 0 AND coalesce(c.revisit, '') = ''))")
# what a problem is grouped by: the HTTP status, else the error's first clause (its detail varies by URL)
REASON = ("CASE WHEN c.status >= 400 THEN 'HTTP ' || c.status "
          "WHEN coalesce(c.error, '') != '' THEN substr(c.error, 1, instr(c.error || ':', ':') - 1) "
          "WHEN c.status IS NULL THEN 'no response' ELSE 'empty body' END")


def totals(conn: sqlite3.Connection) -> dict[str, Any]:
    """What the archive holds: articles, captures, sites, stories told by several articles, changed articles, crawls."""
    return rows(
        conn,
        "SELECT (SELECT count(*) FROM articles) AS articles, (SELECT count(*) FROM captures) AS captures, "
        "(SELECT count(*) FROM site_stats) AS sites, (SELECT count(*) FROM stories WHERE articles > 1) AS stories, "
        "(SELECT count(*) FROM versions WHERE number > 1) AS new_versions, (SELECT count(*) FROM crawls) AS crawls, "
        "(SELECT max(first_seen) FROM articles) AS last_archived",
        [],
    )[0]


def articles_per_day(conn: sqlite3.Connection, days: int = DAYS) -> list[dict[str, Any]]:
    """Articles first archived each day, by site, over the ``days`` days up to the newest one (UTC days)."""
    return rows(
        conn,
        # substr, not date(): first_seen is written as ISO 8601 UTC, and parsing each costs more than the scan
        "WITH newest(day) AS (SELECT date(max(first_seen)) FROM articles) "
        "SELECT substr(a.first_seen, 1, 10) AS day, a.site, count(*) AS articles FROM articles a, newest "
        "WHERE a.first_seen >= date(newest.day, ?) GROUP BY 1, 2 ORDER BY 1, 2",
        [f"-{days - 1} days"],
    )


def crawl_health(conn: sqlite3.Connection, limit: int = CRAWLS) -> list[dict[str, Any]]:
    """The newest crawls, oldest first: what each fetched, failed and stored new."""
    return rows(
        conn,
        "SELECT * FROM (SELECT id, spider, started_at, finished_at, finish_reason, fetched, failed, new "
        "FROM crawls ORDER BY id DESC LIMIT ?) ORDER BY id",
        [limit],
    )


def recent_stories(conn: sqlite3.Connection, limit: int = SHOWN, scanned: int = SCANNED) -> list[dict[str, Any]]:
    """Stories told by more than one article, latest first, among the ``scanned`` newest stories."""
    return rows(
        conn,
        "SELECT * FROM (SELECT id, articles, sites, first_seen, last_seen, title FROM stories "
        "ORDER BY id DESC LIMIT ?) WHERE articles > 1 ORDER BY last_seen DESC, id DESC LIMIT ?",
        [scanned, limit],
    )


def recent_articles(conn: sqlite3.Connection, limit: int = SHOWN) -> list[dict[str, Any]]:
    """The articles stored last."""
    return rows(
        conn,
        "SELECT id, title, site, sitename, date, first_seen, copy_of, story_id FROM articles ORDER BY id DESC LIMIT ?",
        [limit],
    )


def recent_problems(conn: sqlite3.Connection, limit: int = SHOWN, scanned: int = SCANNED) -> dict[str, Any]:
    """Among the ``scanned`` newest captures: the problems by reason (most first), and the newest ones."""
    newest = f"(SELECT * FROM captures ORDER BY id DESC LIMIT {int(scanned)}) c"
    return {
        "scanned": scanned,
        "reasons": rows(conn, f"SELECT {REASON} AS reason, count(*) AS captures FROM {newest} WHERE {PROBLEM} "
                              "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?", [limit]),
        "captures": rows(conn, f"SELECT c.id, c.url, c.status, c.reason, c.error, c.fetched_at, c.crawl_id, "
                               f"c.warc_filename FROM {newest} WHERE {PROBLEM} ORDER BY c.id DESC LIMIT ?", [limit]),
    }
