"""WACZ 1.1.1 packages of the archive, for ReplayWeb.page, pywb and other archives.

A package is a ZIP file holding ``archive/`` (WARC files, stored, never
recompressed), ``indexes/index.cdx`` (the CDXJ index, from ``captures``),
``pages/pages.jsonl`` (one page per article, with its clean text for
full-text search), ``datapackage.json`` (every file with its size and sha256)
and ``datapackage-digest.json`` (the sha256 of ``datapackage.json``).

The whole archive is packaged as its WARC files, byte for byte.  A selection
(a crawl, a date, a site) is packaged as one new WARC file holding copies of
the selected records only, each gzip member copied as it is: the response
(or revisit) record, the request record written after it, and, for a
revisit, the response it refers to.  Whole files would carry every other
capture written alongside, which is not what was asked for.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator

from warcio.warcwriter import WARCWriter

from archiver import __version__
from archiver.formats.cdxj import cdxj_line, in_closed_files
from archiver.errors import ArchiverError, WarcError
from archiver.storage.export import Selection, captures_by_id, indexed_captures, pages
from archiver.formats.warc import inside_name

WACZ_VERSION = "1.1.1"
CHUNK = 1 << 20
_PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Articles", "hasText": True}


@dataclass(frozen=True)
class Packed:
    """What went into a package."""

    pages: int
    records: int  # response and revisit records indexed
    warc_files: int
    bytes: int
    still_open: int  # captures left out: their WARC file is still being written
    refused: list[str]  # captures left out: their stored place is not trusted (one sentence each)


class NothingSelected(ArchiverError):
    """No capture with a WARC record matches the selection."""

    def __init__(self, message: str, refused: list[str]):
        super().__init__(message)
        self.refused = refused  # why matching captures were left out, if any were


class _Entry:
    """One file being written into the ZIP, hashed on the way."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.stream.write(data)
        self.sha256.update(data)
        self.size += len(data)


class _Package:
    """The ZIP file and the datapackage resources written into it so far."""

    def __init__(self, zf: zipfile.ZipFile, now: datetime):
        self.zf = zf
        self.date_time = now.timetuple()[:6]
        self.resources: list[dict[str, Any]] = []

    def add(self, path: str, chunks: Iterable[bytes], stored: bool) -> None:
        """Write a file (``stored``: as is, for gzip data that must stay seekable) and list it as a resource."""
        info = zipfile.ZipInfo(_entry(path), self.date_time)
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with self.zf.open(info, "w", force_zip64=True) as stream:
            entry = _Entry(stream)
            for chunk in chunks:
                entry.write(chunk)
        self.resources.append({"name": os.path.basename(path).lower(), "path": path,
                               "hash": "sha256:" + entry.sha256.hexdigest(), "bytes": entry.size})

    def add_metadata(self, path: str, document: dict[str, Any]) -> bytes:
        """A JSON file at the root, not listed as a resource; returns its bytes."""
        data = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
        info = zipfile.ZipInfo(_entry(path), self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.zf.writestr(info, data)
        return data


def _entry(path: str) -> str:
    """A ZIP entry name that unpacks inside the package's folder, whatever the archive stored (else OutsideWarcDir)."""
    return inside_name(path).as_posix()


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def _member_at(f: BinaryIO, offset: int) -> tuple[bytes, bytes]:
    """The gzip member (one WARC record) that starts at ``offset``: its bytes and its uncompressed WARC header."""
    f.seek(offset)
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    raw, head = bytearray(), bytearray()
    while not inflater.eof:
        chunk = f.read(64 * 1024)
        if not chunk:
            return b"", b""
        raw += chunk
        inflated = inflater.decompress(chunk)
        if b"\r\n\r\n" not in head:  # the header is all we look at
            head += inflated
    return bytes(raw[: len(raw) - len(inflater.unused_data)]), bytes(head.split(b"\r\n\r\n", 1)[0])


def _request_after(f: BinaryIO, row: dict[str, Any]) -> bytes:
    """The request record written right after a capture's record, if it is that capture's request."""
    try:
        member, head = _member_at(f, row["warc_offset"] + row["warc_length"])
    except zlib.error:  # the end of the file, or the next file's junk: no request to copy
        return b""
    lines = set(head.split(b"\r\n"))
    concurrent = f"WARC-Concurrent-To: {row['warc_record_id']}".encode()
    return member if b"WARC-Type: request" in lines and concurrent in lines else b""


def _warcinfo(filename: str, selection: Selection) -> bytes:
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=True, warc_version="1.1")
    about = {"software": f"archiver/{__version__} (warcio)", "format": "WARC File Format 1.1",
             "description": f"Records copied byte for byte from the archive: {describe(selection)}."}
    writer.write_record(writer.create_warcinfo_record(filename, about))
    return buffer.getvalue()


