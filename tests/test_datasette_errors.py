"""`archiver serve` error pages: wrong URLs, ids out of range and captures rows that point outside the WARC directory."""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path

import pytest
import sqlite_utils

from conftest import Crawl
from served import Served

HUGE = "99999999999999999999999"  # beyond SQLite's 64-bit integers
PASSWD = Path("/etc/passwd")


@pytest.fixture(scope="module")
def tampered(web_archive: Crawl, crawl_urls: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of the archive whose captures rows point at files outside its WARC directory, by name."""
    tmp = tmp_path_factory.mktemp("tampered")
    shutil.copytree(web_archive.warc_dir, tmp / "warcs")
    shutil.copy(web_archive.db_path, tmp / "archive.db")
    db = sqlite_utils.Database(tmp / "archive.db")
    herald = next(db.query("select * from captures where url = ? and warc_filename is not null", [crawl_urls["herald"]]))
    # a real WARC outside the WARC directory, reached by a climbing name and by a symbolic link
    (tmp / "outside").mkdir()
    shutil.copy(tmp / "warcs" / herald["warc_filename"], tmp / "outside" / "x.warc.gz")
    (tmp / "warcs" / "link.warc.gz").symlink_to(tmp / "outside" / "x.warc.gz")
    names = {
        "passwd": str(PASSWD),
        "climbing": "../outside/x.warc.gz",
        "symlink": "link.warc.gz",
        "absolute": str((tmp / "warcs" / herald["warc_filename"]).resolve()),
    }
    ids = {}
    for label, name in names.items():
        row = {**herald, "id": None, "warc_filename": name}
        ids[label] = db["captures"].insert(row).last_pk
    return {"db_path": tmp / "archive.db", "warc_dir": tmp / "warcs", "ids": ids, "herald": herald}


@pytest.fixture(scope="module")
def tampered_served(tampered: dict):
    instance = Served(tampered["db_path"], "--warc-dir", str(tampered["warc_dir"])).start()
    yield instance
    instance.stop()


def test_rich_is_installed_beside_datasette() -> None:
    # the error-page tests mean something only with rich there (issue 18): the test extra installs it
    assert int(importlib.metadata.version("rich").split(".")[0]) >= 15


@pytest.mark.crawl
def test_wrong_urls_are_404_pages_without_a_traceback(tampered: dict) -> None:
    served = Served(tampered["db_path"], "--warc-dir", str(tampered["warc_dir"])).start()
    try:
        replies = {
            path: served.get(path)
            for path in (
                "/-/archiver/archive/capture/abc/raw",  # no archiver route
                "/-/archiver/archive/capture/-1/raw",
                "/archive/captures/1/2/3/4",  # no Datasette route
                "/-/archiver/archive/capture/99999/raw",  # no such capture
                "/-/archiver/archive/article/99999",
            )
        }
    finally:
        served.stop()
    assert {path: reply.status for path, reply in replies.items()} == {path: 404 for path in replies}
    for reply in replies.values():
        assert '<h1>Error 404</h1>' in reply.text and "Traceback" not in reply.text
    assert "There is no capture 99999 in archive." in replies["/-/archiver/archive/capture/99999/raw"].text
    log = "".join(served.log)
    assert "Traceback" not in log and "ValueError" not in log, log[-3000:]


@pytest.mark.crawl
@pytest.mark.parametrize(
    "path",
    [
        f"/-/archiver/archive/capture/{HUGE}/raw",
        f"/-/archiver/archive/article/{HUGE}",
        "/-/archiver/archive/capture/9223372036854775808/raw",  # one past the largest rowid
        "/-/archiver/archive/capture/9223372036854775807/raw",
        "/-/archiver/archive/article/-3",
        "/-/archiver/archive/article/abc",
        "/-/archiver/archive/capture/1.5/raw",
    ],
)
def test_ids_that_cannot_be_rows_are_404(tampered_served: Served, path: str) -> None:
    reply = tampered_served.get(path)
    assert reply.status == 404, reply.text[:2000]
    assert "too large" not in reply.text and "Traceback" not in reply.text


@pytest.mark.crawl
@pytest.mark.parametrize("label", ["passwd", "climbing", "symlink", "absolute"])
def test_raw_view_reads_only_inside_the_warc_directory(tampered_served: Served, tampered: dict, label: str) -> None:
    capture = tampered["ids"][label]
    reply = tampered_served.get(f"/-/archiver/archive/capture/{capture}/raw")
    assert reply.status == 404
    assert f"The WARC file of capture {capture} is not inside the WARC directory." in reply.text
    # nothing of the file, nor its name, is on the page
    for quoted in ("root:", "passwd", "/outside", "x.warc.gz", "link.warc.gz", "WARC/1", "Herald"):
        assert quoted not in reply.text, quoted


@pytest.mark.crawl
def test_the_untampered_capture_still_replays(tampered_served: Served, tampered: dict) -> None:
    reply = tampered_served.get(f"/-/archiver/archive/capture/{tampered['herald']['id']}/raw")
    assert reply.status == 200 and b"Herald" in reply.body
