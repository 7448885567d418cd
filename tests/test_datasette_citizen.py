"""The plugin acts on archives only: a database beside an archive, or another Datasette, keeps its writes and error pages."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from datasette.app import Datasette

from conftest import Crawl

from archiver.web.metadata import metadata

pytestmark = pytest.mark.crawl

RICH_TRACEBACK = "Traceback (most recent call last)"  # what Datasette's own handler prints, rich being installed


def plain_db(path: Path) -> Path:
    """A user's own database, with tables named like the archive's."""
    db = sqlite_utils.Database(path)
    db["articles"].insert({"id": 1, "title": "My notes", "url": "https://example.org/notes"}, pk="id")
    db["notes"].insert({"id": 1, "text": "first"}, pk="id")
    return path


@pytest.fixture
def files(web_archive: Crawl, tmp_path: Path) -> dict[str, Path]:
    shutil.copy(web_archive.db_path, tmp_path / "archive.db")
    return {"archive": tmp_path / "archive.db", "other": plain_db(tmp_path / "other.db"), "warcs": web_archive.warc_dir}


def get(ds: Datasette, path: str):
    return asyncio.run(ds.client.get(path))


WRITES = {"other": "insert into notes (text) values ('written')",
          "archive": "insert into site_rules (site, note) values ('example.org', 'from a plugin')"}


def write(ds: Datasette, database: str) -> None:
    """A write through Datasette's internal API, as a plugin or a canned write query makes it."""
    asyncio.run(ds.get_database(database).execute_write(WRITES[database]))


def test_beside_an_archive_another_database_keeps_its_writes_cells_and_error_pages(files: dict, capfd) -> None:
    ds = Datasette([str(files["archive"]), str(files["other"])], metadata=metadata("archive", files["warcs"]))
    write(ds, "other")
    assert sqlite_utils.Database(files["other"])["notes"].count == 2
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
        write(ds, "archive")
    # a table named articles elsewhere is not linked to the archiver's article pages
    assert "/-/archiver/" not in get(ds, "/other/articles").text
    assert "/-/archiver/archive/article/" in get(ds, "/archive/articles").text
    refused = get(ds, "/-/archiver/other/article/1")
    assert refused.status_code == 404 and "The database other is not an archive." in refused.text
    capfd.readouterr()
    # Datasette's own handler answers for the other database: rich prints its traceback
    for path in ("/other/notes/999", "/no-such-page"):  # the other database's, and the instance's own
        theirs = get(ds, path)
        assert theirs.status_code == 404 and RICH_TRACEBACK in capfd.readouterr().out, path
    # the archiver's answers for the archive: the same page, no traceback
    ours = get(ds, "/archive/articles/999999")
    assert ours.status_code == 404 and "<h1>Error 404</h1>" in ours.text
    assert RICH_TRACEBACK not in "".join(capfd.readouterr())


def test_another_datasette_in_the_environment_is_left_as_it_was(files: dict, capfd) -> None:
    ds = Datasette([str(files["other"])])
    write(ds, "other")
    assert sqlite_utils.Database(files["other"])["notes"].count == 2
    assert "/-/archiver/" not in get(ds, "/other/articles").text
    capfd.readouterr()
    for path in ("/other/notes/999", "/no-such-page"):
        reply = get(ds, path)
        assert reply.status_code == 404 and RICH_TRACEBACK in capfd.readouterr().out, path


def test_an_archive_only_instance_answers_every_404_itself(files: dict, capfd) -> None:
    ds = Datasette([str(files["archive"])], metadata=metadata("archive", files["warcs"]))
    capfd.readouterr()
    for path in ("/no-such-page", "/archive/captures/1/2/3/4", "/-/archiver/archive/article/99999"):
        reply = get(ds, path)
        assert reply.status_code == 404 and "<h1>Error 404</h1>" in reply.text, path
    assert RICH_TRACEBACK not in "".join(capfd.readouterr())
