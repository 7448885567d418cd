"""Extraction behind an interface: ARCHIVER_EXTRACTOR names the extractor; the stages around it stay the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils

from archiver.extract import extract_article
from conftest import ROOT, run_crawl

PAGE = """<html lang="en"><head><title>Harbour reopens | Harbour News</title>
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Harbour reopens", "datePublished": "2026-11-02"}</script>
</head><body><nav><a href="/">Home</a></nav><article><h1>Harbour reopens</h1>
<p>The harbour reopened on Monday after a winter of repairs to the old quay and the lighthouse.</p>
<p>Leave a Reply</p>
<p>Fishermen said the new berths would let the fleet land its catch closer to the market hall.</p></article>
<div class="promo">Subscribe to our newsletter for more harbour news every morning.</div></body></html>"""


def test_another_extractor_runs_inside_the_same_stages() -> None:
    article = extract_article(PAGE, "https://harbour.example/reopens", extractor="plainextractor.ParagraphsExtractor",
                              vote=False)
    assert article.extractor == {"name": "paragraphs", "version": "1", "vote": False}
    assert article.text.splitlines() == [
        "The harbour reopened on Monday after a winter of repairs to the old quay and the lighthouse.",
        "Fishermen said the new berths would let the fleet land its catch closer to the market hall.",
    ]  # the chrome line and the promo box gone: those stages are not the extractor's
    assert (article.title, article.date) == ("Harbour reopens", "2026-11-02")  # structured metadata, as ever
    default = extract_article(PAGE, "https://harbour.example/reopens")
    assert default.extractor["name"] == "trafilatura"


@pytest.mark.crawl
def test_the_extractor_setting_is_checked_at_start(tmp_path: Path) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": "http://127.0.0.1/"}, {"ARCHIVER_EXTRACTOR": "nowhere.Extractor"})
    assert crawl.returncode == 2
    assert crawl.stderr.strip().splitlines()[-1].startswith(
        "Error: ARCHIVER_EXTRACTOR must be the dotted path of an extractor class")


@pytest.mark.crawl
def test_a_crawl_records_which_extractor_ran(tmp_path: Path, news_site) -> None:
    url = news_site.article_urls()["herald"]
    crawl = run_crawl(tmp_path, "article", {"url": url}, {"ARCHIVER_EXTRACTOR": "plainextractor.ParagraphsExtractor"},
                      pythonpath=ROOT / "tests")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    row = next(crawl.db.query("select extractor, text from articles"))
    assert json.loads(row["extractor"])["name"] == "paragraphs" and row["text"]


@pytest.mark.crawl
@pytest.mark.parametrize("command", ["reextract", "import"])
def test_reextract_and_import_extract_as_they_are_told(tmp_path: Path, news_site, command: str) -> None:
    import os
    import subprocess
    import sys

    crawl = run_crawl(tmp_path, "article", {"url": news_site.article_urls()["herald"]})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    db = crawl.db_path if command == "reextract" else tmp_path / "imported.db"
    where = (["--db", str(db), "--warc-dir", str(crawl.warc_dir)] if command == "reextract"
             else [str(crawl.warc_dir), "--db", str(db), "--warc-dir", str(tmp_path / "imported")])

    def run_with(extractor: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}  # the workers import the class too
        return subprocess.run([sys.executable, "-m", "archiver.cli", command, *where, "--extractor", extractor, "--no-vote"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    done = run_with("plainextractor.ParagraphsExtractor")
    assert done.returncode == 0, done.stderr[-3000:]
    recorded = json.loads(next(sqlite_utils.Database(db).query("select extractor from articles"))["extractor"])
    assert recorded["name"] == "paragraphs" and recorded["vote"] is False
    wrong = run_with("nowhere.Extractor")
    assert wrong.returncode == 2 and "--extractor" in wrong.stderr and "dotted path of an extractor class" in wrong.stderr
