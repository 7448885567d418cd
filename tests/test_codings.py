"""Every content coding decoded in one place: the crawl, raw replay and `archiver reextract` agree.

A loopback site sends gzip, x-gzip, deflate (zlib and raw), br, zstd and gzip
then br, as raw bytes; a broken zstd body; a gzip bomb; random bytes and a
JPEG labelled text/html.  Real `scrapy crawl` runs; WARC records read back
with warcio.
"""

from __future__ import annotations

import gzip
import zlib
from io import BytesIO

import brotli
import pytest
from warcio.archiveiterator import ArchiveIterator

from codingsite import BOMB, BROKEN_ZSTD, CODED, JPEG_AS_HTML, RANDOM_BYTES, CodingSite, html, sentences, title
from conftest import Crawl, reextract, run_archiver, run_crawl
from archiver.formats.codings import DECODERS, MAX_DECODED_SIZE, decode_body
from archiver.errors import CodingError
from archiver.formats.warc import read_response
from archiver.web.replay import ReplayError, replay

NOT_ARTICLES = (BROKEN_ZSTD, BOMB, RANDOM_BYTES, JPEG_AS_HTML)


@pytest.fixture(scope="module")
def coding_site():
    site = CodingSite().start()
    yield site
    site.stop()


@pytest.fixture(scope="module")
def coded(coding_site: CodingSite, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    tmp = tmp_path_factory.mktemp("coded")
    urls = ",".join(coding_site.url(path) for path in (*CODED, *NOT_ARTICLES))
    crawl = run_crawl(tmp, "article", {"url": urls}, {"DOWNLOAD_MAXSIZE": "2000000"})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    return crawl


def captures(crawl: Crawl, site: CodingSite) -> dict[str, dict]:
    """The capture of each path of the site, by path."""
    rows = crawl.db.query("select * from captures where url like ?", [site.base + "/%"])
    return {row["url"][len(site.base):]: row for row in rows}


@pytest.mark.crawl
def test_every_coding_gives_its_article(coded: Crawl, coding_site: CodingSite) -> None:
    articles = {row["url"][len(coding_site.base):]: row for row in coded.db.query("select * from articles")}
    assert set(articles) == set(CODED)
    for path, row in articles.items():
        assert row["title"] == title(path)
        assert row["text"].split("\n")[-4:] == sentences(path)
    assert coded.crawl_row()["stats"] and "httpcompression/response_count" in coded.crawl_row()["stats"]


@pytest.mark.crawl
def test_undecodable_and_binary_bodies_say_why_there_is_no_article(coded: Crawl, coding_site: CodingSite) -> None:
    errors = {path: row["error"] for path, row in captures(coded, coding_site).items()}
    assert errors[BROKEN_ZSTD].startswith("no article: body could not be decoded (zstd: ")
    assert errors[BOMB].startswith("no article: body could not be decoded (gzip: more than 2,000,000 bytes once decoded")
    assert errors[RANDOM_BYTES].startswith("no article: not text (")
    assert errors[JPEG_AS_HTML].startswith("no article: not text (")
    assert all(errors[path] is None for path in CODED)


@pytest.mark.crawl
def test_the_warc_keeps_each_body_as_sent(coded: Crawl, coding_site: CodingSite) -> None:
    rows = captures(coded, coding_site)
    for path in (*CODED, *NOT_ARTICLES):
        row = rows[path]
        with open(coded.warc_dir / row["warc_filename"], "rb") as f:
            f.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(BytesIO(f.read(row["warc_length"])))))
            payload = record.raw_stream.read()
        (sent,) = coding_site.responses_for(path)
        assert payload == sent.body, path
        if path in CODED:
            assert record.http_headers.get_header("Content-Encoding") == CODED[path]


