"""`archiver import`: WARC and ARC files of other tools (wget, warcio, Common Crawl) brought into the archive."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from datetime import datetime, timezone
from io import BytesIO
from urllib.request import urlopen
from pathlib import Path

import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator
from warcio.capture_http import capture_http
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver.formats.warc import existing_path, read_response
from conftest import Crawl, run_archiver
from newssite import MISSING_PATH, PDF_PATH, NewsSite

pytestmark = pytest.mark.crawl

ARTICLE = "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{paras}</article></body></html>"


def import_(tmp: Path, *files: Path) -> subprocess.CompletedProcess:
    return run_archiver("import", *map(str, files), "--db", str(tmp / "archive.db"), "--warc-dir", str(tmp / "warcs"),
                        "--workers", "1")


def rows(tmp: Path, sql: str) -> list[dict]:
    return list(sqlite_utils.Database(tmp / "archive.db").query(sql))


def every_capture_reads_back(tmp: Path) -> list[dict]:
    """Each imported capture's record, read at its stored place as the raw view reads it: the status agrees."""
    captures = rows(tmp, "select * from captures order by id")
    for row in captures:
        source = row if not row["revisit"] else rows(tmp, f"select * from captures where id = {row['revisit_of']}")[0]
        path = existing_path(tmp / "warcs", source["warc_filename"])
        stored = read_response(path, source["warc_offset"], source["warc_length"])
        assert stored.status == (source["status"]), row
    return captures


@pytest.fixture(scope="module")
def wget_warc(news_site: NewsSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`wget --warc-file` of the news site's articles, its front page, a 404 and a PDF."""
    tmp = tmp_path_factory.mktemp("wget")
    urls = [*news_site.article_urls().values(), news_site.url("/"), news_site.url(MISSING_PATH), news_site.url(PDF_PATH)]
    subprocess.run(["wget", f"--warc-file={tmp / 'site'}", "--no-verbose", "-O", "/dev/null", *urls],
                   cwd=tmp, capture_output=True, text=True, timeout=120)  # exit status 8: the 404
    return tmp / "site.warc.gz"


def test_a_wget_warc_gives_the_articles_a_crawl_gives(wget_warc: Path, archived: Crawl, news_site: NewsSite,
                                                      tmp_path: Path) -> None:
    done = import_(tmp_path, wget_warc)
    assert done.returncode == 0, done.stderr  # wget's own arguments and log (resources of metadata: URLs) are no captures
    assert "is skipped" not in done.stderr
    assert done.stdout.startswith("Read 1 file (crawl 1): 8 responses, 0 revisits, 0 resources; 6 articles (6 new)")
    crawl = rows(tmp_path, "select * from crawls")
    assert [(c["spider"], c["args"], c["finish_reason"], c["fetched"], c["new"]) for c in crawl] == [
        ("import", f'{{"files": ["{wget_warc}"]}}', "finished", 8, 6)]
    assert (tmp_path / "warcs" / "site.warc.gz").read_bytes() == wget_warc.read_bytes()  # copied, byte for byte
    captures = every_capture_reads_back(tmp_path)
    assert {c["warc_filename"] for c in captures} == {"site.warc.gz"}
    errors = {c["url"]: c["error"] for c in captures}
    assert errors[news_site.url(MISSING_PATH)] == "HTTP 404 Nothing Here"
    assert errors[news_site.url(PDF_PATH)] == "no article: not HTML (application/pdf)"
    # the same articles as the crawl's (gzip and chunked pages included), filed the same way: one story
    ours = {a["url"]: a for a in rows(tmp_path, "select * from articles")}
    theirs = {a["url"]: a for a in archived.db.query("select * from articles")}
    for url in news_site.article_urls().values():
        for column in ("title", "author", "date", "text", "word_count"):
            assert ours[url][column] == theirs[url][column], (url, column)
    assert len({ours[url]["story_id"] for url in news_site.article_urls().values()}) == 1
    assert rows(tmp_path, "select count(*) n from versions")[0]["n"] == 6


def test_importing_a_file_twice_adds_nothing(wget_warc: Path, tmp_path: Path) -> None:
    assert import_(tmp_path, wget_warc).returncode == 0
    before = rows(tmp_path, "select (select count(*) from captures) c, (select count(*) from articles) a, "
                            "(select count(*) from crawls) k")
    again = import_(tmp_path, wget_warc, tmp_path / "warcs")  # the file, and the folder holding its copy
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Read 2 files (nothing new): 0 responses")
    assert "16 records already in the archive" in again.stdout
    assert rows(tmp_path, "select (select count(*) from captures) c, (select count(*) from articles) a, "
                          "(select count(*) from crawls) k") == before
    assert sorted(p.name for p in (tmp_path / "warcs").iterdir()) == ["site.warc.gz"]


def warcio_file(news_site: NewsSite, path: Path, gzipped: bool) -> None:
    """Pages fetched through warcio's capture_http, then revisits (by record id, by digest) and a resource."""
    urls = list(news_site.article_urls().values())[:2]
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gzipped)
        with capture_http(writer):
            for url in urls:  # urllib looks http.client up at each call, so capture_http sees it
                urlopen(url, timeout=30).read()
    with open(path, "rb") as f:
        first = next(r for r in ArchiveIterator(f) if r.rec_type == "response")
        record_id, digest = first.rec_headers.get_header("WARC-Record-ID"), first.rec_headers.get_header("WARC-Payload-Digest")
        date = first.rec_headers.get_header("WARC-Date")
    with open(path, "ab") as out:
        writer = WARCWriter(out, gzip=gzipped)
        ok = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_revisit_record(urls[0], digest, urls[0], date, http_headers=ok,
                                                         warc_headers_dict={"WARC-Refers-To": record_id}))
        writer.write_record(writer.create_revisit_record(urls[0], digest, urls[0], date, http_headers=ok))
        page = ARTICLE.format(title="A note kept as a resource",
                              paras="".join(f"<p>Paragraph {i} of a page a tool kept as a resource record, "
                                            "with enough words in it to be an article of its own.</p>" for i in range(8)))
        writer.write_record(writer.create_warc_record("https://notes.example/kept.html", "resource",
                                                      payload=BytesIO(page.encode()),
                                                      warc_content_type="text/html; charset=utf-8"))


