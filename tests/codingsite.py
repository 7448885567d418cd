"""A site that sends each HTTP content coding as raw bytes, and bodies that cannot be decoded or are not text.

Every article has its own title and sentences (so that no line is taken for
site chrome); :data:`CODED` maps each path to its ``Content-Encoding`` header
and :func:`encode` makes the bytes sent for it.
"""

from __future__ import annotations

import gzip
import random
import zlib

import brotli
from backports import zstd

from loopback import LoopbackSite, Reply
from newssite import page, paragraphs

SITE = "Coded Courier"
# path -> Content-Encoding value as sent (codings in the order applied)
CODED = {
    "/gzip": "gzip",
    "/x-gzip": "x-gzip",
    "/deflate-zlib": "deflate",
    "/deflate-raw": "deflate",
    "/br": "br",
    "/zstd": "zstd",
    "/gzip-br": "gzip, br",
}
BROKEN_ZSTD = "/broken-zstd"
RANDOM_BYTES = "/random-bytes"
JPEG_AS_HTML = "/jpeg-as-html"
BOMB = "/bomb"  # gzip, 3 MB once decoded: past a crawl's DOWNLOAD_MAXSIZE of 2 MB
BOMB_SIZE = 3_000_000
_SUBJECTS = ["harbour authority", "city council", "river commission", "school board", "rail operator",
             "water utility", "museum trustees", "port workers", "county court", "fishing fleet"]
_VERBS = ["approved", "postponed", "debated", "rejected", "announced", "reviewed", "questioned", "funded"]
_OBJECTS = ["a new budget", "the bridge repairs", "longer opening hours", "a wage agreement", "the flood barrier",
            "a ferry timetable", "the pension reform", "a housing plan", "the night bus service"]


def title(path: str) -> str:
    return f"The {path.strip('/')} report from the waterfront"


def sentences(path: str) -> list[str]:
    """Four paragraphs of plain, distinct sentences, the same for a path every time."""
    rng = random.Random(path)
    return [" ".join(f"The {rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} on day {rng.randint(1, 999)}."
                     for _ in range(5)) for _ in range(4)]


def html(path: str) -> bytes:
    body = f"<article><h1>{title(path)}</h1>\n{paragraphs(sentences(path))}</article>"
    return page(title(path), SITE, '<meta property="og:type" content="article">', body).encode("utf-8")


def _deflate_raw(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def encode(path: str, data: bytes) -> bytes:
    """``data`` with the path's codings applied, in order."""
    for coding in CODED[path].split(", "):
        if coding in ("gzip", "x-gzip"):
            data = gzip.compress(data, mtime=0)
        elif coding == "deflate":
            data = _deflate_raw(data) if path == "/deflate-raw" else zlib.compress(data)
        elif coding == "br":
            data = brotli.compress(data)
        elif coding == "zstd":
            data = zstd.compress(data)
    return data


def broken_zstd() -> bytes:
    """A zstd frame whose compressed blocks have been overwritten: the header is right, the data is not."""
    good = zstd.compress(html(BROKEN_ZSTD))
    return good[:12] + bytes(b ^ 0x5A for b in good[12:])


class CodingSite(LoopbackSite):
    """Each path of :data:`CODED`, a broken zstd body, random bytes and a JPEG labelled text/html."""

    def route(self, path: str) -> Reply:
        html_type = (b"Content-Type", b"text/html; charset=utf-8")
        if path in CODED:
            return Reply(200, "OK", [html_type, (b"Content-Encoding", CODED[path].encode())], encode(path, html(path)))
        if path == BROKEN_ZSTD:
            return Reply(200, "OK", [html_type, (b"Content-Encoding", b"zstd")], broken_zstd())
        if path == BOMB:
            body = gzip.compress(b"<html><body>" + b" " * BOMB_SIZE, mtime=0)
            return Reply(200, "OK", [html_type, (b"Content-Encoding", b"gzip")], body)
        if path == RANDOM_BYTES:
            return Reply(200, "OK", [(b"Content-Type", b"text/html")], random.Random(7).randbytes(256 * 1024))
        if path == JPEG_AS_HTML:
            jpeg = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + random.Random(8).randbytes(30_000) + b"\xff\xd9"
            return Reply(200, "OK", [(b"Content-Type", b"text/html")], jpeg)
        return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"not here")
