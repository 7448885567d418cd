"""Shared fixtures: the loopback news site and real `scrapy crawl` runs against it."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlite_utils

from newssite import MISSING_PATH, PDF_PATH, REDIRECT_PATH, NewsSite, refused_url

ROOT = Path(__file__).resolve().parents[1]
# Fast, deterministic crawls of a local site; everything else is the shipped default.
TEST_SETTINGS = {"AUTOTHROTTLE_ENABLED": "0", "LOG_LEVEL": "INFO", "ARCHIVER_EXTRACT_WORKERS": "1"}


@dataclass
class Crawl:
    """One finished `scrapy crawl` run: its exit code, output and archive."""

    returncode: int
    stdout: str
    stderr: str
    db_path: Path
    warc_dir: Path

    @property
    def db(self) -> sqlite_utils.Database:
        return sqlite_utils.Database(self.db_path)


def run_crawl(tmp: Path, spider: str, args: dict[str, str], settings: dict[str, str] | None = None) -> Crawl:
    """Run `scrapy crawl SPIDER -a k=v ... -s K=V ...` from the project folder, as a user would."""
    db_path, warc_dir = tmp / "archive.db", tmp / "warcs"
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for key, value in args.items():
        command += ["-a", f"{key}={value}"]
    merged = {"ARCHIVER_DB": str(db_path), "ARCHIVER_WARC_DIR": str(warc_dir), **TEST_SETTINGS, **(settings or {})}
    for key, value in merged.items():
        command += ["-s", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return Crawl(done.returncode, done.stdout, done.stderr, db_path, warc_dir)


@pytest.fixture(scope="session")
def news_site():
    site = NewsSite().start()
    yield site
    site.stop()


@pytest.fixture(scope="session")
def crawl_urls(news_site: NewsSite) -> dict[str, str]:
    """Every kind of URL the core crawl meets, by name."""
    return {
        **news_site.article_urls(),
        "index": news_site.url("/"),
        "redirect": news_site.url(REDIRECT_PATH),
        "missing": news_site.url(MISSING_PATH),
        "pdf": news_site.url(PDF_PATH),
        "refused": refused_url(),
    }


@pytest.fixture(scope="session")
def archived(news_site: NewsSite, crawl_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """One `scrapy crawl article -a urls=FILE` over the whole test site."""
    tmp = tmp_path_factory.mktemp("archived")
    url_file = tmp / "urls.txt"
    url_file.write_text("# the loopback news site\n\n" + "\n".join(crawl_urls.values()) + "\n", encoding="utf-8")
    crawl = run_crawl(tmp, "article", {"urls": str(url_file)})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    return crawl
