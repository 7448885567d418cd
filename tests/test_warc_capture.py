"""Every response the crawl received sits byte-faithfully in a WARC record at the place its row says."""

from __future__ import annotations

import base64
import gzip
import hashlib
import random
import re
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from conftest import Crawl, run_crawl
from newssite import ARTICLE_PATHS, MISSING_REASON
from archiver.formats.warc import HttpExchange, WarcFileWriter

HOP_BY_HOP = {b"transfer-encoding", b"connection", b"keep-alive"}


def sha1_label(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def split_record(member: bytes) -> tuple[dict[str, str], bytes]:
    """A gzip member holding one WARC record -> (WARC headers, block)."""
    raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(member)
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = head.decode("utf-8").split("\r\n")
    assert lines[0] == "WARC/1.1"
    headers = dict(line.split(": ", 1) for line in lines[1:])
    block = rest[: int(headers["Content-Length"])]
    assert rest[len(block):] == b"\r\n\r\n"
    return headers, block


def parse_http(block: bytes) -> tuple[bytes, list[tuple[bytes, bytes]], bytes]:
    head, _, body = block.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    return lines[0], [tuple(line.split(b": ", 1)) for line in lines[1:]], body


def record_at(crawl: Crawl, row: dict) -> tuple[dict[str, str], bytes]:
    with open(crawl.warc_dir / row["warc_filename"], "rb") as f:
        f.seek(row["warc_offset"])
        return split_record(f.read(row["warc_length"]))


def captured_rows(crawl: Crawl) -> list[dict]:
    return list(crawl.db.query("select * from captures where warc_filename is not null order by id"))


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.crawl
def test_every_received_response_is_a_capture_with_a_record(archived: Crawl) -> None:
    captured = sorted(path_of(r["url"]) for r in captured_rows(archived))
    # robots.txt, redirects, the 404 and the PDF included: everything the server answered, once each
    assert captured == sorted(s.path for s in archived.sent)


@pytest.mark.crawl
def test_records_hold_exactly_what_the_server_sent(archived: Crawl) -> None:
    sent_at = {s.path: s for s in archived.sent}
    for row in captured_rows(archived):
        sent = sent_at[path_of(row["url"])]
        warc, block = record_at(archived, row)
        assert warc["WARC-Type"] == "response"
        assert warc["WARC-Target-URI"] == row["url"]
        assert warc["WARC-Record-ID"] == row["warc_record_id"]
        assert warc["WARC-IP-Address"] == "127.0.0.1"
        status_line, headers, body = parse_http(block)
        assert status_line == sent.status_line
        expected = sorted((n.lower(), v) for n, v in sent.headers if n.lower() not in HOP_BY_HOP)
        assert sorted((n.lower(), v) for n, v in headers) == expected
        assert body == sent.body
        assert warc["WARC-Payload-Digest"] == row["payload_digest"] == sha1_label(body)
        assert warc["WARC-Block-Digest"] == sha1_label(block)


@pytest.mark.crawl
def test_warcio_reads_every_record_and_verifies_its_digests(archived: Crawl) -> None:
    for path in archived.warc_dir.iterdir():
        with open(path, "rb") as f:
            records = [(r.rec_type, r.digest_checker.passed) for r in _iterate(f)]
        assert records[0][0] == "warcinfo"
        assert {kind for kind, _ in records[1:]} == {"response", "request"}
        assert all(passed is not False for _, passed in records)


def _iterate(f):
    for record in ArchiveIterator(f, check_digests="raise"):
        record.content_stream().read()
        yield record


def row_for(crawl: Crawl, url: str) -> dict:
    return next(crawl.db.query("select * from captures where url = ? and warc_filename is not null", [url]))


@pytest.mark.crawl
def test_repeated_headers_stay_repeated(archived: Crawl, crawl_urls: dict) -> None:
    _, block = record_at(archived, row_for(archived, crawl_urls["herald"]))
    _, headers, _ = parse_http(block)
    assert [v for n, v in headers if n.lower() == b"set-cookie"] == [
        b"session=3f2a9c; Path=/; HttpOnly", b"consent=undecided; Path=/; Max-Age=3600"]
    # a non-ASCII header value is kept as its bytes, not percent-encoded
    assert (b"X-Caption", "Kyiv – café".encode()) in headers


@pytest.mark.crawl
def test_compressed_body_stays_compressed(archived: Crawl, crawl_urls: dict) -> None:
    _, block = record_at(archived, row_for(archived, crawl_urls["daily"]))
    _, headers, body = parse_http(block)
    assert (b"Content-Encoding", b"gzip") in headers
    assert gzip.decompress(body).startswith(b"<!DOCTYPE html>")


@pytest.mark.crawl
def test_chunked_body_is_stored_without_framing(archived: Crawl, crawl_urls: dict) -> None:
    _, block = record_at(archived, row_for(archived, crawl_urls["canindia"]))
    _, headers, body = parse_http(block)
    assert body.startswith(b"<!DOCTYPE html>") and body.rstrip().endswith(b"</html>")
    assert b"transfer-encoding" not in {n.lower() for n, _ in headers}


@pytest.mark.crawl
def test_request_record_keeps_the_request_line_and_query_string(archived: Crawl, crawl_urls: dict) -> None:
    row = row_for(archived, crawl_urls["mailwire"])
    warc, block = split_record(member_after(archived, row))
    assert warc["WARC-Type"] == "request"
    assert warc["WARC-Concurrent-To"] == row["warc_record_id"]
    request_line, headers, _ = parse_http(block)
    assert request_line == f"GET {ARTICLE_PATHS['mailwire']} HTTP/1.1".encode()
    names = {n.lower() for n, _ in headers}
    assert {b"host", b"user-agent", b"accept"} <= names
    assert dict(headers)[b"User-Agent"].startswith(b"archiver/")


def member_after(crawl: Crawl, row: dict) -> bytes:
    """The gzip member that follows a response record: its request record."""
    with open(crawl.warc_dir / row["warc_filename"], "rb") as f:
        f.seek(row["warc_offset"] + row["warc_length"])
        data = f.read()
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    d.decompress(data)
    return data[: len(data) - len(d.unused_data)]


@pytest.mark.crawl
def test_status_line_keeps_the_servers_reason_phrase(archived: Crawl, crawl_urls: dict) -> None:
    row = row_for(archived, crawl_urls["missing"])
    assert row["status"] == 404 and row["reason"] == MISSING_REASON
    status_line, _, _ = parse_http(record_at(archived, row)[1])
    assert status_line == f"HTTP/1.1 404 {MISSING_REASON}".encode()


@pytest.mark.crawl
def test_files_are_named_opened_by_warcinfo_and_closed(archived: Crawl) -> None:
    names = sorted(p.name for p in archived.warc_dir.iterdir())
    assert names and all(re.fullmatch(r"archiver-\d{17}-\d{5}\.warc\.gz", n) for n in names)
    with open(archived.warc_dir / names[0], "rb") as f:
        first = next(iter(ArchiveIterator(f)))
        assert first.rec_type == "warcinfo"
        assert first.rec_headers.get_header("WARC-Filename") == names[0]
        assert b"software: archiver/" in first.content_stream().read()


def exchange(n: int) -> HttpExchange:
    return HttpExchange(
        url=f"http://example.org/{n}", method=b"GET", request_target=f"/{n}".encode(),
        request_headers=[(b"Host", b"example.org")], request_body=b"", protocol="HTTP/1.1",
        status=200, reason=b"OK", response_headers=[(b"Content-Type", b"application/octet-stream")],
        body=random.Random(n).randbytes(5000),  # incompressible, so sizes are predictable
    )


def test_files_rotate_at_the_size_limit_and_lose_their_open_suffix(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path, "test", max_size=6000)
    places = [writer.write_exchange(exchange(n)) for n in range(3)]
    assert (tmp_path / (places[-1].filename + ".open")).exists()
    writer.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted({p.filename for p in places}) and len(names) == 3
    assert [n[-13:] for n in names] == ["00000.warc.gz", "00001.warc.gz", "00002.warc.gz"]
    for place in places:
        with open(tmp_path / place.filename, "rb") as f:
            kinds = [r.rec_type for r in ArchiveIterator(f)]
        assert kinds == ["warcinfo", "response", "request"]


@pytest.mark.crawl
def test_failed_requests_are_rows_without_records(archived: Crawl, crawl_urls: dict) -> None:
    rows = list(archived.db.query("select * from captures where url = ?", [crawl_urls["refused"]]))
    assert rows  # one per attempt: Scrapy retries a refused connection
    for row in rows:
        assert row["warc_filename"] is None and row["status"] is None
        assert "refused" in row["error"].lower()


@pytest.mark.crawl
def test_redirects_are_captured_before_they_are_followed(archived: Crawl, crawl_urls: dict) -> None:
    row = row_for(archived, crawl_urls["redirect"])
    assert row["status"] == 301
    _, headers, _ = parse_http(record_at(archived, row)[1])
    assert (b"Location", ARTICLE_PATHS["herald"].encode()) in headers
    assert row_for(archived, crawl_urls["herald"])["status"] == 200


def test_host_header_is_written_as_it_was_sent() -> None:
    from scrapy import Request

    from archiver.crawl.capture import host_header

    assert host_header(Request("http://127.0.0.1:80/a")) == b"127.0.0.1"
    assert host_header(Request("https://example.org:443/a")) == b"example.org"
    assert host_header(Request("http://example.org:8080/a")) == b"example.org:8080"
    assert host_header(Request("http://[::1]:8080/a")) == b"[::1]:8080"


@pytest.mark.crawl
def test_responses_from_scrapys_http_cache_are_not_captured_again(tmp_path: Path, crawl_urls: dict) -> None:
    settings = {"HTTPCACHE_ENABLED": "1", "HTTPCACHE_DIR": str(tmp_path / "cache")}
    run_crawl(tmp_path, "article", {"url": crawl_urls["observer"]}, settings)
    again = run_crawl(tmp_path, "article", {"url": crawl_urls["observer"]}, settings)
    captures = [r["crawl_id"] for r in again.db.query("select crawl_id from captures where url = ?", [crawl_urls["observer"]])]
    assert captures == [1]  # the second crawl read it from the cache: no new evidence
