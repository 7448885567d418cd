"""Writing WARC/1.1 files, byte-faithfully, with warcio.

This module knows nothing of Scrapy: it takes the parts of an HTTP exchange
as bytes and appends a ``request`` and a ``response`` record to the current
file.  Files are named ``PREFIX-TIMESTAMP-SERIAL.warc.gz``, written under a
``.open`` suffix (and held with ``flock`` while written, so that a later run
can tell a file a live crawl writes from one a killed crawl left:
:mod:`archiver.archive.recovery`), opened by a ``warcinfo`` record, rotated at a
size, and renamed when closed.  Each record is its own gzip member, so a
reader can seek straight to the offset kept in the database.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import socket
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Sequence

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter
from zlib_ng import zlib_ng

from archiver import __version__
from archiver.errors import WarcError
from archiver.formats.codings import decode_body
from archiver.runtime.cpu import CpuMeter

OPEN_SUFFIX = ".open"
GZIP_LEVEL = 6
Headers = Sequence[tuple[bytes, bytes]]


class _RawHeaders(StatusAndHeaders):
    """Headers written back exactly as received.

    warcio percent-encodes non-ASCII header bytes; an archive must not, so
    values travel as latin-1 text (a lossless mapping of bytes) and are
    encoded back the same way.
    """

    def compute_headers_buffer(self, header_filter=None) -> None:  # noqa: D102
        self.headers_buff = self.to_bytes(header_filter, encoding="latin-1")


def _latin1(headers: Headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers]


@dataclass(frozen=True)
class HttpExchange:
    """One HTTP request and the response to it, as bytes off the wire."""

    url: str
    method: bytes
    request_target: bytes  # path and query, as sent on the request line
    request_headers: Headers
    request_body: bytes
    protocol: str  # "HTTP/1.1"
    status: int
    reason: bytes
    response_headers: Headers
    body: bytes  # as received: still content-encoded, no chunked framing
    ip_address: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


@dataclass(frozen=True)
class RecordLocation:
    """Where a response (or revisit) record sits, and what identifies it."""

    filename: str  # final name, relative to the WARC directory
    offset: int
    length: int
    record_id: str
    payload_digest: str
    revisit: str | None = None  # NOT_MODIFIED or IDENTICAL_PAYLOAD for a revisit record


@dataclass(frozen=True)
class RefersTo:
    """The earlier response record holding the payload, for a revisit record."""

    record_id: str
    url: str
    date: datetime
    payload_digest: str


REVISIT_PROFILES = {
    "not-modified": "http://netpreserve.org/warc/1.1/revisit/server-not-modified",
    "identical-payload": "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
}


def payload_digest(body: bytes) -> str:
    """``sha1:BASE32``, as warcio writes WARC-Payload-Digest."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(moment: datetime) -> str:
    """WARC/1.1 date: UTC with microseconds."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _revisit_profile(exchange: HttpExchange, refers_to: RefersTo | None) -> str | None:
    if refers_to is None:
        return None
    if exchange.status == 304:
        return "not-modified"
    if exchange.status == 200 and payload_digest(exchange.body) == refers_to.payload_digest:
        return "identical-payload"
    return None


class WarcFileWriter:
    """Appends request/response pairs to rotating ``.warc.gz`` files.

    Not thread-safe: give it one thread.
    """

    def __init__(self, directory: Path, prefix: str, max_size: int, info: dict[str, str] | None = None,
                 cpu: CpuMeter | None = None):
        self.directory = Path(directory)
        self.cpu = cpu or CpuMeter()  # its writes' CPU (digests, gzip) counts under "warc"
        self.prefix = prefix
        self.max_size = max_size
        self.info = dict(info or {})
        self._file: BinaryIO | None = None
        self._name = ""
        self._serial = 0
        self._stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]
        self.closed_files: list[str] = []
        self.records_written = 0  # warcinfo records included
        self.bytes_written = 0
        # warcio builds each record uncompressed here; _member() gzips it alone.
        self._buffer = BytesIO()
        self._writer = WARCWriter(self._buffer, gzip=False, warc_version="1.1")

    def _member(self, record: Any) -> bytes:
        """One record as its own gzip member.

        Level 6 (level 9, warcio's, costs 60% more CPU for 0.5% less size), by
        zlib-ng: the same size as zlib's level 6 in half the CPU (0.9 against
        1.8 ms per corpus page); ISA-L's fastest levels took a fifth but wrote
        11-15% more bytes.
        """
        self._writer.write_record(record)
        data = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        compressor = zlib_ng.compressobj(GZIP_LEVEL, zlib_ng.DEFLATED, zlib_ng.MAX_WBITS + 16)
        return compressor.compress(data) + compressor.flush()

    @property
    def current_filename(self) -> str:
        """Final name of the file being written ("" before the first record)."""
        return self._name

    def write_exchange(self, exchange: HttpExchange, refers_to: RefersTo | None = None) -> RecordLocation:
        """Append the response record then its request record; return the response's place.

        With ``refers_to`` (an earlier capture of the URL), a 304 or a body whose
        payload digest equals the earlier one is written as a ``revisit`` record
        (server-not-modified or identical-payload-digest profile) that refers to
        it, with the HTTP headers but without the body.
        """
        with self.cpu.stage("warc"):
            return self._write_exchange(exchange, refers_to)

    def write_browser_exchange(self, exchange: HttpExchange, browser: str) -> RecordLocation:
        """A response (and its request) a browser received, marked ``WARC-Browser-Capture: BROWSER``.

        Browsers hand over bodies with their content coding undone: the
        caller makes the headers say so.
        """
        with self.cpu.stage("warc"):
            return self._write_exchange(exchange, None, {"WARC-Browser-Capture": browser})

    def write_resource(self, uri: str, content_type: str, body: bytes, fetched_at: datetime,
                       headers: dict[str, str]) -> RecordLocation:
        """A ``resource`` record (a browser's rendered DOM at ``urn:dom:URL``) with extra WARC headers."""
        with self.cpu.stage("warc"):
            self._ready()
            assert self._file is not None
            record = self._writer.create_warc_record(
                uri, "resource", payload=BytesIO(body), length=len(body),
                warc_content_type=content_type, warc_headers_dict={"WARC-Date": warc_date(fetched_at), **headers})
            member = self._member(record)
            offset = self._append(member)
            self.records_written += 1
            return RecordLocation(self._name, offset, len(member), record.rec_headers.get_header("WARC-Record-ID"),
                                  record.rec_headers.get_header("WARC-Payload-Digest"))

    def _ready(self) -> None:
        """Rotate at the size limit; open a file if none is."""
        try:
            if self._file is not None and self._file.tell() >= self.max_size:
                self.close()
            if self._file is None:
                self._open()
        except OSError as exc:
            raise WarcError(f"Cannot rotate WARC files in {self.directory}: {exc.strerror or exc}.") from exc

    def _append(self, data: bytes) -> int:
        """Write gzip members at the end of the file; return where they start."""
        assert self._file is not None
        offset = self._file.tell()
        try:
            self._file.write(data)
            self._file.flush()
        except OSError as exc:
            raise WarcError(f"Cannot write to {self._path(open_=True)}: {exc.strerror or exc}.") from exc
        self.bytes_written += len(data)
        return offset

    def _write_exchange(self, exchange: HttpExchange, refers_to: RefersTo | None,
                        marks: dict[str, str] | None = None) -> RecordLocation:
        self._ready()
        assert self._file is not None
        writer = self._writer
        date = warc_date(exchange.fetched_at)
        common = {"WARC-Date": date, **(marks or {})}
        if exchange.ip_address:
            common["WARC-IP-Address"] = exchange.ip_address
        http_headers = _RawHeaders(
            f"{exchange.status} {exchange.reason.decode('latin-1')}".rstrip(),
            _latin1(exchange.response_headers),
            protocol=exchange.protocol,
        )
        revisit = _revisit_profile(exchange, refers_to)
        if revisit is not None and refers_to is not None:
            response = writer.create_warc_record(
                exchange.url,
                "revisit",
                payload=BytesIO(b""),
                length=0,
                http_headers=http_headers,
                warc_headers_dict={
                    **common,
                    "WARC-Profile": REVISIT_PROFILES[revisit],
                    "WARC-Refers-To": refers_to.record_id,
                    "WARC-Refers-To-Target-URI": refers_to.url,
                    "WARC-Refers-To-Date": warc_date(refers_to.date),
                    "WARC-Payload-Digest": refers_to.payload_digest,
                },
            )
        else:
            response = writer.create_warc_record(
                exchange.url,
                "response",
                payload=BytesIO(exchange.body),
                length=len(exchange.body),
                http_headers=http_headers,
                warc_headers_dict=dict(common),
            )
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        request = writer.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=_RawHeaders(
                f"{exchange.method.decode('latin-1')} {exchange.request_target.decode('latin-1')} {exchange.protocol}",
                _latin1(exchange.request_headers),
                is_http_request=True,
            ),
            warc_headers_dict={**common, "WARC-Concurrent-To": response_id},
        )
        response_member, request_member = self._member(response), self._member(request)
        offset = self._append(response_member + request_member)
        self.records_written += 2
        return RecordLocation(
            filename=self._name,
            offset=offset,
            length=len(response_member),
            record_id=response_id,
            payload_digest=response.rec_headers.get_header("WARC-Payload-Digest"),
            revisit=revisit,
        )

    def close(self) -> None:
        """Close the current file and drop its ``.open`` suffix (again: nothing)."""
        if self._file is None:
            return
        file, self._file = self._file, None
        # renamed while still held, so that no recovery run sees it unheld under .open
        os.replace(self._path(open_=True), self._path(open_=False))
        file.close()
        self.closed_files.append(self._name)

    def _path(self, open_: bool) -> Path:
        return self.directory / (self._name + (OPEN_SUFFIX if open_ else ""))

    def _open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            while True:  # another crawl may have started in the same millisecond
                self._name = f"{self.prefix}-{self._stamp}-{self._serial:05d}.warc.gz"
                self._serial += 1
                if not self._path(open_=False).exists():
                    try:
                        self._file = open(self._path(open_=True), "xb")
                        fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)  # "a live crawl writes this"
                        break
                    except FileExistsError:
                        continue
        except OSError as exc:
            raise WarcError(
                f"Cannot create a WARC file in {self.directory}: {exc.strerror or exc}; "
                "set ARCHIVER_WARC_DIR to a writable directory."
            ) from exc
        info = {
            "software": f"archiver/{__version__} (warcio)",
            "hostname": socket.gethostname(),
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            **self.info,
        }
        self._file.write(self._member(self._writer.create_warcinfo_record(self._name, info)))
        self.records_written += 1
        self.bytes_written += self._file.tell()


