"""`archiver status` on a crawled archive: what it holds, its crawls, what failed; one sentence on what is no archive."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from archiver.values.dates import iso_utc
from archiver.storage.status import REASON_MAX, failure_reason
from conftest import Crawl, run_archiver


@pytest.fixture()
def archive(archived: Crawl, tmp_path: Path) -> Path:
    """A copy of the crawled archive (database and WARC files), to change freely."""
    shutil.copy(archived.db_path, tmp_path / "archive.db")
    shutil.copytree(archived.warc_dir, tmp_path / "warcs")
    return tmp_path / "archive.db"


def status(*args: str) -> dict:
    done = run_archiver("status", *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.crawl
def test_status_says_what_the_archive_holds(archive: Path) -> None:
    found = status("--db", str(archive))
    db = sqlite3.connect(archive)
    count = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    assert found["articles"] == count("select count(*) from articles") > 0
    assert found["captures"] == count("select count(*) from captures")
    assert found["sites"] == count("select count(distinct site) from articles")
    assert found["versions"] == count("select count(*) from versions")
    assert found["stories"] == count("select count(*) from stories")
    warcs = sorted((archive.parent / "warcs").glob("*.warc.gz"))
    assert found["warc"] == {"files": len(warcs), "bytes": sum(p.stat().st_size for p in warcs)}
    assert [c["id"] for c in found["crawls"]] == [1] and found["crawls"][0]["finish_reason"] == "finished"
    # the port where nothing listens (the page and its robots.txt), the news site's 404, and its old URL whose
    # redirect leads to a page the crawl had fetched already (archiver/failed counts it as a loop too)
    assert found["last_crawl_failures"]["failed"] == [["DownloadConnectionRefusedError", 2], ["HTTP 404", 1],
                                                      ["redirect loop", 1]]
    assert found["rechecks_due"] == count(f"select count(*) from articles where next_check_at <= '{iso_utc()}'")


@pytest.mark.crawl
def test_status_reads_aloud(archive: Path) -> None:
    done = run_archiver("status", "--db", str(archive))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"Archive {archive}: ") and " articles from " in lines[0]
    assert lines[1].startswith(f"  WARC files in {archive.parent / 'warcs'}: 1, ")
    assert any(line.startswith("  1 article, ") and ": finished in " in line for line in lines), lines
    assert "  Crawl 1 failed: DownloadConnectionRefusedError (2), HTTP 404 (1), redirect loop (1)" in lines


@pytest.mark.crawl
def test_status_trusts_nothing_stored(archive: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.warc.gz"
    outside.write_bytes(b"x" * 100_000)
    (archive.parent / "warcs" / "linked.warc.gz").symlink_to(outside)  # not a file of the WARC directory
    db = sqlite3.connect(archive)
    with db:
        db.execute("update captures set warc_filename = '../outside.warc.gz'")
        db.execute("update crawls set spider = 'x\x1b[2J\x07', finish_reason = 'done\r\nforged line'")
        db.execute("update captures set error = 'HTTP 500 \x1b]0;title\x07' where status = 404")
    before = status("--db", str(archive))
    warcs = sorted(p for p in (archive.parent / "warcs").glob("*.warc.gz") if not p.is_symlink())
    assert before["warc"]["bytes"] == sum(p.stat().st_size for p in warcs)
    shown = run_archiver("status", "--db", str(archive)).stdout
    assert "\x1b" not in shown and "\x07" not in shown and "\r" not in shown
    assert "\nforged line" not in shown


@pytest.mark.crawl
def test_what_is_no_archive_gets_one_sentence(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table notes (text)").connection.commit()
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    for path, says in ((tmp_path / "missing.db", f"No archive at {tmp_path / 'missing.db'}; give its path with --db"),
                       (other, f"{other} is an SQLite database but not an archive; give the archive's path with --db."),
                       (text, f"{text} is not an archive database")):
        done = run_archiver("status", "--db", str(path))
        assert done.returncode == 1
        assert done.stdout == ""
        assert done.stderr.startswith(f"Error: {says}"), done.stderr
        assert done.stderr.count("\n") == 1 and done.stderr.endswith(".\n") and "with --db" in done.stderr
    assert not (tmp_path / "missing.db").exists()  # status creates nothing


@pytest.mark.parametrize("error, kind, reason", [
    ("HTTP 404 Not Found", "failed", "HTTP 404"),
    ("HTTP 503", "failed", "HTTP 503"),
    ("TimeoutError: Getting http://a.example/x took longer than 180.0 seconds.", "failed", "TimeoutError"),
    ("twisted.internet.error.ConnectionLost: Connection to the other side was lost", "failed", "ConnectionLost"),
    ("refused: 10.0.0.5 is a private address; allow it with -s ARCHIVER_ALLOW_NETWORKS=10.0.0.0/8",
     "refused", "10.0.0.5 is a private address"),
    ("not fetched: Forbidden by robots.txt", "refused", "Forbidden by robots.txt"),
    ("HTTP 500 \x1b]0;owned\x07", "failed", "HTTP 500"),
    ("no article: redirect loop (http://a.example/a -> http://a.example/b -> http://a.example/a)", "failed",
     "redirect loop"),
    ("no article: max redirections reached (the response is archived)", "failed", "max redirections reached"),
    ("redirect to 'file:///etc/passwd' refused: the file: scheme is not fetched (ARCHIVER_ALLOW_SCHEMES is http https)",
     "refused", "redirect: the file: scheme is not fetched (ARCHIVER_ALLOW_SCHEMES is http https)"),
])
def test_a_stored_error_gives_its_reason(error: str, kind: str, reason: str) -> None:
    assert failure_reason(error) == (kind, reason)


def test_any_stored_error_gives_a_short_printable_reason() -> None:
    rng = random.Random(31)
    alphabet = "ab: ;HTP0123456789\x00\x1b\x07\r\n\t\u202e\u00e9" + "".join(map(chr, range(0x20, 0x7f)))
    for _ in range(2000):
        error = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        for prefix in ("", "HTTP ", "refused: ", "not fetched: ", "ValueError: "):
            kind, reason = failure_reason(prefix + error)
            assert kind in ("failed", "refused")
            assert len(reason) <= REASON_MAX and reason.isprintable(), repr(reason)
