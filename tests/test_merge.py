"""`archiver merge` reads a shard a crawl is still writing as a consistent snapshot, and merges the rest later; what it counts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlite_utils

from conftest import finish_crawl, run_archiver, run_crawl, start_crawl
from discoverysite import DiscoverySite
from manysite import ManySite

pytestmark = pytest.mark.crawl


def merge(tmp: Path, shard: Path) -> str:
    done = run_archiver("merge", str(tmp / "merged.db"), str(shard), "--warc-dir", str(tmp / "warcs"), "--workers", "1")
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def test_a_shard_merged_while_its_crawl_writes_then_again_when_done(tmp_path: Path) -> None:
    site = ManySite(pages=40, paragraphs=4, pause=0.2).start()
    try:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(site.urls()) + "\n")
        process = start_crawl(tmp_path, "article", {"urls": str(urls)}, {"CONCURRENT_REQUESTS_PER_DOMAIN": "2"})
        site.wait_served(8)
        merge(tmp_path, tmp_path / "archive.db")
        merged = sqlite_utils.Database(tmp_path / "merged.db")
        during = merged["articles"].count
        # a snapshot: every article points at its capture, every capture at its crawl
        assert merged.execute("select count(*) from articles a join captures c on c.id = a.capture_id "
                              "join crawls k on k.id = c.crawl_id").fetchone()[0] == during
        crawl = finish_crawl(tmp_path, process)
    finally:
        site.stop()
    assert crawl.returncode == 0 and during < 40
    output = merge(tmp_path, tmp_path / "archive.db")
    assert merged["articles"].count == 40 and merged["crawls"].count == 1
    assert merged.execute("select finish_reason from crawls").fetchone()[0] == "finished"
    assert merged["captures"].count == crawl.db["captures"].count
    assert f"{40 - during} articles added" in output
    missing = run_archiver("merge", str(tmp_path / "merged.db"), str(tmp_path / "nothing.db"))
    assert missing.returncode == 1 and "No shard at" in missing.stderr


def test_sources_fetched_again_by_each_run_are_no_page_archived_twice(tmp_path: Path, discovery_site: DiscoverySite) -> None:
    for _ in range(2):  # robots.txt and the sitemaps, twice with the same bytes; the articles once
        crawl = run_crawl(tmp_path, "sitemap", {"url": discovery_site.url("/")})
        assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert "; 0 pages archived twice with the same bytes" in merge(tmp_path, tmp_path / "archive.db")


def tampered(tmp: Path, crawl, column: str, table: str, value) -> tuple[Path, int]:
    """A copy of a crawl's archive as a shard, one row's ``column`` of ``table`` set to ``value``; and that row's id."""
    shard = tmp / "shard.db"
    shutil.copy(crawl.db_path, shard)
    db = sqlite_utils.Database(shard)
    row_id = db.execute(f"SELECT min(id) FROM {table} WHERE {column} IS NOT NULL").fetchone()[0]
    db.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", [value, row_id])
    db.conn.commit()
    db.close()
    return shard, row_id


def warc_copy(tmp: Path, crawl) -> Path:
    warcs = tmp / "warcs"
    shutil.copytree(crawl.warc_dir, warcs)
    return warcs


NAMES = {  # a WARC file name a tampered shard gives, and what the WARC directory holds besides
    "climbs out": ("../x.warc.gz", None),
    "climbs out deeper": ("a/../../x.warc.gz", None),
    "absolute": ("/etc/passwd", None),
    "absolute but inside": ("{warcs}/{first}", None),
    "NUL": ("archiver\0.warc.gz", None),
    "a link out": ("out.warc.gz", ("out.warc.gz", "/etc/passwd")),
    "a folder linked out": ("etc/passwd", ("etc", "/etc")),
    "not text": (b"../x.warc.gz", None),  # a blob
}


@pytest.mark.parametrize("name, link", NAMES.values(), ids=NAMES.keys())
def test_a_shard_naming_warc_files_outside_the_warc_directory_is_refused(tmp_path: Path, archived, name, link) -> None:
    warcs = warc_copy(tmp_path, archived)
    if isinstance(name, str):
        name = name.format(warcs=warcs, first=sorted(p.name for p in warcs.iterdir())[0])
    if link:
        (warcs / link[0]).symlink_to(link[1])
    shard, row_id = tampered(tmp_path, archived, "warc_filename", "captures", name)
    # names alone are checked without a WARC directory too; links need it
    for given in (("--warc-dir", str(warcs)), ()) if name == "../x.warc.gz" else (("--warc-dir", str(warcs)),):
        done = run_archiver("merge", str(tmp_path / "merged.db"), str(shard), "--workers", "1", *given)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.strip() == (f"Error: {shard}: captures row {row_id} names the WARC file {name!r}, which is not a "
                                       "file of the WARC directory; nothing of this shard was merged: correct or delete "
                                       "those rows.")
        merged = sqlite_utils.Database(tmp_path / "merged.db")
        assert merged["captures"].count == 0 and merged["articles"].count == 0


def test_a_step_that_fails_is_one_sentence_and_merging_again_finishes(tmp_path: Path, archived) -> None:
    # an article's text stored as bytes: filing its story fails
    shard, article_id = tampered(tmp_path, archived, "text", "articles", b"\xff\xfe not text")
    url = archived.db["articles"].get(article_id)["url"]
    into = tmp_path / "merged.db"
    failed = run_archiver("merge", str(into), str(shard), "--workers", "1")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
    [line] = failed.stderr.splitlines()
    assert line.startswith(f"Error: Merging {shard} stopped at filing the story of the article of {url!r}: TypeError: ")
    assert line.endswith("Nothing of this shard was merged (what earlier shards added is kept): fix the cause and run "
                         "merge again to finish.")
    merged = sqlite_utils.Database(into)
    assert merged["articles"].count == 0  # nothing of the shard half-merged

    shutil.copy(archived.db_path, shard)  # the shard put right
    done = run_archiver("merge", str(into), str(shard), "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert merged["articles"].count == archived.db["articles"].count
    assert merged.execute("SELECT count(*) FROM articles WHERE story_id IS NULL").fetchone()[0] == 0
