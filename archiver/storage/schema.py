"""The archive's schema: one ``sqlite_utils.Migrations`` step per change.

Steps are applied in order and recorded in ``_sqlite_migrations``; add a
step, never edit one that shipped.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("archiver")


@migrations()
def m001_core_tables(db: sqlite_utils.Database) -> None:
    """crawls, captures and articles, with full-text search on articles."""
    db["crawls"].create(
        {
            "id": int,
            "spider": str,
            "args": str,
            "started_at": str,
            "finished_at": str,
            "finish_reason": str,
            "stats": str,
        },
        pk="id",
    )
    db["captures"].create(
        {
            "id": int,
            "url": str,
            "method": str,
            "status": int,
            "reason": str,
            "content_type": str,
            "size": int,
            "fetched_at": str,
            "ip_address": str,
            "warc_filename": str,
            "warc_offset": int,
            "warc_length": int,
            "warc_record_id": str,
            "payload_digest": str,
            "crawl_id": int,
            "error": str,
        },
        pk="id",
        foreign_keys=[("crawl_id", "crawls", "id")],
    )
    db["captures"].create_index(["url"])
    db["captures"].create_index(["crawl_id"])
    db["articles"].create(
        {
            "id": int,
            "url": str,
            "capture_id": int,
            "title": str,
            "author": str,
            "date": str,
            "sitename": str,
            "language": str,
            "description": str,
            "text": str,
            "word_count": int,
            "extractor": str,
            "extracted_at": str,
        },
        pk="id",
        foreign_keys=[("capture_id", "captures", "id")],
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["capture_id"])
    db["articles"].enable_fts(["title", "text"], fts_version="FTS5", create_triggers=True)


@migrations()
def m002_discovery(db: sqlite_utils.Database) -> None:
    """Per-source watermarks, what each crawl did, and the hints a sitemap or feed gave."""
    db["sources"].create(
        {
            "id": int,
            "url": str,
            "kind": str,
            "watermark": str,
            "last_crawl_id": int,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("last_crawl_id", "crawls", "id")],
    )
    db["sources"].create_index(["url"], unique=True)
    # as shipped: a migration never reads a list that may grow later
    for column in ("found", "fetched", "new", "skipped_archived", "skipped_old", "skipped_robots", "failed"):
        db["crawls"].add_column(column, int)
    db["articles"].add_column("hints", str)


@migrations()
def m003_metadata_and_flags(db: sqlite_utils.Database) -> None:
    """Authors as a list, the article's site, and soft-failure flags."""
    articles = db["articles"]
    articles.add_column("authors", str)
    articles.add_column("site", str)
    articles.add_column("flag_interstitial", str)
    for column in ("flag_mostly_links", "flag_no_date", "flag_no_title", "flag_too_short"):
        articles.add_column(column, int)
    articles.create_index(["site"])
    # running totals per site, so that "too short for its site" costs one row read
    db["site_stats"].create({"site": str, "articles": int, "words": int}, pk="site")


@migrations()
def m004_site_chrome_memory_and_rules(db: sqlite_utils.Database) -> None:
    """Per-site text blocks and the distinct pages each was seen on; per-site extraction rules."""
    db["site_blocks"].create(
        {"site": str, "block": str, "text": str, "pages": int, "first_seen": str, "last_seen": str},
        pk=("site", "block"),
    )
    db["site_block_pages"].create({"site": str, "block": str, "url": str}, pk=("site", "block", "url"))
    db["site_block_pages"].create_index(["site", "url"])
    db["site_rules"].create({"id": int, "site": str, "prune_xpath": str, "keep_xpath": str, "note": str}, pk="id")
    db["site_rules"].create_index(["site"])


@migrations()
def m005_hosts_and_crawls_for_browsing(db: sqlite_utils.Database) -> None:
    """``captures.host`` and ``articles.crawl_id``, so that Datasette can facet and group by them."""
    db["captures"].add_column("host", str)
    db["captures"].create_index(["host"])
    # no foreign key: adding one rebuilds the table and drops its full-text triggers
    db["articles"].add_column("crawl_id", int)
    db["articles"].create_index(["crawl_id"])
    db.register_function(lambda url: urlsplit(url).hostname, name="archiver_host", replace=True)
    db.execute("UPDATE captures SET host = archiver_host(url)")
    db.execute("UPDATE articles SET crawl_id = (SELECT crawl_id FROM captures WHERE captures.id = articles.capture_id)")


