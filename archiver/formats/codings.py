"""HTTP content codings, decoded in one place, and whether a decoded page is text at all.

Knows nothing of Scrapy or WARC files: :func:`decode_body` takes a body as
received and its ``Content-Encoding`` header values and returns the bytes
the server encoded, or raises :class:`CodingError` saying why it cannot.
The crawl (:mod:`archiver.crawl.compression`), raw replay and ``archiver
reextract`` (through :func:`archiver.formats.warc.read_response`) all decode here,
so no reader ever hands compressed bytes on as if they were the page.

Every decoder is bounded: it stops with an error once its output passes
``max_size``, so a decompression bomb costs a few milliseconds, not the
machine's memory.

:func:`not_text` tells a binary body labelled HTML (random bytes, a JPEG
served as ``text/html``) from a page, so it never becomes an "article" of
mojibake in full-text search.
"""

from __future__ import annotations

import re
import sys
import zlib
from typing import Callable, Iterable

import brotli

from archiver.errors import CodingError

if sys.version_info >= (3, 14):
    from compression import zstd
else:  # the standard library's module, backported (pyproject.toml)
    from backports import zstd

# Larger than any news page (the largest of the 945 corpus pages is 1.6 MB), small
# enough that a bomb never threatens the machine; DOWNLOAD_MAXSIZE can lower it.
MAX_DECODED_SIZE = 64 * 1024 * 1024
_CHUNK = 64 * 1024
# The codings decoded here, in the order Scrapy advertises them (Accept-Encoding).
ACCEPTED = ("gzip", "deflate", "br", "zstd")
_IDENTITY = {"", "identity"}


def decoding_limit(download_maxsize: int) -> int:
    """The decoders' bound in a crawl: Scrapy's ``DOWNLOAD_MAXSIZE`` (0: none) may only lower :data:`MAX_DECODED_SIZE`."""
    return min(download_maxsize, MAX_DECODED_SIZE) if download_maxsize else MAX_DECODED_SIZE


def codings(values: Iterable[str | bytes]) -> list[str]:
    """The content codings named by ``Content-Encoding`` values, in the order they were applied."""
    names = []
    for value in values:
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        names += [name.strip().lower() for name in text.split(",")]
    return [name for name in names if name not in _IDENTITY]


def _too_large(coding: str, max_size: int) -> CodingError:
    return CodingError(f"{coding}: more than {max_size:,} bytes once decoded (a decompression bomb?)")


class _Output:
    """Decoded bytes, refusing to grow past ``max_size``."""

    def __init__(self, coding: str, max_size: int):
        self.coding, self.max_size, self.parts, self.size = coding, max_size, [], 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_size:
            raise _too_large(self.coding, self.max_size)
        self.parts.append(chunk)

    def value(self) -> bytes:
        return b"".join(self.parts)


def _zlib(data: bytes, wbits: int, coding: str, max_size: int) -> bytes:
    """gzip (members one after another, as RFC 1952 allows) or deflate, ``_CHUNK`` bytes of output at a time.

    The input goes in ``_CHUNK`` bytes at a time too: what a call leaves
    unread is copied for the next, and the whole rest of a large body would
    make decoding quadratic (12.9 s for 64 MiB of incompressible bytes).
    """
    out = _Output(coding, max_size)
    view, start = memoryview(data), 0
    while True:
        decompressor = zlib.decompressobj(wbits)
        while start < len(view) and not decompressor.eof:
            pending, start = view[start:start + _CHUNK], start + _CHUNK
            while pending and not decompressor.eof:
                out.add(decompressor.decompress(pending, _CHUNK))
                pending = decompressor.unconsumed_tail
        if not decompressor.eof:
            out.add(decompressor.flush())
            raise CodingError(f"{coding}: the compressed stream ends early")
        start = min(start, len(view)) - len(decompressor.unused_data)  # where the stream ended
        # another gzip member follows, or else padding or junk that browsers ignore too
        if wbits < 16 or view[start:start + 2] != b"\x1f\x8b":
            return out.value()


