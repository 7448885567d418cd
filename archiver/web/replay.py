"""A capture's archived response body, served straight from its WARC record and made inert.

Knows WARC files and HTTP headers, not Datasette: :func:`replay` returns the
status, headers and body to send, or raises :class:`ReplayError` with a
message for the error page.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Mapping
from urllib.parse import unquote, urlsplit

from archiver.values.media import is_html
from archiver.errors import ArchiverError, CodingError, WarcError
from archiver.formats.warc import OutsideWarcDir, existing_path, read_response

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
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
log = logging.getLogger(__name__)


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


def replay(capture: Mapping[str, Any], warc_dir: Path) -> Replay:
    """The archived body of ``capture`` (a ``captures`` row) with headers that make it inert."""
    if not capture.get("warc_filename"):
        raise ReplayError(
            f"Capture {capture['id']} of {capture['url']} has no WARC record: "
            f"the request failed ({capture.get('error') or 'no response'}).",
            404,
        )
    try:
        path = existing_path(warc_dir, capture["warc_filename"])
    except OutsideWarcDir:
        # the database names a file elsewhere: say so without naming or reading it
        raise ReplayError(f"The WARC file of capture {capture['id']} is not inside the WARC directory.", 404) from None
    if path is None:
        raise ReplayError(
            f"The WARC file {capture['warc_filename']} is not in {warc_dir}: "
            "give the archive's WARC directory with `archiver serve --warc-dir DIR` "
            "(or plugins.archiver.warc_dir in the metadata).",
            404,
        )
    try:
        stored = read_response(path, capture["warc_offset"], capture["warc_length"])
    except WarcError as exc:
        # the reader's message may quote the bytes it found: those go to the log, not the page
        log.warning("Capture %s cannot be read back: %s", capture["id"], exc)
        raise ReplayError(
            f"Capture {capture['id']} cannot be read back: there is no intact response record "
            f"at offset {capture['warc_offset']} of {capture['warc_filename']}.",
            500,
        ) from exc
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
    if is_html(content_type):
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    else:  # never rendered by the browser: offered as a download
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Replay(headers, stored.body)
