"""The archive's schema: one ``sqlite_utils.Migrations`` step per change.

Steps are applied in order and recorded in ``_sqlite_migrations``; add a
step, never edit one that shipped.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlite_utils
from sqlite_utils import Migrations

from archiver.values.sites import site_of, site_of_host

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


@migrations()
def m013_sites_by_registered_domain(db: sqlite_utils.Database) -> None:
    """Every site key becomes the site of :mod:`archiver.values.sites`: the registered domain, no longer the host.

    ``articles``, ``site_stats``, the chrome memory (``site_blocks``,
    ``site_block_pages``), ``retries`` and ``stories.sites`` were keyed by host
    (``retries`` already by registered domain).  Keys are mapped once per
    distinct value, not per row: an archive holds few sites and many block pages.
    ``site_rules`` rows are the user's and stay as written (a site or one host).
    """
    tables = ("articles", "site_stats", "site_blocks", "site_block_pages", "retries")
    keys = {row[0] for table in tables for row in db.execute(f"SELECT DISTINCT site FROM {table} WHERE site IS NOT NULL")}
    db.execute("CREATE TEMP TABLE site_keys (old TEXT PRIMARY KEY, new TEXT NOT NULL)")
    db.conn.executemany("INSERT INTO site_keys VALUES (?, ?)",
                        [(key, site_of_host(key)) for key in keys if site_of_host(key) != key])
    moved = "site IN (SELECT old FROM site_keys)"
    new = "(SELECT new FROM site_keys WHERE old = site)"
    for table in ("articles", "retries", "site_block_pages"):  # a page is on one host: no key meets another
        db.execute(f"UPDATE OR IGNORE {table} SET site = {new} WHERE {moved}")
        db.execute(f"DELETE FROM {table} WHERE {moved}")
    db.conn.create_function("site_of", 1, site_of, deterministic=True)
    db.execute("UPDATE articles SET site = site_of(url) WHERE site IS NULL")  # rows filed before m003
    # a block seen on two hosts of one site: one row, its sightings widened, its pages counted again
    db.execute(
        "INSERT INTO site_blocks (site, block, text, pages, first_seen, last_seen) "
        "SELECT k.new, b.block, min(b.text), 0, min(b.first_seen), max(b.last_seen) FROM site_blocks b "
        "JOIN site_keys k ON k.old = b.site GROUP BY k.new, b.block "
        "ON CONFLICT(site, block) DO UPDATE SET first_seen = min(site_blocks.first_seen, excluded.first_seen), "
        "last_seen = max(site_blocks.last_seen, excluded.last_seen)")
    db.execute(f"DELETE FROM site_blocks WHERE {moved}")
    db.execute("UPDATE site_blocks SET pages = (SELECT count(*) FROM site_block_pages p "
               "WHERE p.site = site_blocks.site AND p.block = site_blocks.block) "
               "WHERE site IN (SELECT new FROM site_keys)")
    db.execute("DELETE FROM site_stats")
    db.execute("INSERT INTO site_stats (site, articles, words) SELECT coalesce(site, ''), count(*), "
               "coalesce(sum(word_count), 0) FROM articles GROUP BY coalesce(site, '')")
    db.execute("UPDATE stories SET sites = (SELECT json_group_array(site) FROM "
               "(SELECT DISTINCT site FROM articles WHERE story_id = stories.id ORDER BY site)) "
               "WHERE id IN (SELECT story_id FROM articles WHERE site IN (SELECT new FROM site_keys))")
    db.execute("DROP TABLE temp.site_keys")
