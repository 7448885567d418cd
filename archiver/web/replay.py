"""A capture's archived response body, served straight from its WARC record and made inert.

Knows WARC files and HTTP headers, not Datasette: :func:`replay` returns the
status, headers and body to send, or raises :class:`ReplayError` with a
message for the error page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Mapping
from urllib.parse import unquote, urlsplit

from ..errors import ArchiverError, CodingError, WarcError
from ..warc import read_response

# The archived page may not run scripts, load anything (but inline images and
# styles), submit forms, change its base URL or be framed by another site:
# "sandbox" also gives it an opaque origin, so it cannot read Datasette's
# cookies, and stops <meta http-equiv="refresh"> from navigating.
CSP = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
INERT_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-DNS-Prefetch-Control": "off",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "private, no-store",
}
HTML_TYPES = ("text/html", "application/xhtml+xml")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


class ReplayError(ArchiverError):
    """The capture cannot be replayed; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@dataclass
class Replay:
    """What to send for one capture."""

    headers: dict[str, str]
    body: bytes


def _ascii(value: Any) -> str:
    """A header value: printable ASCII only (archived reason phrases may hold any bytes)."""
    return "".join(ch for ch in str(value or "") if " " <= ch <= "~")


def _filename(url: str, capture_id: int) -> str:
    name = _UNSAFE_FILENAME.sub("_", unquote(PurePosixPath(urlsplit(url).path).name)).strip("._")
    return name or f"capture-{capture_id}"


def record_path(warc_dir: Path, filename: str) -> Path:
    """The WARC file, or the ``.open`` file a running crawl is still writing."""
    path = warc_dir / filename
    if not path.exists() and path.with_name(path.name + ".open").exists():
        return path.with_name(path.name + ".open")
    return path


def replay(capture: Mapping[str, Any], warc_dir: Path) -> Replay:
    """The archived body of ``capture`` (a ``captures`` row) with headers that make it inert."""
    if not capture.get("warc_filename"):
        raise ReplayError(
            f"Capture {capture['id']} of {capture['url']} has no WARC record: "
            f"the request failed ({capture.get('error') or 'no response'}).",
            404,
        )
    path = record_path(warc_dir, capture["warc_filename"])
    if not path.exists():
        raise ReplayError(
            f"The WARC file {capture['warc_filename']} is not in {warc_dir}: "
            "give the archive's WARC directory with `archiver serve --warc-dir DIR` "
            "(or plugins.archiver.warc_dir in the metadata).",
            404,
        )
    try:
        stored = read_response(path, capture["warc_offset"], capture["warc_length"])
    except WarcError as exc:
        raise ReplayError(f"Capture {capture['id']} cannot be read back: {exc}", 500) from exc
    except CodingError as exc:  # never served still compressed, as if it were the page
        raise ReplayError(f"Capture {capture['id']} cannot be decoded ({exc}); its WARC record keeps the body "
                          "as received.", 500) from exc
    content_type = _ascii(stored.content_type) or "application/octet-stream"
    headers = {
        **INERT_HEADERS,
        "Content-Type": content_type,
        "X-Archiver-Url": _ascii(capture["url"]),
        "X-Archiver-Status": _ascii(f"{stored.status} {capture.get('reason') or ''}".strip()),
        "X-Archiver-Fetched-At": _ascii(capture.get("fetched_at")),
        "X-Archiver-Record-Id": _ascii(capture.get("warc_record_id")),
    }
    filename = _filename(capture["url"], capture["id"])
    if content_type.split(";")[0].strip().lower() in HTML_TYPES:
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    else:  # never rendered by the browser: offered as a download
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Replay(headers, stored.body)
