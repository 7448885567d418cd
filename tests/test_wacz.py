"""`archiver wacz`: WACZ packages that py-wacz validates and pywb replays byte for byte."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from email.utils import format_datetime
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.values.dates import parse_date
from conftest import Crawl, run_archiver
from newssite import NewsSite
from wayback import Wayback

pytestmark = pytest.mark.crawl

TOOLS = Path(sys.executable).parent  # py-wacz comes with the test extra


def package(crawl: Crawl, out: Path, *selection: str) -> str:
    done = run_archiver("wacz", str(out), "--db", str(crawl.db_path), "--warc-dir", str(crawl.warc_dir), *selection)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def validate(wacz: Path) -> None:
    done = subprocess.run([str(TOOLS / "wacz"), "validate", "-f", str(wacz)], capture_output=True, text=True)
    assert done.returncode == 0 and "is valid" in done.stdout, done.stdout + done.stderr


def members(wacz: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wacz) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_the_whole_archive_is_its_warc_files_an_index_and_a_page_per_article(rechecked: Crawl, tmp_path: Path) -> None:
    wacz = tmp_path / "archive.wacz"
    summary = package(rechecked, wacz)
    validate(wacz)
    files = members(wacz)
    warcs = sorted(rechecked.warc_dir.glob("*.warc.gz"))
    for warc in warcs:  # byte for byte, stored uncompressed so that readers can seek
        assert files[f"archive/{warc.name}"] == warc.read_bytes()
    with zipfile.ZipFile(wacz) as zf:
        assert {i.compress_type for i in zf.infolist() if i.filename.startswith("archive/")} == {zipfile.ZIP_STORED}
    index = run_archiver("cdxj", "--db", str(rechecked.db_path), "--warc-dir", str(rechecked.warc_dir)).stdout
    assert files["indexes/index.cdx"].decode() == index
    header, *pages = [json.loads(line) for line in files["pages/pages.jsonl"].decode().splitlines()]
    assert header["format"] == "json-pages-1.0" and header["hasText"] is True
    articles = {r["url"]: r for r in rechecked.db.query(
        "select a.url, a.title, a.text, c.fetched_at from articles a join captures c on c.id = a.capture_id")}
    assert {p["url"] for p in pages} == set(articles) and len(pages) == len(articles) == 5
    for page in pages:
        assert (page["title"], page["text"], page["ts"]) == (articles[page["url"]]["title"], articles[page["url"]]["text"],
                                                             articles[page["url"]]["fetched_at"])
    datapackage = json.loads(files["datapackage.json"])
    assert datapackage["wacz_version"] == "1.1.1" and datapackage["profile"] == "data-package"
    for resource in datapackage["resources"]:
        assert resource["hash"] == "sha256:" + hashlib.sha256(files[resource["path"]]).hexdigest()
        assert resource["bytes"] == len(files[resource["path"]])
    digest = json.loads(files["datapackage-digest.json"])
    assert digest["hash"] == "sha256:" + hashlib.sha256(files["datapackage.json"]).hexdigest()
    assert summary == f"Wrote {wacz}: 5 pages, {index.count(chr(10))} records in {len(warcs)} WARC files, {wacz.stat().st_size:,} bytes."


def test_a_crawl_is_packaged_as_copies_of_its_records_and_the_responses_its_revisits_refer_to(
        rechecked: Crawl, tmp_path: Path) -> None:
    second = rechecked.crawl_row()["id"]
    wacz = tmp_path / "recheck.wacz"
    package(rechecked, wacz, "--crawl", str(second))
    validate(wacz)
    files = members(wacz)
    [name] = [n for n in files if n.startswith("archive/")]
    records = list(ArchiveIterator(BytesIO(files[name])))  # read back by an independent reader
    kinds = [r.rec_type for r in records]
    assert kinds[0] == "warcinfo"
    ids = {r.rec_headers.get_header("WARC-Record-ID") for r in records}
    revisits = [r for r in records if r.rec_type == "revisit"]
    assert revisits and all(r.rec_headers.get_header("WARC-Refers-To") in ids for r in revisits)
    assert kinds.count("request") == kinds.count("response") + kinds.count("revisit")
    # every record is a byte-for-byte copy of the one in the archive's files
    originals = b"".join(p.read_bytes() for p in sorted(rechecked.warc_dir.glob("*.warc.gz")))
    for line in files["indexes/index.cdx"].decode().splitlines():
        place = json.loads(line.split(" ", 2)[2])
        start = int(place["offset"])
        assert files[name][start : start + int(place["length"])] in originals


def test_pywb_replays_the_package_as_the_server_sent_it(rechecked: Crawl, news_site: NewsSite, tmp_path: Path) -> None:
    wacz = tmp_path / "recheck.wacz"
    package(rechecked, wacz, "--crawl", str(rechecked.crawl_row()["id"]))
    wayback = Wayback(tmp_path, wacz)
    try:
        for key in ("herald", "daily", "canindia", "mailwire"):  # plain, gzip-encoded, chunked, query string
            url = news_site.article_urls()[key]
            sent = [s for s in news_site.sent if news_site.url(s.path) == url][-1]
            status, headers, body = wayback.original("2030", url)  # the latest capture: the re-check's revisit
            assert status == 200, url
            assert body == sent.body, url
            revisit = next(rechecked.db.query("select fetched_at from captures where url = ? and revisit is not null", [url]))
            assert headers["Memento-Datetime"] == format_datetime(parse_date(revisit["fetched_at"]).replace(microsecond=0), usegmt=True)
    finally:
        wayback.stop()


@pytest.mark.parametrize("args, message", [
    (["archive.zip"], "{out} does not end in .wacz; a WACZ file must (give e.g. archive.wacz)."),
    (["x.wacz", "--site", "nowhere.example"], "Nothing to package: no capture in a closed WARC file matches (site nowhere.example)."),
    (["x.wacz", "--since", "soon"], "--since soon is neither a date (2026-11-01) nor an age (48h, 7d)."),
])
def test_bad_input_is_one_sentence(rechecked: Crawl, tmp_path: Path, args: list[str], message: str) -> None:
    out = str(tmp_path / args[0])
    done = run_archiver("wacz", out, *args[1:], "--db", str(rechecked.db_path), "--warc-dir", str(rechecked.warc_dir))
    assert done.returncode == 1
    assert done.stderr == "Error: " + message.format(out=out) + "\n"
    assert not list(tmp_path.iterdir())