@pytest.mark.crawl
def test_readers_decode_what_the_crawl_decoded(coded: Crawl, coding_site: CodingSite) -> None:
    rows = captures(coded, coding_site)
    for path in CODED:
        row = rows[path]
        assert read_response(coded.warc_dir / row["warc_filename"], row["warc_offset"], row["warc_length"]).body == html(path)
        assert replay(row, coded.warc_dir).body == html(path)  # the raw view
    row = rows[BROKEN_ZSTD]
    with pytest.raises(CodingError, match="^zstd: "):
        read_response(coded.warc_dir / row["warc_filename"], row["warc_offset"], row["warc_length"])
    with pytest.raises(ReplayError, match="cannot be decoded \\(zstd: .*keeps the body as received"):
        replay(row, coded.warc_dir)


@pytest.mark.crawl
def test_reextract_gives_the_same_articles_and_never_garbage(coded: Crawl, coding_site: CodingSite) -> None:
    before = {row["url"]: (row["title"], row["text"]) for row in coded.db.query("select * from articles")}
    assert reextract(coded) == f"{len(CODED)} re-extracted, 0 changed, 0 no article now, 0 unreadable (of {len(CODED)} articles)."
    assert {row["url"]: (row["title"], row["text"]) for row in coded.db.query("select * from articles")} == before
    # An article whose record cannot be decoded (an archive made when zstd bytes
    # were read as the page) keeps its row: reextract counts it unreadable.
    zstd_url, broken = coding_site.url("/zstd"), captures(coded, coding_site)[BROKEN_ZSTD]
    coded.db.execute("update articles set capture_id = ? where url = ?", [broken["id"], zstd_url])
    coded.db.conn.commit()
    done = run_archiver("reextract", "--db", str(coded.db_path), "--warc-dir", str(coded.warc_dir))
    assert done.stdout.strip().endswith(f", 1 unreadable (of {len(CODED)} articles).")
    assert f"{zstd_url}: body could not be decoded (zstd: " in done.stderr
    row = next(coded.db.query("select title, text from articles where url = ?", [zstd_url]))
    assert (row["title"], row["text"]) == before[zstd_url]


@pytest.mark.crawl
def test_the_crawl_asks_only_for_codings_it_decodes(coded: Crawl, coding_site: CodingSite) -> None:
    asked = {headers.get("Accept-Encoding") for path, headers in coding_site.server.received if path in CODED}
    assert asked == {"gzip, deflate, br, zstd"}
    assert {"gzip", "deflate", "br", "zstd"} <= set(DECODERS)


def test_decoding_is_bounded_and_says_what_failed() -> None:
    bomb = gzip.compress(b"\0" * (MAX_DECODED_SIZE + 1))
    with pytest.raises(CodingError, match=r"^gzip: more than 67,108,864 bytes once decoded"):
        decode_body(bomb, ["gzip"])
    with pytest.raises(CodingError, match=r"^br: more than 1,000 bytes"):
        decode_body(brotli.compress(b"x" * 1001), ["br"], max_size=1000)
    with pytest.raises(CodingError, match=r"^compress: not a content coding the archiver knows"):
        decode_body(b"\x1f\x9d...", ["compress"])
    with pytest.raises(CodingError, match=r"^gzip: the compressed stream ends early"):
        decode_body(gzip.compress(b"a page" * 100)[:30], ["gzip"])
    assert decode_body(b"", ["gzip"]) == b""  # a 304 or a redirect naming a coding, with no body
    assert decode_body(gzip.compress(b"a") + gzip.compress(b"b"), ["identity", "gzip"]) == b"ab"
    assert decode_body(gzip.compress(b"a") + b"\0\0junk", ["gzip"]) == b"a"  # padding after the last member


def test_large_bodies_and_gzip_members_decode_whole() -> None:
    page = b"<p>" + bytes(range(256)) * 1024 + b"</p>"  # 256 KiB, four times what a decoder gives at once
    assert decode_body(gzip.compress(page) + gzip.compress(page), ["gzip"]) == page + page
    assert decode_body(brotli.compress(page), ["br"]) == page
    assert decode_body(zlib.compress(page), ["deflate"]) == page
