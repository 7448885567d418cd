"""Reading WARC and ARC files written by other tools, record by record, for ``archiver import``.

Scrapy-free and SQL-free: :func:`place` puts a file where the archive can
read it (inside the WARC directory), :func:`read_records` yields each
response, revisit and resource record as a ``captures`` row to be and the
exact place of its record, and stops at the first damage, saying where.

Files are read as they are: a gzip member per record (``.warc.gz``,
``.arc.gz``), or uncompressed (``.warc``, ``.arc``).  A file gzipped as one
stream cannot be read at an offset, so it is refused as a whole.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Generator, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archiver.errors import WarcError
from archiver.values.dates import iso_utc, parse_date
from archiver.values.media import header_text
from archiver.formats.records import Capture
from archiver.formats.warc import OutsideWarcDir, RecordLocation, inside_name, place_problem

KINDS = ("response", "revisit", "resource")
_READ = 1 << 20
_GZIP = b"\x1f\x8b\x08"  # how a gzip member (deflate) starts
_LENGTH = re.compile(r"[0-9]{1,18}")  # a count of bytes: no sign, no exponent, below 2**63
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}")


@dataclass(frozen=True)
class Skipped:
    """A record not imported, and why: ``damage`` when it (or the file there) is damaged, else it is no web capture."""

    offset: int  # where the record, or the damage, starts
    reason: str
    damage: bool


class NotPerRecordGzip(WarcError):
    """A file gzipped as one stream: no record can be read at an offset."""


@dataclass(frozen=True)
class ImportedRecord:
    """One response, revisit or resource record of an imported file: its row to be and where it lies."""

    kind: str  # "response", "revisit" or "resource"
    capture: Capture
    location: RecordLocation
    refers_to: str | None = None  # a revisit's WARC-Refers-To (record id)
    refers_to_url: str | None = None
    refers_to_date: str | None = None  # ISO 8601 UTC, as captures.fetched_at


@dataclass(frozen=True)
class Placed:
    """An imported file inside the WARC directory: its name there, and whether it was copied now."""

    name: str
    copied: bool


def sha256_of(path: Path) -> str:
    """The file's SHA-256, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_READ):
            digest.update(chunk)
    return digest.hexdigest()


def place(source: Path, warc_dir: Path) -> Placed:
    """The file's name inside ``warc_dir``: as it is when already there, else a byte-for-byte copy.

    Replay and re-extraction read only files inside the WARC directory, and
    the copy keeps the archive whole when the original moves.  A copy is
    named after the original; when another file has that name, the name
    gets the first 12 hex digits of its SHA-256.  A copy of the same bytes
    already there is used again, so importing a file twice copies it once.
    """
    root = warc_dir.resolve()
    resolved = source.resolve()
    if resolved.is_relative_to(root) and _plain(resolved.relative_to(root).as_posix()):
        return Placed(resolved.relative_to(root).as_posix(), copied=False)
    digest = sha256_of(resolved)
    name = resolved.name.replace("\\", "_")  # a name every later reader takes as inside (inside_name)
    stem, dot, rest = name.partition(".")
    for candidate in (name, f"{stem}-{digest[:12]}{dot}{rest}"):
        target = root / candidate
        if not target.exists():
            partial = root / f".{candidate}.importing"  # renamed once whole: never a half copy under its name
            shutil.copyfile(resolved, partial)
            os.replace(partial, target)
            return Placed(candidate, copied=True)
        if target.is_file() and not target.is_symlink() and sha256_of(target) == digest:
            return Placed(candidate, copied=False)
    raise WarcError(f"Cannot copy {source} into {warc_dir}: other files hold both names; rename it and import it again.")


def _plain(name: str) -> bool:
    """Whether a name inside the WARC directory is one its readers accept (:func:`~archiver.formats.warc.inside_name`)."""
    try:
        inside_name(name)
    except OutsideWarcDir:
        return False
    return True


def _revisit_kind(profile: str | None) -> str:
    """``not-modified`` or ``identical-payload``, as ``captures.revisit`` says it, from WARC-Profile."""
    return "not-modified" if profile and "not-modified" in profile else "identical-payload"


def _record_date(text: str | None) -> datetime:
    """WARC-Date, or an ARC date (``20080430204825``), as an aware UTC datetime."""
    if text and len(text) == 14 and text.isdigit():
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    moment = parse_date(text)
    if moment is None:
        raise ValueError(f"no readable date ({text!r})")
    return moment


