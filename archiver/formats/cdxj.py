"""CDXJ index lines from ``captures`` rows, as pywb and cdxj-indexer write them.

A line is ``SURT TIMESTAMP14 {json}``: the SURT key of the URL (the ``surt``
package, as cdxj-indexer and pywb compute it), the 14 digits of the record's
WARC-Date, and url, mime, status, digest, length, offset and filename, in that
order, all strings.  Every value comes from the database: no WARC file is
read (only their presence and size are checked).  Only response and revisit records are indexed, as cdxj-indexer does by
default: replay looks URLs up by their responses; request records are found
beside them and warcinfo records are not captures of a URL.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import surt

from archiver.errors import WarcError
from archiver.formats.warc import OutsideWarcDir, find_warc_file, place_problem

_MIME_END = re.compile(r"[;\s]")


def url_key(url: str) -> str:
    """The SURT key pywb sorts and looks URLs up by; the URL itself if it has none."""
    try:
        return surt.surt(url)
    except Exception:  # surt raises several kinds on odd URLs; cdxj-indexer falls back the same way
        return url


def timestamp14(moment: str) -> str:
    """``20261101063012`` from an ISO 8601 UTC time (``2026-11-01T06:30:12.345Z``)."""
    return re.sub(r"\D", "", moment)[:14]


def mime(row: Mapping[str, Any]) -> str | None:
    """The media type: ``warc/revisit`` for a revisit, else the Content-Type without its parameters."""
    if row.get("revisit"):
        return "warc/revisit"
    value = _MIME_END.split(row.get("content_type") or "", maxsplit=1)[0].strip()
    return value or None


def cdxj_line(row: Mapping[str, Any], filename: str | None = None, offset: int | None = None) -> str:
    """One capture's index line; ``filename`` and ``offset`` place its record elsewhere (a copy in a WACZ)."""
    fields: dict[str, str] = {"url": row["url"]}
    media_type = mime(row)
    if media_type:  # cdxj-indexer leaves out a field that has no value
        fields["mime"] = media_type
    fields["status"] = str(row["status"])
    if row.get("payload_digest"):
        fields["digest"] = row["payload_digest"]
    fields["length"] = str(row["warc_length"])
    fields["offset"] = str(row["warc_offset"] if offset is None else offset)
    fields["filename"] = filename or row["warc_filename"]
    # stored values, not trusted: a NULL or odd time still gives one line
    return f"{url_key(str(row['url']))} {timestamp14(str(row['fetched_at'] or ''))} {json.dumps(fields)}\n"


def index(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The index of these captures, in the order pywb's binary search needs (``cdxj-indexer --sort``'s)."""
    return sorted(cdxj_line(row) for row in rows)


@dataclass
class Located:
    """Captures sorted by where their record is."""

    rows: list[dict[str, Any]] = field(default_factory=list)  # in a closed WARC file, at a place it holds
    still_open: int = 0  # in a file a crawl is still writing
    refused: list[str] = field(default_factory=list)  # one sentence per capture whose stored place is not trusted


def in_closed_files(rows: list[dict[str, Any]], warc_dir: Path) -> Located:
    """The rows whose record is in a closed WARC file of ``warc_dir``, and what became of the others.

    A stored name that leads outside the WARC directory, or an offset and
    length that cannot be a record of its file, refuses its row (said in
    ``refused``, naming the capture, never the name); a file that is not
    there at all means the wrong WARC directory was given: WarcError.
    """
    located, files = Located(), {}  # files: stored name -> (WarcFile, size) or the reason it is refused
    for row in rows:
        name = row["warc_filename"]
        if name not in files:
            try:
                found = find_warc_file(warc_dir, name)
            except OutsideWarcDir as exc:
                files[name] = str(exc)
            else:
                if found is None:
                    raise WarcError(f"The WARC file {name} is not in {warc_dir}; give the archive's WARC directory "
                                    "with --warc-dir.")
                files[name] = (found, found.path.stat().st_size)
        if isinstance(files[name], str):
            located.refused.append(f"Capture {row['id']} left out: {files[name]}")
            continue
        found, size = files[name]
        problem = place_problem(row["warc_offset"], row["warc_length"], size)
        if problem is not None:
            located.refused.append(f"Capture {row['id']} left out: {problem}.")
        elif found.closed:
            located.rows.append({**row, "path": found.path})
        else:
            located.still_open += 1
    return located
