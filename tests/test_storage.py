"""The SQLite archive: the three tables other tools rely on, WAL, migrations, latest capture wins."""

from __future__ import annotations

import json
import re
from pathlib import Path

import subprocess
import sys

import pytest
from conftest import ROOT, Crawl, run_crawl
from newssite import NewsSite
from archiver.archive.writer import ArchiveWriter
from made import an_article

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
REQUIRED = {
    "captures": {"id", "url", "status", "content_type", "fetched_at", "warc_filename", "warc_offset",
                 "warc_length", "warc_record_id", "payload_digest", "crawl_id", "error"},
    "articles": {"id", "url", "capture_id", "title", "author", "date", "sitename", "language", "description",
                 "text", "word_count", "extractor", "extracted_at"},
    "crawls": {"id", "spider", "args", "started_at", "finished_at", "finish_reason", "stats"},
}


@pytest.mark.crawl
def test_tables_have_the_documented_columns(archived: Crawl) -> None:
    db = archived.db
    for table, columns in REQUIRED.items():
        assert columns <= set(db[table].columns_dict), table
    assert db["articles"].detect_fts() == "articles_fts"
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    applied = [r["name"] for r in db.query("select name from _sqlite_migrations where migration_set = 'archiver'")]
    assert applied[0] == "m001_core_tables"


@pytest.mark.crawl
def test_crawl_row_records_what_was_asked_and_what_happened(archived: Crawl, crawl_urls: dict) -> None:
    crawl = next(archived.db.query("select * from crawls"))
    assert crawl["spider"] == "article"
    assert set(json.loads(crawl["args"])) == {"urls"}
    assert ISO_UTC.match(crawl["started_at"]) and ISO_UTC.match(crawl["finished_at"])
    assert crawl["finished_at"] >= crawl["started_at"]
    assert crawl["finish_reason"] == "finished"
    stats = json.loads(crawl["stats"])
    captures = archived.db["captures"].count_where("crawl_id = ?", [crawl["id"]])
    assert stats["archiver/captures"] == captures
    # five stories and the index page; not the redirect (stored under its target), 404, PDF or refused URL
    assert stats["archiver/articles"] == archived.db["articles"].count == 6


@pytest.mark.crawl
def test_every_capture_row_says_what_happened(archived: Crawl, crawl_urls: dict) -> None:
    def one(url: str) -> dict:
        return next(archived.db.query("select * from captures where url = ? order by id desc", [url]))

    for row in archived.db.query("select * from captures"):
        assert ISO_UTC.match(row["fetched_at"]) and row["crawl_id"] == 1
    assert one(crawl_urls["missing"])["error"] == "HTTP 404 Nothing Here"
    assert one(crawl_urls["pdf"])["error"] == "no article: not HTML (application/pdf)"
    assert one(crawl_urls["pdf"])["content_type"] == "application/pdf"
    assert one(crawl_urls["herald"])["error"] is None
    assert one(crawl_urls["index"])["status"] == 200
    article = next(archived.db.query("select capture_id from articles where url = ?", [crawl_urls["herald"]]))
    assert article["capture_id"] == one(crawl_urls["herald"])["id"]


@pytest.mark.crawl
def test_a_page_without_an_article_says_why(tmp_path: Path, news_site: NewsSite) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": news_site.url("/robots.txt")})
    row = next(crawl.db.query("select * from captures where url like '%/robots.txt' and error is not null"))
    assert row["error"] == "no article: not HTML (text/plain)"


@pytest.mark.crawl
def test_a_recheck_keeps_one_article_and_both_captures(tmp_path: Path, crawl_urls: dict) -> None:
    urls = f"{crawl_urls['herald']},{crawl_urls['observer']}"
    first = run_crawl(tmp_path, "article", {"url": urls})
    second = run_crawl(tmp_path, "article", {"url": crawl_urls["herald"], "recrawl": "1"})
    assert first.returncode == second.returncode == 0
    db = second.db
    assert [r["id"] for r in db.query("select id from crawls")] == [1, 2]
    herald = list(db.query("select * from articles where url = ?", [crawl_urls["herald"]]))
    assert len(herald) == 1
    captures = list(db.query("select * from captures where url = ? order by id", [crawl_urls["herald"]]))
    assert len(captures) == 2 and captures[1]["revisit"] == "identical-payload"
    assert herald[0]["capture_id"] == captures[1]["revisit_of"] == captures[0]["id"]  # the capture with the bytes
    # the full-text index follows the row, without duplicates
    assert len(list(db["articles"].search("Luhansk"))) == 1


@pytest.mark.crawl
def test_two_crawls_on_one_archive_at_once_both_keep_all_their_rows(tmp_path: Path, crawl_urls: dict) -> None:
    db, warcs = tmp_path / "shared.db", tmp_path / "warcs"
    commands = [
        [sys.executable, "-m", "scrapy", "crawl", "article", "-a", f"url={crawl_urls[key]},{crawl_urls['pdf']}",
         "-s", f"ARCHIVER_DB={db}", "-s", f"ARCHIVER_WARC_DIR={warcs}", "-s", "AUTOTHROTTLE_ENABLED=0",
         "-s", "ARCHIVER_LOCK=0", "-s", "ARCHIVER_ALLOW_NETWORKS=127.0.0.1/32"]  # without the lock four crawls of one spider overlap
        for key in ("herald", "observer", "daily", "canindia")
    ]
    runs = [subprocess.Popen(c, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for c in commands]
    errors = [run.communicate(timeout=300)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0, 0]
    assert not any("database is locked" in e or "archiver/errors" in e for e in errors)
    archive = Crawl(0, "", "", db, warcs).db
    assert [r["finish_reason"] for r in archive.query("select finish_reason from crawls")] == ["finished"] * 4
    assert archive["articles"].count == 4
    assert archive["captures"].count_where("url = ?", [crawl_urls["pdf"]]) == 4
    assert len({p.name for p in warcs.iterdir()}) == 4  # one file each, never shared


def test_an_article_stored_without_a_capture_id_is_replaced_later(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path / "a.db")
    url = "http://example.org/a"
    assert writer.article(url, None, an_article("first")).new is True
    assert writer.article(url, 7, an_article("second")).new is False
    assert writer.article(url, 3, an_article("older capture")).article_id is None
    rows = list(writer.storage.db.query("select capture_id, text from articles"))
    assert rows == [{"capture_id": 7, "text": "second"}]
    writer.close()


def _filing_steps(writer: ArchiveWriter, url: str, text: str) -> int:
    """SQLite's virtual-machine steps (in hundreds) to file one article: work that does not depend on the clock."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    writer.storage.db.conn.set_progress_handler(count, 100)
    writer.article(url, None, an_article(text))
    writer.storage.db.conn.set_progress_handler(None, 100)
    return steps[0]


def test_filing_an_article_costs_the_same_however_many_pages_its_site_has(tmp_path: Path) -> None:
    """The site chrome memory reads a page's own rows through an index, never the site's every row."""
    def page(n: int) -> str:
        return ". ".join(f"Paragraph {k} of page {n} tells its own part of the story in words" for k in range(20)) + "."

    costs = []
    for size in (20, 600):
        writer = ArchiveWriter(tmp_path / f"{size}.db")
        for n in range(size):
            writer.article(f"https://site.example/{n}", None, an_article(page(n)))
        writer.commit()
        costs.append(_filing_steps(writer, "https://site.example/new", page(size)))
        writer.close()
    assert costs[1] < 2 * costs[0] + 5, costs