@dataclass(frozen=True)
class StoredResponse:
    """A response read back from its WARC record."""

    status: int
    content_type: str | None
    body: bytes  # unchunked, its content codings undone by archiver.formats.codings


class OutsideWarcDir(WarcError):
    """A capture's stored WARC file name is not a plain name inside the WARC directory."""

    def __init__(self) -> None:  # names nothing: the name may be anything a tamperer wrote
        super().__init__("The stored WARC file name is not a plain name inside the WARC directory.")


def inside_name(name: object) -> PurePosixPath:
    """A stored name checked to stay inside its folder: relative, canonical, no ``..``, NUL or backslash.

    The one check for every name the archive stores and later opens or
    writes (a WARC file name, a ZIP entry): the archive itself is not trusted.
    A backslash is refused because a ZIP reader on Windows takes it for a
    folder separator; a name that is not canonical (``./x``, ``a//b``,
    ``a/``) because two spellings of one file would index it twice.
    Raises :class:`OutsideWarcDir`.
    """
    if not isinstance(name, str) or not name or "\0" in name or "\\" in name:
        raise OutsideWarcDir()
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or path.as_posix() != name:
        raise OutsideWarcDir()
    return path


@dataclass(frozen=True)
class WarcFile:
    """A WARC file of the archive, found by its stored name."""

    path: Path  # resolved: inside the WARC directory
    closed: bool  # False while a crawl writes it (``.open``)


