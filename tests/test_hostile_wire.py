"""What held and must keep holding: hostile bytes on the wire and in XML end in a row saying why, never a hang or a leak."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from conftest import Crawl, run_crawl
from rawsite import PAGE, STORY, RawServer, ok, reset, respond, silence

pytestmark = pytest.mark.crawl

XXE = b"""<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY leak SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://127.0.0.1/&leak;</loc></url></urlset>"""
LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">""" + b"".join(
    b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
) + b"""]><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol9;</loc></url></urlset>"""


@pytest.fixture(scope="module")
def wire() -> RawServer:
    server = RawServer({
        "/robots.txt": respond(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        "/nested": ok(PAGE % (b"Deep", b"<div>" * 100_000 + STORY + b"</div>" * 100_000)),
        "/nul": ok(PAGE % (b"Nul\x00 bytes", STORY.replace(b"council", b"coun\x00cil"))),
        "/headers": ok(PAGE % (b"Headers", STORY), extra=b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 8000) for i in range(200))),
        "/silent": silence,
        "/reset": reset,
        "/truncated": respond(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n" + STORY[:100]),
        "/bad-status": respond(b"HTTP/1.1 abc what\r\nContent-Length: 2\r\n\r\nhi"),
        "/xxe.xml": ok(XXE, b"application/xml"),
        "/laughs.xml": ok(LAUGHS, b"application/xml"),
        # a gzip file with no Content-Encoding, 3 MB once unzipped
        "/big.xml.gz": ok(gzip.compress(b"<urlset>" + b" " * 3_000_000 + b"</urlset>"), b"application/octet-stream"),
    })
    yield server
    server.stop()


def rows(crawl: Crawl, url: str) -> list[dict]:
    return list(crawl.db.query("select status, error from captures where url = ?", [url]))


def test_broken_wire_responses_each_end_in_a_row_saying_why(tmp_path: Path, wire: RawServer) -> None:
    paths = ["/silent", "/reset", "/truncated", "/bad-status"]
    crawl = run_crawl(tmp_path, "article", {"url": ",".join(wire.url(p) for p in paths)},
                      {"DOWNLOAD_TIMEOUT": "3", "RETRY_ENABLED": "0"})
    assert crawl.returncode == 1, crawl.stderr[-3000:]  # every page failed: nothing archived
    assert crawl.crawl_row()["finish_reason"] == "finished"
    for path in paths:
        found = rows(crawl, wire.url(path))
        assert found and all(row["error"] for row in found), (path, found)
    assert crawl.db["articles"].count == 0
    assert crawl.crawl_row()["failed"] == len(paths)


def test_odd_but_valid_pages_are_archived(tmp_path: Path, wire: RawServer) -> None:
    paths = ["/nested", "/nul", "/headers"]
    crawl = run_crawl(tmp_path, "article", {"url": ",".join(wire.url(p) for p in paths)})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    for path in paths:
        found = rows(crawl, wire.url(path))
        assert found, path
        article = list(crawl.db.query("select text from articles where url = ?", [wire.url(path)]))
        assert article or found[-1]["error"], path  # an article, or a row that says why not
    assert "voted on next year" in next(crawl.db.query("select text from articles where url = ?", [wire.url("/nul")]))["text"]


def test_xml_entities_in_sitemaps_neither_leak_files_nor_blow_up(tmp_path: Path, wire: RawServer) -> None:
    for name in ("xxe", "laughs"):
        crawl = run_crawl(tmp_path / name, "sitemap", {"url": wire.url(f"/{name}.xml")})
        # xxe's one entry (http://127.0.0.1/, where nothing listens) fails: nothing archived
        assert crawl.returncode == {"xxe": 1, "laughs": 0}[name], crawl.stderr[-3000:]
        assert crawl.crawl_row()["finish_reason"] == "finished"
        urls = [row["url"] for row in crawl.db.query("select url from captures")]
        assert not any("root:" in url or "lollol" in url for url in urls), urls


def test_a_gzip_sitemap_is_unzipped_within_the_bound_and_says_so_past_it(tmp_path: Path, wire: RawServer) -> None:
    crawl = run_crawl(tmp_path, "sitemap", {"url": wire.url("/big.xml.gz")}, {"DOWNLOAD_MAXSIZE": "2000000"})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert f"Ignoring {wire.url('/big.xml.gz')}: not a sitemap (gzip: more than 2,000,000 bytes once decoded" in crawl.log
