"""CDXJ index lines from ``captures`` rows, as pywb and cdxj-indexer write them.

A line is ``SURT TIMESTAMP14 {json}``: the SURT key of the URL (the ``surt``
package, as cdxj-indexer and pywb compute it), the 14 digits of the record's
WARC-Date, and url, mime, status, digest, length, offset and filename, in that
order, all strings.  Every value comes from the database: no WARC file is
read (only their presence is checked).  Only response and revisit records are indexed, as cdxj-indexer does by
default: replay looks URLs up by their responses; request records are found
beside them and warcinfo records are not captures of a URL.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

import surt

from ..errors import WarcError
from .warc import OPEN_SUFFIX

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
    return f"{url_key(row['url'])} {timestamp14(row['fetched_at'])} {json.dumps(fields)}\n"


def index(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The index of these captures, in the order pywb's binary search needs (``cdxj-indexer --sort``'s)."""
    return sorted(cdxj_line(row) for row in rows)


def in_closed_files(rows: list[dict[str, Any]], warc_dir: Path) -> tuple[list[dict[str, Any]], int]:
    """The rows whose WARC file is closed, and how many are in a file a crawl is still writing."""
    kept, still_open, present = [], 0, {}  # present: file name -> closed (False: still .open)
    for row in rows:
        name = row["warc_filename"]
        if name not in present:
            if (warc_dir / name).is_file():
                present[name] = True
            elif (warc_dir / (name + OPEN_SUFFIX)).is_file():
                present[name] = False
            else:
                raise WarcError(f"The WARC file {name} is not in {warc_dir}; give the archive's WARC directory with --warc-dir.")
        if present[name]:
            kept.append(row)
        else:
            still_open += 1
    return kept, still_open
