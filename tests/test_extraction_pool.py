"""The extraction pool changes speed, never results: the same crawl with and without worker processes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_crawl

pytestmark = pytest.mark.crawl

COLUMNS = "url, title, author, date, sitename, language, description, text, word_count, extractor"


def rows(crawl) -> list[dict]:
    return list(crawl.db.query(f"select {COLUMNS} from articles order by url"))


def errors(crawl) -> list[tuple]:
    return [(r["url"], r["status"], r["error"]) for r in crawl.db.query("select url, status, error from captures order by url, id")]


def test_rows_are_the_same_with_the_pool_and_without(tmp_path: Path, crawl_urls: dict) -> None:
    urls = ",".join(crawl_urls[k] for k in ("herald", "observer", "daily", "canindia", "mailwire", "index", "pdf", "missing"))
    pooled = run_crawl(tmp_path / "pool", "article", {"url": urls}, {"ARCHIVER_EXTRACT_WORKERS": "2"})
    inline = run_crawl(tmp_path / "thread", "article", {"url": urls}, {"ARCHIVER_EXTRACT_WORKERS": "0"})
    assert pooled.returncode == inline.returncode == 0
    assert len(rows(pooled)) == 6
    assert rows(pooled) == rows(inline)
    assert errors(pooled) == errors(inline)