@pytest.mark.parametrize("gzipped", [True, False], ids=["warc.gz", "warc"])
def test_warcio_files_with_revisits_and_a_resource(news_site: NewsSite, tmp_path: Path, gzipped: bool) -> None:
    made = tmp_path / ("made.warc.gz" if gzipped else "made.warc")
    warcio_file(news_site, made, gzipped)
    done = import_(tmp_path, made)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Read 1 file (crawl 1): 2 responses, 2 revisits, 1 resource; 3 articles (3 new)")
    captures = every_capture_reads_back(tmp_path)
    first = captures[0]
    revisits = [c for c in captures if c["revisit"]]
    assert [(c["revisit"], c["revisit_of"], c["url"]) for c in revisits] == [("identical-payload", first["id"], first["url"])] * 2
    resource = rows(tmp_path, "select a.title, c.status, c.content_type from articles a join captures c on c.id = a.capture_id "
                              "where a.url = 'https://notes.example/kept.html'")
    assert resource == [{"title": "A note kept as a resource", "status": 200, "content_type": "text/html; charset=utf-8"}]


def common_crawl_file(news_site: NewsSite, path: Path) -> None:
    """As Common Crawl writes them: a warcinfo, response records with WARC-Identified-Payload-Type, no requests."""
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.0")
        writer.write_record(writer.create_warcinfo_record(path.name, {"isPartOf": "CC-MAIN-2026-47", "operator": "Common Crawl"}))
        for key, url in news_site.article_urls().items():
            if key == "daily":
                continue  # gzip-encoded on the wire: Common Crawl stores it decoded, not modelled here
            body = urlopen(url, timeout=30).read()
            # no Content-Type in the HTTP headers: the payload type Common Crawl identified says what it is
            http = StatusAndHeaders("200 OK", [("Server", "loopback"), ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            extra = {"WARC-Identified-Payload-Type": "text/html", "WARC-IP-Address": "127.0.0.1"}
            if key == "mailwire":
                extra["WARC-Truncated"] = "length"
            writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http,
                                                          warc_headers_dict=extra))


def test_a_common_crawl_style_file(news_site: NewsSite, tmp_path: Path) -> None:
    made = tmp_path / "CC-MAIN-20261128-00000.warc.gz"
    common_crawl_file(news_site, made)
    done = import_(tmp_path, made)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Read 1 file (crawl 1): 4 responses, 0 revisits, 0 resources; 4 articles (4 new)")
    captures = every_capture_reads_back(tmp_path)
    assert {c["content_type"] for c in captures} == {"text/html"}
    assert {c["ip_address"] for c in captures} == {"127.0.0.1"}
    cut = [c for c in captures if c["error"]]
    assert [c["error"] for c in cut] == ["payload cut by the tool that wrote it (WARC-Truncated: length)"]
    titles = {a["title"] for a in rows(tmp_path, "select title from articles")}
    assert "Peskov admits Russia has suffered significant losses of troops" in titles


