"""`archiver merge` of two workers' shards whose copies and stories run across shards: every article, every story.

Two real workers share one frontier (a real redis-server) and a site that
serves each page at two URLs, so a page and its copy land in different
shards as often as not; five write-ups of one event (the seed stories) make
stories across shards.  The merged archive must hold every article, file
every one in a story, put each page and its copy in one copy group, and hold
the stories `archiver stories --rebuild` finds; merging again changes nothing.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

from conftest import ROOT, run_archiver
from loopback import LoopbackSite, Reply
from newssite import TEMPLATES
from seeds import load_stories
from test_distributed import finish_workers, start_workers

pytestmark = [pytest.mark.crawl, pytest.mark.redis]

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-pages" / "html"
CORPUS_PAGES = 16  # real pages, each its own story as often as not


class TwinSite(LoopbackSite):
    """Every page at ``/a/NAME`` and at ``/b/NAME`` with the same bytes: the seed write-ups and some real pages."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: dict[str, bytes] = {}
        for key, story in load_stories().items():
            self.pages[f"{key}.html"] = TEMPLATES[key](story, f"https://{key}.example/peskov.html").encode("utf-8")
        for path in sorted(CORPUS.glob("*.html"))[:CORPUS_PAGES]:
            self.pages[path.name] = path.read_bytes()

    def urls(self) -> list[str]:
        return [self.url(f"/{side}/{name}") for name in self.pages for side in ("a", "b")]

    def route(self, path: str) -> Reply:
        if path == "/robots.txt":
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")], b"User-agent: *\nAllow: /\n")
        side, _, name = path.strip("/").partition("/")
        if side in ("a", "b") and name in self.pages:
            return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], self.pages[name])
        return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"not found")


def run_merge(tmp: Path, into: Path, shards: list[Path]) -> subprocess.CompletedProcess:
    return run_archiver("merge", str(into), *map(str, shards), "--warc-dir", str(tmp / "warcs"), "--workers", "1")


def groups(db: sqlite_utils.Database, column: str) -> set[frozenset[str]]:
    """The archive's articles grouped by ``column`` (``story_id``, or the copy group's root), as sets of URLs."""
    key = "coalesce(copy_of, id)" if column == "copy" else column
    found: dict[object, set[str]] = {}
    for row in db.query(f"SELECT {key} AS k, url FROM articles"):
        found.setdefault(row["k"], set()).add(row["url"])
    return {frozenset(urls) for urls in found.values()}


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    return {table: db[table].count for table in ("crawls", "captures", "articles", "versions", "stories")}


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory, redis_server) -> tuple[Path, list[Path]]:
    """Two workers' shards of the twin site, crawled together on one frontier."""
    tmp = tmp_path_factory.mktemp("twins")
    redis_server.flush()
    site = TwinSite().start()
    try:
        urls = tmp / "urls.txt"
        urls.write_text("\n".join(site.urls()) + "\n")
        crawls = finish_workers(start_workers(tmp, 2, urls, redis_server.url, timeout="60",
                                              settings={"CONCURRENT_REQUESTS": "2"}))
    finally:
        site.stop()
    assert all(crawl.db["articles"].count for crawl in crawls), "one worker archived nothing"
    return tmp, [crawl.db_path for crawl in crawls]


def test_shards_with_copies_and_stories_across_them_merge_completely(shards, tmp_path: Path) -> None:
    tmp, paths = shards
    into = tmp_path / "merged.db"
    done = run_merge(tmp, into, paths)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]
    merged = sqlite_utils.Database(into)
    urls = {row["url"] for path in paths for row in sqlite_utils.Database(path).query("select url from articles")}
    assert {row["url"] for row in merged.query("select url from articles")} == urls
    assert merged.execute("select count(*) from articles where story_id is null").fetchone()[0] == 0
    # each page and its copy at the other URL: one copy group, one story
    twins = {frozenset({url, url.replace("/a/", "/b/")}) for url in urls if "/a/" in url}
    copy_groups = groups(merged, "copy")
    assert all(any(pair <= group for group in copy_groups) for pair in twins), copy_groups
    assert merged.execute("select count(*) from articles where copy_of is not null").fetchone()[0] >= len(twins)
    # the five write-ups of one event are one story, wherever each was fetched
    peskov = {url for url in urls if any(f"/{key}.html" in url for key in load_stories())}
    assert any(peskov <= story for story in groups(merged, "story_id"))
    # the same stories as filing the merged articles again from scratch
    rebuilt = tmp_path / "rebuilt.db"
    shutil.copy(into, rebuilt)
    again = run_archiver("stories", "--db", str(rebuilt), "--rebuild", "--workers", "1")
    assert again.returncode == 0, again.stderr
    assert groups(merged, "story_id") == groups(sqlite_utils.Database(rebuilt), "story_id")
    assert f"{len(urls)} articles in" in done.stdout

    before = counts(merged)
    repeat = run_merge(tmp, into, paths)
    assert repeat.returncode == 0, repeat.stderr[-3000:]
    assert counts(merged) == before and "0 articles added" in repeat.stdout


def test_merging_again_files_what_an_earlier_merge_left_in_no_story(shards, tmp_path: Path) -> None:
    # what a merge that stopped while filing stories left (as before the fix: rows merged, half the articles unfiled)
    tmp, paths = shards
    into = tmp_path / "merged.db"
    assert run_merge(tmp, into, paths).returncode == 0
    merged = sqlite_utils.Database(into)
    left = [row[0] for row in merged.execute("SELECT id FROM articles WHERE id % 2 = 0")]
    for table in ("story_signatures", "story_bands", "story_terms"):
        merged.execute(f"DELETE FROM {table} WHERE article_id % 2 = 0")
    merged.execute("UPDATE articles SET story_id = NULL, copy_of = NULL, content_hash = NULL WHERE id % 2 = 0")
    merged.conn.commit()

    again = run_merge(tmp, into, paths)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "0 articles added" in again.stdout and left
    assert merged.execute("SELECT count(*) FROM articles WHERE story_id IS NULL").fetchone()[0] == 0
    urls = {row["url"] for row in merged.query("SELECT url FROM articles")}
    twins = {frozenset({url, url.replace("/a/", "/b/")}) for url in urls if "/a/" in url}
    assert all(any(pair <= group for group in groups(merged, "copy")) for pair in twins)