def find_warc_file(directory: Path, filename: object) -> WarcFile | None:
    """The WARC file a capture names: closed, or still ``.open``; None if neither is there.

    Only a file inside ``directory`` is ever returned (symbolic links
    resolved): a name that is not a plain relative name (:func:`inside_name`)
    or that leads outside raises :class:`OutsideWarcDir`, which names nothing.
    """
    root = directory.resolve()
    name = inside_name(filename)
    for candidate, closed in ((root / name, True), (root / f"{name}{OPEN_SUFFIX}", False)):
        resolved = candidate.resolve()
        if not resolved.is_relative_to(root) or resolved == root:
            raise OutsideWarcDir()
        if resolved.is_file():
            return WarcFile(resolved, closed)
    return None


def existing_path(directory: Path, filename: object) -> Path | None:
    """The path of :func:`find_warc_file`'s file; None if it is not there."""
    found = find_warc_file(directory, filename)
    return found.path if found is not None else None


def place_problem(offset: object, length: object, size: int) -> str | None:
    """Why a stored record place (``warc_offset``, ``warc_length``) cannot be in a file of ``size`` bytes; None if it can."""
    if not isinstance(offset, int) or not isinstance(length, int) or isinstance(offset, bool) or isinstance(length, bool):
        return "its stored offset and length are not whole numbers"
    if offset < 0 or length <= 0:
        return f"its stored place (offset {offset}, length {length}) is not a record's"
    if offset + length > size:
        return f"its stored place (offset {offset:,}, length {length:,}) runs past the end of its WARC file ({size:,} bytes)"
    return None


