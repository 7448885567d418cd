"""Stopping as people stop programs: Ctrl-C once, Ctrl-C twice, a JOBDIR pause and resume, kill -9, scrapy shell.

Each crawl runs in a process group of its own and is signalled as a
terminal signals it (``os.killpg``: the crawl and its extraction workers).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.formats.warc import read_response
from conftest import ROOT, Crawl, run_archiver, run_crawl, start_crawl
from manysite import ManySite, article_path

pytestmark = pytest.mark.crawl

EXIT_WAIT = 90  # seconds: a hang detector, not a measure


def url_file(tmp: Path, site: ManySite) -> Path:
    path = tmp / "urls.txt"
    path.write_text("\n".join(site.urls()) + "\n", encoding="utf-8")
    return path


def stopped(tmp: Path, process: subprocess.Popen) -> Crawl:
    stdout, stderr = process.communicate(timeout=EXIT_WAIT)
    return Crawl(process.returncode, stdout, stderr, tmp / "archive.db", tmp / "warcs")


def assert_archive_whole(crawl: Crawl) -> None:
    """No file left open, every crawl row finished, every capture's record readable."""
    assert not list(crawl.warc_dir.glob("*.open"))
    assert all(row["finished_at"] for row in crawl.db.query("select finished_at from crawls"))
    for row in crawl.db.query("select warc_filename, warc_offset, warc_length from captures where warc_filename is not null"):
        read_response(crawl.warc_dir / row["warc_filename"], row["warc_offset"], row["warc_length"])
    for path in crawl.warc_dir.glob("*.warc.gz"):
        with open(path, "rb") as f:
            assert sum(1 for _ in ArchiveIterator(f)) > 0


@pytest.mark.parametrize("paragraphs, after", [(30, 1), (30, 40), (600, 4)], ids=["at-once", "midway", "extracting"])
def test_one_ctrl_c_finishes_what_is_in_flight_and_closes_everything(tmp_path: Path, paragraphs: int, after: int) -> None:
    site = ManySite(pages=100, paragraphs=paragraphs).start()
    try:
        process = start_crawl(tmp_path, "article", {"urls": str(url_file(tmp_path, site))}, own_group=True)
        site.wait_served(after)
        os.killpg(process.pid, signal.SIGINT)
        crawl = stopped(tmp_path, process)
    finally:
        site.stop()
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    for sign in ("KeyboardInterrupt", "InvalidStateError", "Traceback"):
        assert sign not in crawl.stderr, crawl.stderr[-3000:]
    assert crawl.crawl_row()["finish_reason"] == "shutdown"
    assert_archive_whole(crawl)
    fetched = crawl.db.execute("select count(*) from captures where status = 200 and url like '%/news/%'").fetchone()[0]
    assert 0 < fetched < 100
    # every page fetched before the stop was extracted and filed
    assert crawl.db["articles"].count == fetched


def test_a_second_ctrl_c_stops_at_once_and_still_closes_the_crawl(tmp_path: Path) -> None:
    site = ManySite(pages=30, held={2}).start()
    try:
        process = start_crawl(tmp_path, "article", {"urls": str(url_file(tmp_path, site))}, own_group=True)
        while not any(path == article_path(2) for path, _ in site.requests):
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGINT)  # waits for the held page...
        time.sleep(1)
        os.killpg(process.pid, signal.SIGINT)  # ...until the second Ctrl-C
        crawl = stopped(tmp_path, process)
    finally:
        site.release()
        site.stop()
    assert "KeyboardInterrupt" not in crawl.stderr and "InvalidStateError" not in crawl.stderr, crawl.stderr[-3000:]
    assert crawl.crawl_row()["finish_reason"] == "killed"
    assert_archive_whole(crawl)


