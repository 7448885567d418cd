"""``articles``, ``versions`` and the site chrome memory: an extracted article as the archive keeps it."""

from __future__ import annotations

from typing import Any, Mapping

import sqlite_utils

from archiver.text.versions import Change
from archiver.extract import Article
from archiver.extract.flags import mostly_links, too_short
from archiver.storage.database import to_json
from archiver.storage.sql import chunks, marks
from archiver.values.sites import site_of, site_of_host

_COLUMNS = (
    "url", "capture_id", "title", "author", "authors", "date", "sitename", "language", "site", "description", "text",
    "word_count", "extractor", "extracted_at", "hints", "flag_interstitial", "flag_mostly_links", "flag_no_date",
    "flag_no_title", "source",
)
VERSION_METADATA = ("author", "authors", "date", "sitename", "language", "description")


def _row(url: str, capture_id: int | None, article: Article, hints: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``articles`` columns of an extracted article (the too-short flag needs the site: see :func:`save`)."""
    return {
        "url": url, "capture_id": capture_id, "title": article.title, "author": article.author,
        "authors": to_json(article.authors), "date": article.date, "sitename": article.sitename,
        "language": article.language, "site": site_of(url), "description": article.description,
        "text": article.text, "word_count": article.word_count, "extractor": to_json(article.extractor),
        "extracted_at": article.extracted_at, "hints": to_json(dict(hints)) if hints else None,
        "flag_interstitial": article.interstitial, "flag_mostly_links": int(mostly_links(article.link_share)),
        "flag_no_date": int(article.date is None), "flag_no_title": int(article.title is None),
        "source": article.source,
    }


def save(db: sqlite_utils.Database, url: str, capture_id: int | None, article: Article,
         hints: Mapping[str, Any] | None) -> tuple[int | None, bool]:
    """Insert or replace the article at its URL, unless a later capture already holds it.

    Returns the article's id (None when not saved) and whether the URL had no article before.
    """
    row = _row(url, capture_id, article, hints)
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*_COLUMNS, "crawl_id") if c != "url")
    before = db.execute("SELECT word_count FROM articles WHERE url = ?", [url]).fetchone()
    stored = db.execute(
        f"INSERT INTO articles ({', '.join(_COLUMNS)}, crawl_id) VALUES ({marks(_COLUMNS)}, "
        "(SELECT crawl_id FROM captures WHERE id = ?)) "
        f"ON CONFLICT(url) DO UPDATE SET {updates} "
        "WHERE articles.capture_id IS NULL OR excluded.capture_id >= articles.capture_id",
        [*(row[c] for c in _COLUMNS), capture_id],
    ).rowcount
    if not stored:
        return None, before is None
    _count_and_flag(db, row, before[0] if before else None)
    article_id = db.execute("SELECT id FROM articles WHERE url = ?", [url]).fetchone()[0]
    return article_id, before is None


def _count_and_flag(db: sqlite_utils.Database, row: Mapping[str, Any], previous_words: int | None) -> None:
    """Keep the site's totals and flag the article if it is short for its site."""
    site, words = row["site"] or "", row["word_count"] or 0
    others = db.execute("SELECT articles, words FROM site_stats WHERE site = ?", [site]).fetchone()
    pages, total = others if others else (0, 0)
    if previous_words is not None:  # a replaced article: the others are the totals without it
        pages, total = pages - 1, total - previous_words
    db.execute("UPDATE articles SET flag_too_short = ? WHERE url = ?", [int(too_short(words, pages, total)), row["url"]])
    db.execute(
        "INSERT INTO site_stats (site, articles, words) VALUES (?, ?, ?) ON CONFLICT(site) DO UPDATE SET "
        "articles = site_stats.articles + excluded.articles, words = site_stats.words + excluded.words",
        [site, 0 if previous_words is not None else 1, words - (previous_words or 0)],
    )


# site chrome memory -----------------------------------------------------------

# pages of a block whose stories are read, per story asked for: chrome is on pages of many stories, and
# any of its pages are likely to show them
SCAN_PAGES = 25
# other sites' articles of a block's stories read to find the block in one: a story's write-ups on other sites
WRITE_UPS = 50


def learn_blocks(db: sqlite_utils.Database, site: str, url: str, blocks: Mapping[str, str], now: str,
                 stories: int) -> set[str]:
    """Count this page's blocks for its site (any host name of it); return those that are now chrome.

    A block is chrome once seen on ``stories`` pages of the site (the page
    being filed counted) and either

    * on pages of ``stories`` different stories (``articles.story_id``), or
    * in stories that other sites wrote up too, and in none of their
      write-ups (their first :data:`WRITE_UPS` read): a promo that a site whose pages all
      cover one story repeats on each of them.

    A passage that pages of one story share (a quote, a wire paragraph) is
    never chrome when another site's write-up of it has it too, however
    often it recurs; nor when no other site wrote the story up: nothing
    then tells it from the story's own.  Pages whose story is not known yet
    do not count: the page being filed the first time (its story is filed
    after it), and an article still waiting for its story in a busy crawl.
    Stories are read as they are now: a block whose pages' stories merge
    later is the story's again at the next re-extraction, which files every
    page as it is then.
    """
    if not blocks:
        return set()
    site = site_of_host(site)
    known = {row[0] for row in db.execute("SELECT block FROM site_block_pages WHERE site = ? AND url = ?", [site, url])}
    new = [(block, text) for block, text in blocks.items() if block not in known]
    db.conn.executemany("INSERT INTO site_block_pages (site, block, url) VALUES (?, ?, ?)", [(site, b, url) for b, _ in new])
    db.conn.executemany(
        "INSERT INTO site_blocks (site, block, text, pages, first_seen, last_seen) VALUES (?, ?, ?, 1, ?, ?) "
        "ON CONFLICT(site, block) DO UPDATE SET pages = pages + 1, last_seen = excluded.last_seen",
        [(site, b, text, now, now) for b, text in new],
    )
    keys = list(blocks)
    # pages of that many stories are at least that many pages: only those blocks are looked at
    repeated = [row[0] for chunk in chunks(keys) for row in db.execute(
        f"SELECT block FROM site_blocks WHERE site = ? AND pages >= ? AND block IN ({marks(chunk)})",
        [site, stories, *chunk])]
    chrome = set()
    write_ups: dict[tuple[int, ...], list[tuple[str, str]]] = {}  # other sites' articles, by stories
    for block in repeated:
        # the first ``stories`` distinct stories found end the scan, and so do SCAN_PAGES pages per story: a
        # block on thousands of pages of one story (copies of one page) would otherwise make every page's
        # filing read them all, and a crawl of such pages quadratic
        found = tuple(row[0] for row in db.execute(
            "SELECT DISTINCT story_id FROM (SELECT a.story_id FROM site_block_pages p JOIN articles a ON a.url = p.url "
            "WHERE p.site = ? AND p.block = ? AND a.story_id IS NOT NULL LIMIT ?) LIMIT ?",
            [site, block, SCAN_PAGES * stories, stories]))
        if len(found) >= stories:
            chrome.add(block)
        elif found:
            if found not in write_ups:
                write_ups[found] = _other_write_ups(db, site, found)
            if _site_s_own(db, block, write_ups[found]):
                chrome.add(block)
    return chrome


def _other_write_ups(db: sqlite_utils.Database, site: str, stories: tuple[int, ...]) -> list[tuple[str, str]]:
    """Site and URL of other sites' articles of these stories: the first :data:`WRITE_UPS`."""
    return db.execute(f"SELECT site, url FROM articles WHERE story_id IN ({marks(stories)}) AND site IS NOT ? LIMIT ?",
                      [*stories, site, WRITE_UPS]).fetchall()


def _site_s_own(db: sqlite_utils.Database, block: str, write_ups: list[tuple[str, str]]) -> bool:
    """Whether other sites wrote the block's stories up and none of their write-ups has it."""
    if not write_ups:
        return False
    pairs = ", ".join("(?, ?)" for _ in write_ups)
    # a join from the pairs, each looked up by the primary key (a row-value IN would scan the table)
    return db.execute(f"SELECT 1 FROM (VALUES {pairs}) AS w CROSS JOIN site_block_pages p ON p.site = w.column1 "
                      "AND p.block = ? AND p.url = w.column2 LIMIT 1",
                      [*(value for pair in write_ups for value in pair), block]).fetchone() is None


# versions and re-checks ----------------------------------------------------------

def current_version(db: sqlite_utils.Database, url: str) -> dict[str, Any] | None:
    """The URL's newest version (id, number, title, text)."""
    row = db.execute("SELECT id, number, title, text FROM versions WHERE url = ? ORDER BY number DESC LIMIT 1",
                     [url]).fetchone()
    return dict(zip(("id", "number", "title", "text"), row)) if row else None


def add_version(db: sqlite_utils.Database, url: str, number: int, capture_id: int | None, article: Article,
                fingerprint: str, now: str) -> int:
    """Version ``number`` of the article at ``url``, which becomes the one its ``articles`` row points at."""
    row = {
        "url": url, "number": number, "capture_id": capture_id, "title": article.title, "text": article.text,
        "fingerprint": fingerprint, "first_seen": now, "last_seen": now, "cosmetic_changes": 0,
        "metadata": to_json({name: getattr(article, name) for name in VERSION_METADATA}),
    }
    cursor = db.execute(f"INSERT INTO versions ({', '.join(row)}) VALUES ({marks(row)})", list(row.values()))
    db.execute("UPDATE articles SET version_id = ? WHERE url = ?", [cursor.lastrowid, row["url"]])
    return int(cursor.lastrowid)


def saw_version_again(db: sqlite_utils.Database, version_id: int, now: str, cosmetic: bool) -> None:
    """The version was seen again, identical or with a cosmetic change (counted, not stored)."""
    db.execute("UPDATE versions SET last_seen = ?, cosmetic_changes = cosmetic_changes + ? WHERE id = ?",
               [now, int(cosmetic), version_id])


def set_diff(db: sqlite_utils.Database, version_id: int, change: Change) -> None:
    """A version's words added and removed and its diff against the previous one."""
    db.execute("UPDATE versions SET words_added = ?, words_removed = ?, diff = ? WHERE id = ?",
               [change.words_added, change.words_removed, change.diff, version_id])


def article_dates(db: sqlite_utils.Database, url: str) -> tuple[str | None, str | None]:
    """An article's publication date and when it was first archived (None, None if there is no article)."""
    row = db.execute("SELECT date, first_seen FROM articles WHERE url = ?", [url]).fetchone()
    return (row[0], row[1]) if row else (None, None)


def set_checked(db: sqlite_utils.Database, url: str, now: str, next_check_at: str | None, changed: bool) -> None:
    """Record a fetch of an archived article and when to check it next (None: never)."""
    db.execute(
        "UPDATE articles SET first_seen = coalesce(first_seen, ?), last_checked_at = ?, "
        "checks = coalesce(checks, 0) + 1, next_check_at = ?, "
        "last_changed_at = CASE WHEN ? THEN ? ELSE last_changed_at END WHERE url = ?",
        [now, now, next_check_at, int(changed), now, url],
    )


def due_urls(db: sqlite_utils.Database, site: str, now: str, limit: int) -> list[str]:
    """Article URLs of a site (any host name of it) whose re-check is due, most overdue first."""
    return [row[0] for row in db.execute(
        "SELECT url FROM articles WHERE site = ? AND next_check_at <= ? ORDER BY next_check_at LIMIT ?",
        [site_of_host(site), now, limit])]


def to_reextract(db: sqlite_utils.Database, site: str | None, since: str | None) -> list[dict[str, Any]]:
    """Articles with their capture's WARC place, for ``archiver reextract``."""
    where, params = ["c.warc_filename IS NOT NULL"], []
    if site:
        where.append("a.site = ?")
        params.append(site_of_host(site))
    if since:
        where.append("c.fetched_at >= ?")
        params.append(since)
    return [dict(row) for row in db.query(
        "SELECT a.id, a.url, a.capture_id, a.site, a.hints, a.title, a.author, a.date, a.sitename, a.language, "
        "a.description, a.text, c.warc_filename, c.warc_offset, c.warc_length, c.browser FROM articles a "
        f"JOIN captures c ON c.id = a.capture_id WHERE {' AND '.join(where)} ORDER BY a.id",
        params,
    )]


def get(db: sqlite_utils.Database, article_id: int) -> dict[str, Any] | None:
    """One ``articles`` row."""
    rows = list(db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
    return rows[0] if rows else None


def site_rules(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every row of ``site_rules``."""
    return [dict(row) for row in db.query("SELECT site, prune_xpath, keep_xpath, render FROM site_rules ORDER BY id")]