def read_response(path: Path, offset: int, length: int) -> StoredResponse:
    """Read the response (or resource) record at ``offset`` of a WARC or ARC file and decode its body.

    Raise :class:`WarcError` if the record is not there, and
    :class:`~archiver.errors.CodingError` if its body cannot be decoded.
    """
    try:
        with open(path, "rb") as f:
            problem = place_problem(offset, length, os.fstat(f.fileno()).st_size)
            if problem is not None:  # a tampered row: never read past the record, nor the whole file
                raise WarcError(f"No record to read: {problem}.")
            f.seek(offset)
            record = next(iter(ArchiveIterator(BytesIO(f.read(length)))), None)
            if record is not None and record.rec_type == "resource":  # imported: the record is the payload
                return StoredResponse(200, record.rec_headers.get_header("Content-Type"), record.raw_stream.read())
            if record is None or record.rec_type != "response" or record.http_headers is None:
                raise WarcError(f"No response record at offset {offset} of {path}.")
            headers = record.http_headers
            # The payload as received; not content_stream(), whose own decoding passes
            # zstd through as if it were the page and cannot read every br stream.
            # The archiver stores bodies unchunked; WARCs of other tools may not.
            chunked = (headers.get_header("Transfer-Encoding") or "").lower() == "chunked"
            raw = (ChunkedDataReader(record.raw_stream, decomp_type=None) if chunked else record.raw_stream).read()
    except OSError as exc:
        raise WarcError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    except (ArchiveLoadFailed, ValueError, EOFError, zlib.error) as exc:
        raise WarcError(f"Damaged record at offset {offset} of {path}: {exc}.") from exc
    body = decode_body(raw, [value for name, value in headers.headers if name.lower() == "content-encoding"])
    return StoredResponse(int(headers.get_statuscode() or 0), headers.get_header("Content-Type"), body)