class _Header:
    """A record's own headers, WARC or ARC (warcio gives an ARC record its ARC header's names)."""

    def __init__(self, record: Any):
        self.headers = record.rec_headers
        self.arc = record.format == "arc"

    def get(self, warc_name: str, arc_name: str | None = None) -> str | None:
        if self.arc:
            return self.headers.get_header(arc_name) if arc_name else None
        return self.headers.get_header(warc_name)


def _capture(kind: str, record: Any, own: _Header, size: int) -> Capture:
    """The ``captures`` row a record gives."""
    http = record.http_headers
    status = reason = content_type = None
    if http is not None:
        status = int(http.get_statuscode() or 0) or None
        reason = http.statusline.partition(" ")[2] or None
        content_type = header_text(http.get_header("Content-Type"))
    elif kind == "resource":  # the record is the payload itself, as replay tools serve it
        status, content_type = 200, own.get("Content-Type")
    content_type = content_type or own.get("WARC-Identified-Payload-Type")
    errors = []
    if status is not None and status >= 400:
        errors.append(f"HTTP {status} {reason or ''}".rstrip())
    if own.get("WARC-Truncated"):
        errors.append(f"payload cut by the tool that wrote it (WARC-Truncated: {own.get('WARC-Truncated')})")
    return Capture(
        url=own.get("WARC-Target-URI", "uri") or "",
        method="GET",  # request records are optional (Common Crawl has none): GET is what every crawler sends
        fetched_at=iso_utc(_record_date(own.get("WARC-Date", "archive-date")), "microseconds"),
        status=status, reason=reason, content_type=content_type, size=size,
        ip_address=own.get("WARC-IP-Address", "ip-address"),
        error="; ".join(errors) or None,
        etag=header_text(http.get_header("ETag")) if http is not None else None,
        last_modified=header_text(http.get_header("Last-Modified")) if http is not None else None,
    )


def _drain(record: Any) -> tuple[int, str]:
    """Read a record's payload to its end: bytes read and their SHA-1 (``sha1:BASE32``, as WARC writes it)."""
    digest, size = hashlib.sha1(), 0
    while chunk := record.raw_stream.read(_READ):
        digest.update(chunk)
        size += len(chunk)
    return size, "sha1:" + base64.b32encode(digest.digest()).decode("ascii")


def _cut_short(record: Any) -> str | None:
    """Why a record drained to its end cannot be trusted; None if it can.

    warcio limits a record's stream to its Content-Length; what is left of
    that limit after reading is what the record lacks (its gzip member, or the
    file, ended first).  The header itself must be a plain count of bytes.
    """
    stated = record.rec_headers.get_header("Content-Length" if record.format != "arc" else "length")
    if stated is None or not _LENGTH.fullmatch(stated.strip()):
        return "its Content-Length is not a count of bytes"
    missing = getattr(record.raw_stream, "limit", 0)
    if record.length is None or missing > 0:
        return f"it is cut short: its Content-Length says {int(stated):,} bytes, {int(stated) - missing:,} are there"
    return None


class _Iterator(ArchiveIterator):
    """warcio's reader, which notes a record its length does not end instead of printing the bytes found there."""

    INC_RECORD = ""


def read_records(path: Path, name: str) -> Iterator[ImportedRecord | Skipped]:
    """Every response, revisit and resource record of the file, with its exact place, or why it was skipped.

    ``name`` is the file's name inside the WARC directory.  A record is
    skipped (:class:`Skipped`, at the offset where it starts) when its target
    is not an http(s) URL, its length is not one or does not end it, or its
    headers cannot be read; where the file breaks (a damaged gzip member,
    garbage) the damage's offset is said and reading goes on at the next
    record start found after it (a gzip member, a ``WARC/`` line).  Every
    restart is past the last, so the walk ends on any file.  Raises
    :class:`NotPerRecordGzip` for a file gzipped as one stream.
    """
    gzipped, file_size = _starts_gzip(path), path.stat().st_size
    start: int | None = 0
    resyncing = False
    while start is not None:
        start = yield from _read_from(path, name, start, gzipped, file_size, resyncing)
        resyncing = True