def test_jobdir_pause_and_resume_archive_every_url_exactly_once(tmp_path: Path) -> None:
    site = ManySite(pages=60, held={59}).start()  # the last page held: the crawl cannot finish before the stop
    settings = {"JOBDIR": str(tmp_path / "job")}
    try:
        urls = url_file(tmp_path, site)
        process = start_crawl(tmp_path, "article", {"urls": str(urls)}, settings, own_group=True)
        site.wait_served(15)
        os.killpg(process.pid, signal.SIGINT)
        site.release()
        paused = stopped(tmp_path, process)
        assert paused.returncode == 0 and paused.crawl_row()["finish_reason"] == "shutdown", paused.stderr[-3000:]
        resumed = run_crawl(tmp_path, "article", {"urls": str(urls)}, settings)
    finally:
        site.stop()
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    per_url = {row["url"]: row["n"] for row in resumed.db.query(
        "select url, count(*) as n from captures where status = 200 and url like '%/news/%' group by url")}
    assert per_url == {url: 1 for url in site.urls()}
    assert resumed.db["articles"].count == 60
    assert_archive_whole(resumed)


def test_after_kill_9_the_next_run_closes_what_the_killed_crawl_left(tmp_path: Path) -> None:
    site = ManySite(pages=60, held={59}).start()  # the last page held: the crawl is still running when killed
    try:
        urls = url_file(tmp_path, site)
        process = start_crawl(tmp_path, "article", {"urls": str(urls)}, own_group=True)
        site.wait_served(20)
        os.killpg(process.pid, signal.SIGKILL)
        site.release()
        process.communicate(timeout=EXIT_WAIT)
        killed = Crawl(process.returncode, "", "", tmp_path / "archive.db", tmp_path / "warcs")
        assert killed.crawl_row()["finished_at"] is None
        [left_open] = killed.warc_dir.glob("*.open")
        whole = left_open.stat().st_size
        with open(left_open, "ab") as f:  # a record cut short by the kill
            f.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03half a gzip member")
        captured = killed.db["captures"].count

        rerun = run_crawl(tmp_path, "article", {"urls": str(urls)})
    finally:
        site.stop()
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "After an earlier crash: finished the rows of killed crawls 1" in rerun.stderr
    first, second = rerun.db.query("select finish_reason, stats from crawls order by id")
    assert first["finish_reason"] == "killed" and second["finish_reason"] == "finished"
    closed = left_open.with_name(left_open.name.removesuffix(".open"))
    assert closed.stat().st_size == whole  # the partial member cut away, nothing committed lost
    assert rerun.db["captures"].count > captured
    assert {row["url"] for row in rerun.db.query("select url from articles")} == set(site.urls())
    assert_archive_whole(rerun)

    assert run_archiver("reextract", "--db", str(rerun.db_path), "--warc-dir", str(rerun.warc_dir)).returncode == 0
    holding = next(rerun.db.query("select c.warc_filename from articles a join captures c on c.id = a.capture_id"))
    (rerun.warc_dir / holding["warc_filename"]).unlink()
    unreadable = run_archiver("reextract", "--db", str(rerun.db_path), "--warc-dir", str(rerun.warc_dir))
    assert unreadable.returncode == 1
    assert int(re.search(r"(\d+) unreadable \(of 60 articles\)\.", unreadable.stdout).group(1)) > 0


def test_scrapy_shell_archives_nothing_and_settings_show_the_real_defaults(tmp_path: Path, news_site) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    shell = subprocess.run(
        [sys.executable, "-m", "scrapy", "shell", news_site.url("/"), "-c", "response.status",
         "-s", f"ARCHIVER_DB={tmp_path / 'archive.db'}", "-s", f"ARCHIVER_WARC_DIR={tmp_path / 'warcs'}",
         "-s", "ARCHIVER_ALLOW_NETWORKS=127.0.0.1/32"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert shell.returncode == 0 and shell.stdout.strip() == "200", shell.stderr[-3000:]
    assert not (tmp_path / "archive.db").exists() and not (tmp_path / "warcs").exists()
    setting = subprocess.run([sys.executable, "-m", "scrapy", "settings", "--get", "ARCHIVER_DB"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert setting.stdout.strip() == "archive.db"