def _gzip(data: bytes, max_size: int) -> bytes:
    return _zlib(data, 16 + zlib.MAX_WBITS, "gzip", max_size)


def _deflate(data: bytes, max_size: int) -> bytes:
    # RFC 9110 means the zlib format, but some servers send raw deflate: the
    # two-byte zlib header (method 8, a checksum divisible by 31) tells them apart.
    wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
    return _zlib(data, zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS, "deflate", max_size)


def _br(data: bytes, max_size: int) -> bytes:
    out = _Output("br", max_size)
    decompressor = brotli.Decompressor()
    for start in range(0, len(data), _CHUNK):  # a chunk at a time, as for gzip (see _zlib)
        out.add(decompressor.process(data[start:start + _CHUNK], output_buffer_limit=_CHUNK))
        while not decompressor.can_accept_more_data():
            out.add(decompressor.process(b"", output_buffer_limit=_CHUNK))
    while not decompressor.is_finished():
        chunk = decompressor.process(b"", output_buffer_limit=_CHUNK)
        if not chunk:
            raise CodingError("br: the compressed stream ends early")
        out.add(chunk)
    return out.value()


def _zstd(data: bytes, max_size: int) -> bytes:
    out = _Output("zstd", max_size)
    while True:  # one frame after another
        decompressor = zstd.ZstdDecompressor()
        out.add(decompressor.decompress(data, max_length=_CHUNK))
        while not decompressor.eof:
            if decompressor.needs_input:
                raise CodingError("zstd: the compressed stream ends early")
            out.add(decompressor.decompress(b"", max_length=_CHUNK))
        data = decompressor.unused_data
        if not data:
            return out.value()


DECODERS: dict[str, Callable[[bytes, int], bytes]] = {
    "gzip": _gzip, "x-gzip": _gzip, "deflate": _deflate, "br": _br, "zstd": _zstd,
}


def decode_body(body: bytes, content_encoding: Iterable[str | bytes], max_size: int = MAX_DECODED_SIZE) -> bytes:
    """The body with its content codings undone, last applied first; raise :class:`CodingError` if it cannot be."""
    applied = codings(content_encoding)
    if not body:  # a 204, a 304 or a redirect may name a coding and carry nothing
        return body
    for coding in reversed(applied):
        decoder = DECODERS.get(coding)
        if decoder is None:
            raise CodingError(f"{coding}: not a content coding the archiver knows (it decodes {', '.join(DECODERS)})")
        try:
            body = decoder(body, max_size)
        except CodingError:
            raise
        except (zlib.error, brotli.error, zstd.ZstdError, EOFError, ValueError) as exc:
            raise CodingError(f"{coding}: {exc}") from None
    return body


# Characters no real page holds in quantity once decoded: C0 controls other
# than whitespace, DEL, C1 controls, and U+FFFD (bytes invalid in the
# encoding).  On the 945 pages of the corpus they are at most 0.03% of the
# first 64 KiB as decoded, and 6.2% when a page is forced through the wrong
# encoding (a GB18030 page read as UTF-8); random bytes give 13% in cp1252 and 55% in
# UTF-8, since 29 of 256 byte values are controls in any single-byte
# encoding.  10% sits between, and one regular expression over 64 KiB costs
# well under a millisecond.
NOT_TEXT_SHARE = 0.10
NOT_TEXT_SAMPLE = 65536
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")


def not_text(text: str) -> str | None:
    """Why a decoded body is binary rather than text, or None when it reads as text."""
    sample = text[:NOT_TEXT_SAMPLE]
    share = len(_NOT_TEXT.findall(sample)) / len(sample) if sample else 0.0
    if share <= NOT_TEXT_SHARE:
        return None
    return f"{share:.0%} of its first {len(sample):,} characters are control characters or invalid bytes"