def _read_from(path: Path, name: str, start: int, gzipped: bool, file_size: int,
               resyncing: bool) -> Generator[ImportedRecord | Skipped, None, int | None]:
    """The records from ``start`` on; returns where to read again after damage (None: the end).

    ``resyncing``: ``start`` is a guess after damage (a gzip header's bytes
    may be inside the damaged member): failing right there is the same
    damage, already said.
    """
    with open(path, "rb") as f:
        f.seek(start)
        iterator = _Iterator(f)
        resume = start  # where the next record starts: the damage's place if it cannot be read
        try:
            for record in iterator:
                begin = iterator.offset
                size, digest = _drain(record)
                cut = _cut_short(record)
                warned = iterator.err_count
                end = iterator.get_record_offset() + iterator.get_record_length()  # reads past the record's end
                if cut is None and iterator.err_count > warned:
                    cut = "its Content-Length does not end it (other bytes follow)"
                if cut is not None:
                    yield Skipped(begin, cut, damage=True)
                    return _next_start(path, begin + 1, gzipped)
                resume, resyncing = iterator.offset, False  # past the blank lines after an uncompressed record
                found = _imported(record, name, begin, end - begin, size, digest, file_size)
                if found is not None:
                    yield found
        except ArchiveLoadFailed as exc:
            if "non-chunked gzip" in str(exc):
                raise NotPerRecordGzip(
                    f"{path} is gzipped as one stream, not a gzip member per record, so its records cannot be read "
                    f"at an offset; recompress it with `warcio recompress {path.name} FIXED.warc.gz` and import that."
                ) from None
            if not resyncing:
                yield Skipped(resume, "damaged: no WARC or ARC record can be read there", damage=True)
        except (ValueError, EOFError, zlib.error) as exc:
            if not resyncing:
                yield Skipped(resume, f"damaged ({type(exc).__name__}: {exc})", damage=True)
    return _next_start(path, resume + 1, gzipped)


def _imported(record: Any, name: str, offset: int, length: int, size: int, digest: str,
              file_size: int) -> ImportedRecord | Skipped | None:
    """The record's row to be; Skipped if it cannot be one; None for records that are no capture (warcinfo, request...)."""
    own = _Header(record)
    kind = record.rec_type
    if kind not in KINDS:
        return None
    problem = place_problem(offset, length, file_size)
    if problem is not None:  # never a row that cannot be read back
        return Skipped(offset, problem, damage=True)
    target = own.get("WARC-Target-URI", "uri") or ""
    if kind == "resource" and target.startswith("metadata:"):
        return None  # a tool's own notes (wget's arguments and log), never a capture of the web
    if not target.startswith(("http:", "https:")):
        scheme = target.partition(":")[0] if _SCHEME.fullmatch(target.partition(":")[0]) else "no scheme"
        return Skipped(offset, f"its target is not an http(s) URL ({scheme})", damage=False)
    try:
        refers_date = own.get("WARC-Refers-To-Date")
        # a revisit's digest is its original's: only the header can say it
        stated = own.get("WARC-Payload-Digest")
        location = RecordLocation(name, offset, length, own.get("WARC-Record-ID"),
                                  stated if kind == "revisit" else stated or digest,
                                  _revisit_kind(own.get("WARC-Profile")) if kind == "revisit" else None)
        return ImportedRecord(kind, _capture(kind, record, own, size), location, own.get("WARC-Refers-To"),
                              own.get("WARC-Refers-To-Target-URI"),
                              iso_utc(_record_date(refers_date), "microseconds") if refers_date else None)
    except ValueError as exc:  # a date or status no reader can take
        return Skipped(offset, f"its headers cannot be read ({exc})", damage=True)


def _starts_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == _GZIP[:2]


def _next_start(path: Path, position: int, gzipped: bool) -> int | None:
    """The first place from ``position`` on where a record may start (a gzip member, a ``WARC/`` line); None: none."""
    marker = _GZIP if gzipped else b"\nWARC/"
    with open(path, "rb") as f:
        f.seek(position)
        tail = b""
        while chunk := f.read(_READ):
            window = tail + chunk
            found = window.find(marker)
            if found >= 0:
                return position - len(tail) + found + (0 if gzipped else 1)
            tail = window[-(len(marker) - 1):]
            position += len(chunk)
    return None