@migrations()
def m006_rechecks_and_versions(db: sqlite_utils.Database) -> None:
    """Validators and revisits on captures; re-check times on articles; every version of an article."""
    captures = db["captures"]
    for column in ("etag", "last_modified", "revisit"):
        captures.add_column(column, str)
    captures.add_column("revisit_of", int)
    articles = db["articles"]
    for column in ("first_seen", "last_checked_at", "last_changed_at", "next_check_at"):
        articles.add_column(column, str)
    articles.add_column("checks", int)
    articles.add_column("version_id", int)
    articles.create_index(["next_check_at"])
    db["versions"].create(
        {
            "id": int,
            "url": str,
            "number": int,
            "capture_id": int,
            "title": str,
            "text": str,
            "metadata": str,
            "fingerprint": str,
            "first_seen": str,
            "last_seen": str,
            "cosmetic_changes": int,
            "words_added": int,
            "words_removed": int,
            "diff": str,
        },
        pk="id",
        foreign_keys=[("capture_id", "captures", "id")],
    )
    db["versions"].create_index(["url", "number"], unique=True)
    # Re-checks update articles often; only a new title or text should touch the
    # full-text index (sqlite-utils' trigger re-indexes the row on every update).
    db.execute("DROP TRIGGER IF EXISTS articles_au")
    db.execute(
        "CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN "
        "INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text); "
        "INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text); END"
    )
    # What is archived already is its URL's first version, due for a re-check now.
    db.execute(
        "INSERT INTO versions (url, number, capture_id, title, text, first_seen, last_seen, cosmetic_changes) "
        "SELECT url, 1, capture_id, title, text, extracted_at, extracted_at, 0 FROM articles"
    )
    db.execute(
        "UPDATE articles SET first_seen = extracted_at, last_checked_at = extracted_at, next_check_at = extracted_at, "
        "checks = 0, version_id = (SELECT id FROM versions WHERE versions.url = articles.url)"
    )


@migrations()
def m007_stories(db: sqlite_utils.Database) -> None:
    """Copies and stories: each article's content hash, original and story; the indexes that find them."""
    db["stories"].create(
        {"id": int, "articles": int, "sites": str, "first_seen": str, "last_seen": str, "title": str}, pk="id"
    )
    articles = db["articles"]
    # no foreign keys: sqlite-utils adds one by rebuilding the table, which drops the full-text triggers
    articles.add_column("content_hash", str)
    articles.add_column("copy_of", int)
    articles.add_column("story_id", int)
    articles.create_index(["content_hash"])
    articles.create_index(["story_id"])
    # what the indexes below were made from, to score candidates and to undo an article's entries
    db["story_signatures"].create(
        {"article_id": int, "day": int, "minhash": bytes, "vector": str},
        pk="article_id", foreign_keys=[("article_id", "articles", "id")],
    )
    # LSH of MinHashes: near copies share a band key
    db["story_bands"].create({"band": int, "article_id": int}, pk=("band", "article_id"))
    db["story_bands"].create_index(["article_id"])
    # inverted index of each article's heaviest terms, by day, for the date window
    db["story_terms"].create({"term": str, "day": int, "article_id": int}, pk=("term", "day", "article_id"))
    db["story_terms"].create_index(["article_id"])
    # document frequencies for IDF; the empty term counts the documents
    db["story_df"].create({"term": str, "df": int}, pk="term")


@migrations()
def m008_record_lookups(db: sqlite_utils.Database) -> None:
    """Find a capture by its WARC record (id, or file and offset): ``archiver import`` skips known records, resolves revisits."""
    db["captures"].create_index(["warc_record_id"])
    db["captures"].create_index(["warc_filename", "warc_offset"])


@migrations()
def m009_block_pages_by_page(db: sqlite_utils.Database) -> None:
    """A page's blocks from one covering index on (site, url, block).

    With only (site, url), SQLite read a page's blocks through the primary
    key's index on ``site`` alone, every block page of the site: filing an
    article slowed as its site grew (22 ms an article at 10,000 pages of one
    site, 1.9 ms with this index).
    """
    db["site_block_pages"].create_index(["site", "url", "block"])
    db.execute("DROP INDEX idx_site_block_pages_site_url")


@migrations()
def m010_retries(db: sqlite_utils.Database) -> None:
    """What a sitemap or feed listed and a crawl could not fetch (an HTTP error, a time-out): the next runs try again."""
    db["retries"].create(
        {"url": str, "site": str, "kind": str, "tries": int, "error": str, "failed_at": str, "hints": str}, pk="url"
    )
    db["retries"].create_index(["site", "failed_at"])


@migrations()
def m011_articles_by_first_seen(db: sqlite_utils.Database) -> None:
    """Articles archived a day, by site, for the archive's landing page: one range of a covering index."""
    db["articles"].create_index(["first_seen", "site"])


@migrations()
def m012_rendering(db: sqlite_utils.Database) -> None:
    """Pages rendered by a browser: where each article's text came from, the browser's captures, a site's choice."""
    # html (the plain fetch's markup), embedded:KIND (the data the page carries), rendered (the browser's DOM)
    db["articles"].add_column("source", str)
    # the browser that made a capture (null: a plain fetch), and the plain fetch's capture it rendered again
    db["captures"].add_column("browser", str)
    db["captures"].add_column("render_of", int)
    db["captures"].create_index(["render_of"])
    # never, auto or always (null: ARCHIVER_RENDER)
    db["site_rules"].add_column("render", str)