def describe(selection: Selection) -> str:
    """The selection in words: ``crawl 3, since 2026-11-01T00:00:00Z, site example.org``."""
    parts = [f"crawl {selection.crawl_id}" if selection.crawl_id is not None else "",
             f"since {selection.since}" if selection.since else "", f"site {selection.site}" if selection.site else ""]
    return ", ".join(p for p in parts if p) or "everything"


class _Copier:
    """Copies selected records into one new WARC file, remembering where each landed."""

    def __init__(self, filename: str, selection: Selection):
        self.filename = filename
        self.selection = selection
        self.placed: dict[int, int] = {}  # capture id -> offset in the new file

    def chunks(self, rows: list[dict[str, Any]]) -> Iterator[bytes]:
        head = _warcinfo(self.filename, self.selection)
        yield head
        position = len(head)
        by_file: dict[Path, list[dict[str, Any]]] = {}
        for row in rows:  # each row's path: its file found inside the WARC directory (in_closed_files)
            by_file.setdefault(row["path"], []).append(row)
        for path, in_file in by_file.items():
            name = in_file[0]["warc_filename"]
            with open(path, "rb") as f:
                for row in in_file:
                    f.seek(row["warc_offset"])
                    record = f.read(row["warc_length"])
                    if len(record) != row["warc_length"]:
                        raise WarcError(f"{name} ends before the record at offset {row['warc_offset']}; the file is damaged.")
                    request = _request_after(f, row)
                    self.placed[row["id"]] = position
                    yield record + request
                    position += len(record) + len(request)


def write_wacz(out: Path, conn: sqlite3.Connection, warc_dir: Path, selection: Selection = Selection()) -> Packed:
    """Write the package to ``out`` (through ``out.part``, so a failure leaves no half package)."""
    now = datetime.now(timezone.utc)
    located = in_closed_files(indexed_captures(conn, selection), warc_dir)
    rows = located.rows
    if not rows:
        raise NothingSelected(f"Nothing to package: no capture in a closed WARC file matches ({describe(selection)}).",
                              located.refused)
    if selection:
        selected = {row["id"] for row in rows}
        originals = captures_by_id(conn, (r["revisit_of"] for r in rows if r["revisit_of"] and r["revisit_of"] not in selected))
        found = in_closed_files(originals, warc_dir)
        located.refused += found.refused
        rows += found.rows
        rows.sort(key=lambda r: r["id"])
    part = out.with_name(out.name + ".part")
    try:
        with zipfile.ZipFile(part, "w", allowZip64=True) as zf:
            package = _Package(zf, now)
            if selection:
                name = f"archiver-export-{now:%Y%m%d%H%M%S}.warc.gz"
                copier = _Copier(name, selection)
                package.add(f"archive/{name}", copier.chunks(rows), stored=True)
                lines = [cdxj_line(r, name, copier.placed[r["id"]]) for r in rows]
                files = 1
            else:
                paths = {r["warc_filename"]: r["path"] for r in rows}
                for name in sorted(paths):
                    package.add(f"archive/{name}", _file_chunks(paths[name]), stored=True)
                lines = [cdxj_line(r) for r in rows]
                files = len(paths)
            package.add("indexes/index.cdx", (line.encode("utf-8") for line in sorted(lines)), stored=False)
            page_count = _add_pages(package, conn, {r["id"] for r in rows})
            _add_datapackage(package, now, selection, page_count)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, out)
    return Packed(page_count, len(rows), files, out.stat().st_size, located.still_open, located.refused)


def _add_pages(package: _Package, conn: sqlite3.Connection, capture_ids: set[int]) -> int:
    count = 0

    def lines() -> Iterator[bytes]:
        nonlocal count
        yield (json.dumps(_PAGES_HEADER) + "\n").encode("utf-8")
        for page in pages(conn, capture_ids):
            count += 1
            entry = {"id": str(page["id"]), "url": page["url"], "ts": page["fetched_at"],
                     "title": page["title"] or page["url"], "text": page["text"] or ""}
            yield (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")

    package.add("pages/pages.jsonl", lines(), stored=False)
    return count


def _add_datapackage(package: _Package, now: datetime, selection: Selection, page_count: int) -> None:
    created = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": f"archiver: {page_count} articles ({describe(selection)})",
        "description": f"Exported by the archiver from its archive: {describe(selection)}.",
        "created": created,
        "modified": created,
        "software": f"archiver/{__version__}",
        "resources": package.resources,
    }
    data = package.add_metadata("datapackage.json", document)
    package.add_metadata("datapackage-digest.json",
                         {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(data).hexdigest()})
