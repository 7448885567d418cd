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
import shutil
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from ..errors import WarcError
from .dates import iso_utc, parse_date
from .media import header_text
from .records import Capture
from .warc import OutsideWarcDir, RecordLocation, inside_name

KINDS = ("response", "revisit", "resource")
_READ = 1 << 20


class DamagedWarc(WarcError):
    """A WARC or ARC file is damaged (truncated, corrupt) at an offset: the records before it were read."""

    def __init__(self, offset: int, reason: str):
        super().__init__(f"damaged at offset {offset:,} ({reason}); the records from there on could not be read")
        self.offset = offset


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
        if target.is_file() and sha256_of(target) == digest:
            return Placed(candidate, copied=False)
    raise WarcError(f"Cannot copy {source} into {warc_dir}: other files hold both names; rename it and import it again.")


def _plain(name: str) -> bool:
    """Whether a name inside the WARC directory is one its readers accept (:func:`~archiver.core.warc.inside_name`)."""
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


def _is_cut(record: Any) -> bool:
    """Whether, read to its end, the record held fewer bytes than its length says: the file ends inside it.

    warcio limits a record's stream to its length; what is left of that limit
    after reading is what the file lacks.  A record without a length (every
    WARC record has a Content-Length) was cut inside its headers.
    """
    return record.length is None or getattr(record.raw_stream, "limit", 0) > 0


def read_records(path: Path, name: str) -> Iterator[ImportedRecord]:
    """Every response, revisit and resource record of an http(s) URL in the file, with its exact place.

    ``name`` is the file's name inside the WARC directory.  Raises
    :class:`DamagedWarc` where the file breaks (after yielding the records
    before it) and :class:`NotPerRecordGzip` for a file gzipped as one stream.
    """
    offset = 0
    try:
        with open(path, "rb") as f:
            iterator = ArchiveIterator(f)
            for record in iterator:
                offset = iterator.offset  # where this record starts, for a message if it is damaged
                size, digest = _drain(record)
                if _is_cut(record):
                    raise DamagedWarc(offset, "the file ends inside this record")
                own = _Header(record)
                kind = record.rec_type
                if kind not in KINDS or not (own.get("WARC-Target-URI", "uri") or "").startswith(("http:", "https:")):
                    continue  # warcinfo, request, metadata records; a tool's own log as a resource
                # a revisit's digest is its original's: only the header can say it
                stated = own.get("WARC-Payload-Digest")
                location = RecordLocation(
                    name, iterator.get_record_offset(), iterator.get_record_length(), own.get("WARC-Record-ID"),
                    stated if kind == "revisit" else stated or digest,
                    _revisit_kind(own.get("WARC-Profile")) if kind == "revisit" else None)
                refers_date = own.get("WARC-Refers-To-Date")
                yield ImportedRecord(kind, _capture(kind, record, own, size), location, own.get("WARC-Refers-To"),
                                     own.get("WARC-Refers-To-Target-URI"),
                                     iso_utc(_record_date(refers_date), "microseconds") if refers_date else None)
    except ArchiveLoadFailed as exc:
        if "non-chunked gzip" in str(exc):
            raise NotPerRecordGzip(
                f"{path} is gzipped as one stream, not a gzip member per record, so its records cannot be read "
                f"at an offset; recompress it with `warcio recompress {path.name} FIXED.warc.gz` and import that."
            ) from None
        raise DamagedWarc(offset, str(exc).strip().splitlines()[0]) from None
    except (ValueError, EOFError, zlib.error, OSError) as exc:
        raise DamagedWarc(offset, f"{type(exc).__name__}: {exc}") from None