def test_a_truncated_file_is_read_up_to_the_damage(news_site: NewsSite, tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc.gz"
    warcio_file(news_site, whole, gzipped=True)
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) - 200])  # inside the resource record, the last
    done = import_(tmp_path, cut)
    assert done.returncode == 1
    assert "2 responses, 2 revisits, 0 resources" in done.stdout
    assert "1 record damaged and 0 of other URLs skipped, 0 files unreadable" in done.stdout
    offset = rows(tmp_path, "select max(warc_offset + warc_length) n from captures")[0]["n"]
    assert done.stderr.startswith(f"{cut}: the record at offset {offset:,} is skipped: ")
    assert done.stderr.count("\n") == 1
    every_capture_reads_back(tmp_path)


def test_a_file_gzipped_as_one_stream_is_refused(news_site: NewsSite, tmp_path: Path) -> None:
    plain = tmp_path / "plain.warc"
    warcio_file(news_site, plain, gzipped=False)
    whole = tmp_path / "in" / "one-stream.warc.gz"
    whole.parent.mkdir()
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    done = import_(tmp_path, whole)
    assert done.returncode == 1
    assert "is gzipped as one stream, not a gzip member per record" in done.stderr
    assert "warcio recompress one-stream.warc.gz FIXED.warc.gz" in done.stderr
    assert "(nothing new)" in done.stdout
    assert list((tmp_path / "warcs").iterdir()) == []  # no copy left behind


def arc_file(news_site: NewsSite, path: Path) -> str:
    """An ARC (version 1) file, uncompressed: its file header, then one response; returns the page's URL."""
    url = news_site.article_urls()["herald"]
    with urlopen(url, timeout=30) as response:
        head = "".join(f"{k}: {v}\r\n" for k, v in response.headers.items() if k.lower() != "transfer-encoding")
        block = f"HTTP/1.1 200 OK\r\n{head}\r\n".encode("latin-1") + response.read()
    info = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    stamp = datetime(2008, 4, 30, 20, 48, 25, tzinfo=timezone.utc).strftime("%Y%m%d%H%M%S")
    path.write_bytes(
        f"filedesc://{path.name} 0.0.0.0 {stamp} text/plain {len(info)}\n".encode() + info + b"\n"
        + f"{url} 127.0.0.1 {stamp} text/html {len(block)}\n".encode() + block + b"\n")
    return url


def test_a_file_that_is_no_warc_stops_before_the_archive_is_made(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\nNothing archived here.\n")
    done = import_(tmp_path, notes)
    assert done.returncode == 1
    assert done.stderr.strip() == (f"Error: {notes} is not a WARC or ARC file (it starts b'# Notes\\nNothing '); "
                                   "give .warc, .warc.gz, .arc, .arc.gz files or folders holding them.")
    assert not (tmp_path / "archive.db").exists()


def test_an_empty_file_named_is_an_empty_warc_not_a_stop(tmp_path: Path) -> None:
    empty = tmp_path / "killed-early.warc.gz"  # what a crawl killed before its first record leaves
    empty.write_bytes(b"")
    done = import_(tmp_path, empty)
    assert "is not a WARC or ARC file" not in done.stderr
    assert "Read 1 file" in done.stdout and (tmp_path / "archive.db").exists()


def test_an_arc_file(news_site: NewsSite, tmp_path: Path) -> None:
    made = tmp_path / "old.arc"
    url = arc_file(news_site, made)
    done = import_(tmp_path, made)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Read 1 file (crawl 1): 1 response, 0 revisits, 0 resources; 1 article (1 new)")
    [capture] = every_capture_reads_back(tmp_path)
    assert (capture["url"], capture["fetched_at"], capture["warc_record_id"]) == (url, "2008-04-30T20:48:25.000000Z", None)
    assert rows(tmp_path, "select title from articles") == [{"title": "Peskov admits Russia has suffered significant losses of troops"}]
    assert import_(tmp_path, made).stdout.startswith("Read 1 file (nothing new)")


def test_a_file_inside_the_warc_directory_is_referenced_where_it_is(wget_warc: Path, tmp_path: Path) -> None:
    (tmp_path / "warcs" / "from-wget").mkdir(parents=True)
    inside = tmp_path / "warcs" / "from-wget" / "site.warc.gz"
    shutil.copyfile(wget_warc, inside)
    assert import_(tmp_path, inside).returncode == 0
    assert {c["warc_filename"] for c in every_capture_reads_back(tmp_path)} == {"from-wget/site.warc.gz"}
    assert [p.name for p in (tmp_path / "warcs").iterdir()] == ["from-wget"]
