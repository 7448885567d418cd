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
