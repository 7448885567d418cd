"""The archive's own WARC file names and places are never trusted: every command that opens a record by them
stays inside the WARC directory, or refuses the capture with a line naming it and exits with status 1."""

from __future__ import annotations

import shutil
import zipfile
from io import BytesIO
from pathlib import Path, PurePosixPath

import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from conftest import run_archiver
from handmadewarc import gzipped, response

pytestmark = pytest.mark.crawl

PAGES = 10
OUTSIDE_MARK = b"OUTSIDE-THE-WARC-DIRECTORY"
REFUSED = "left out: The stored WARC file name is not a plain name inside the WARC directory."


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of nine articles, made by `archiver import` of a WARC file."""
    tmp = tmp_path_factory.mktemp("imported")
    source = tmp / "news.warc.gz"
    source.write_bytes(gzipped(*(response(f"http://news.example/{n}", title=f"Story number {n}") for n in range(PAGES))))
    done = run_archiver("import", str(source), "--db", str(tmp / "archive.db"), "--warc-dir", str(tmp / "warcs"),
                        "--workers", "1")
    assert done.returncode == 0, done.stderr
    return tmp


@pytest.fixture
def tampered(imported: Path, tmp_path: Path) -> dict:
    """A copy of that archive whose captures name files outside its WARC directory, or places no record holds."""
    shutil.copytree(imported / "warcs", tmp_path / "warcs")
    shutil.copy(imported / "archive.db", tmp_path / "archive.db")
    (tmp_path / "outside").mkdir()
    outside = tmp_path / "outside" / "x.warc.gz"
    outside.write_bytes(gzipped(response("http://outside.example/", title=OUTSIDE_MARK.decode())))
    (tmp_path / "warcs" / "link.warc.gz").symlink_to(outside)
    [inside] = [p.name for p in (tmp_path / "warcs").iterdir() if p.name != "link.warc.gz"]
    names = {
        "climbing": "../outside/x.warc.gz",
        "passwd": "/etc/passwd",
        "absolute": str((tmp_path / "warcs" / inside).resolve()),  # inside, but absolute: a name can change meaning
        "symlink": "link.warc.gz",
        "nul": f"{inside}\0../../outside/x.warc.gz",
        "backslash": "..\\outside\\x.warc.gz",
        "dot": f"./{inside}",
    }
    db = sqlite_utils.Database(tmp_path / "archive.db")
    ids = [row["capture_id"] for row in db.query("select capture_id from articles order by id")]
    refused = {}
    for (label, name), capture_id in zip(names.items(), ids):
        db.execute("update captures set warc_filename = ? where id = ?", [name, capture_id])
        refused[capture_id] = label
    bad_place = ids[len(names)]  # a length that would copy the whole file
    db.execute("update captures set warc_length = -1 where id = ?", [bad_place])
    kept = [i for i in ids if i not in refused and i != bad_place]
    db.execute("update captures set fetched_at = NULL where id = ?", [kept[0]])  # still indexed, on one line
    db.conn.commit()
    return {"db": tmp_path / "archive.db", "warc_dir": tmp_path / "warcs", "refused": refused, "bad_place": bad_place,
            "kept": kept, "outside": outside}


def run(tampered: dict, command: str, *args: str):
    return run_archiver(command, *args, "--db", str(tampered["db"]), "--warc-dir", str(tampered["warc_dir"]))


def assert_refused(tampered: dict, stderr: str) -> None:
    for capture_id in tampered["refused"]:
        assert f"Capture {capture_id} {REFUSED}" in stderr
    assert f"Capture {tampered['bad_place']} left out: its stored place (offset" in stderr
    for quoted in ("passwd", "outside", "\\", "root:"):  # the message names the capture, not what it stores
        assert quoted not in stderr, quoted


def test_cdxj_indexes_only_records_inside_the_warc_directory(tampered: dict) -> None:
    done = run(tampered, "cdxj")
    assert done.returncode == 1
    assert_refused(tampered, done.stderr)
    lines = done.stdout.splitlines()
    assert len(lines) == len(tampered["kept"])
    assert all('"filename": "' in line and "outside" not in line and "passwd" not in line for line in lines)
    assert "2 records in 1 WARC file; 8 captures refused (above)." in done.stderr


def entries_are_safe(wacz: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wacz) as zf:
        files = {info.filename: zf.read(info) for info in zf.infolist()}
    for name in files:
        path = PurePosixPath(name)
        assert not path.is_absolute() and ".." not in path.parts and "\\" not in name and "\0" not in name, name
    assert not any(OUTSIDE_MARK in data or b"root:" in data for data in files.values())
    return files


@pytest.mark.parametrize("selection", [(), ("--site", "news.example")], ids=["whole", "site"])
def test_wacz_packages_only_files_inside_the_warc_directory(tampered: dict, tmp_path: Path, selection: tuple) -> None:
    wacz = tmp_path / "out.wacz"
    done = run(tampered, "wacz", str(wacz), *selection)
    assert done.returncode == 1
    assert_refused(tampered, done.stderr)
    assert "2 records in 1 WARC file" in done.stdout and "8 captures refused (said above)" in done.stdout
    files = entries_are_safe(wacz)
    [warc] = [name for name in files if name.startswith("archive/")]
    outside = tampered["outside"].read_bytes()
    assert outside not in files[warc]
    urls = {r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(BytesIO(files[warc]))
            if r.rec_type == "response"}
    assert "http://outside.example/" not in urls
    assert len(files["indexes/index.cdx"].decode().splitlines()) == len(tampered["kept"])


def test_reextract_refuses_each_tampered_capture_and_goes_on(tampered: dict) -> None:
    done = run(tampered, "reextract")
    assert done.returncode == 1
    assert done.stdout.strip() == f"2 re-extracted, 0 changed, 0 no article now, 8 unreadable (of {PAGES} articles)."
    assert done.stderr.count("The stored WARC file name is not a plain name inside the WARC directory.") == len(tampered["refused"])
    assert "No record to read: its stored place (offset" in done.stderr
    for quoted in ("passwd", "outside", "root:"):
        assert quoted not in done.stderr, quoted


def test_the_serve_replay_refuses_a_name_with_a_nul(tampered: dict) -> None:
    from archiver.formats.warc import OutsideWarcDir, existing_path
    from archiver.web.replay import ReplayError, replay

    db = sqlite_utils.Database(tampered["db"])
    label_of = tampered["refused"]
    for capture_id, label in label_of.items():
        row = next(db.query("select * from captures where id = ?", [capture_id]))
        with pytest.raises(ReplayError, match="is not inside the WARC directory"):
            replay(row, tampered["warc_dir"])
        with pytest.raises(OutsideWarcDir):
            existing_path(tampered["warc_dir"], row["warc_filename"])


def test_import_of_a_symlink_in_the_warc_directory_copies_what_it_points_to(tmp_path: Path) -> None:
    """A link inside the WARC directory to a file outside: imported as a copy, never read through the link."""
    outside = tmp_path / "outside" / "news.warc.gz"
    outside.parent.mkdir()
    outside.write_bytes(gzipped(response("http://news.example/linked", title="Linked story")))
    (tmp_path / "warcs").mkdir()
    (tmp_path / "warcs" / "news.warc.gz").symlink_to(outside)
    done = run_archiver("import", str(tmp_path / "warcs" / "news.warc.gz"), "--db", str(tmp_path / "archive.db"),
                        "--warc-dir", str(tmp_path / "warcs"), "--workers", "1")
    assert done.returncode == 0, done.stderr
    [name] = [r["warc_filename"] for r in sqlite_utils.Database(tmp_path / "archive.db").query("select * from captures")]
    copy = tmp_path / "warcs" / name
    assert not copy.is_symlink() and copy.read_bytes() == outside.read_bytes()
    cdxj = run_archiver("cdxj", "--db", str(tmp_path / "archive.db"), "--warc-dir", str(tmp_path / "warcs"))
    assert cdxj.returncode == 0 and f'"filename": "{name}"' in cdxj.stdout
