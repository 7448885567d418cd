"""The archive in Datasette: the archiver's plugin (entry point ``datasette: archiver = archiver.web``).

- ``/-/archiver/DB``: the archive's landing page (totals, charts, recent stories and problems);
- ``/-/archiver/DB/article/ID``: a readable article page, linked from ``articles.title``;
- ``/-/archiver/DB/story/ID``: a story's articles on a time line by site, linked from ``story_id``;
- ``/-/archiver/DB/version/ID``: a version beside the one before, changes marked;
- ``/-/archiver/DB/capture/ID/raw``: the archived response body, read from its WARC
  record and served inert (see :mod:`archiver.web.replay`);
- links from table cells and canned-query columns to both;
- every connection to an archive is read-only (``PRAGMA query_only``) unless the
  metadata says ``plugins: archiver: writable: true``;
- the column descriptions of its tables folded under one line;
- error pages that work whether or not ``rich`` is installed (see :mod:`archiver.web.error_pages`).

Every hook acts on archives only (:mod:`archiver.web.archives`): another
database, or another Datasette in the same environment, is left as it was.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils.asgi import Request, Response
from datasette.views.base import DatasetteError
from markupsafe import Markup, escape

from archiver.storage import reading
from archiver.web import archives
from archiver.web.error_pages import handle_exception  # noqa: F401  (a hook: registered with this module)
from archiver.web.pages import (
    ARTICLE_PATH, RAW_PATH, STORY_PATH, VERSION_PATH, archive_page, article_page, lookup, story_page, version_page,
)
from archiver.web.replay import ReplayError, replay



def _config(datasette: Any, database: str | None) -> dict[str, Any]:
    return datasette.plugin_config("archiver", database=database) or {}


def warc_dir(datasette: Any, database: str) -> Path:
    """The archive's WARC directory: ``plugins.archiver.warc_dir``, else ``warcs`` beside the database."""
    db = datasette.get_database(database)
    base = Path(db.path).resolve().parent if db.path else Path.cwd()
    return base / _config(datasette, database).get("warc_dir", "warcs")


def _link(datasette: Any, template: str, database: str, id: Any, label: Any, title: str) -> Markup | None:
    if not isinstance(id, int):  # a value written by hand, not a row id: shown as it is
        return None
    href = datasette.urls.path(template.format(database=quote(database), id=id))
    return Markup('<a href="{}" title="{}">{}</a>').format(href, title, label)


def _highlighted(value: str) -> Markup:
    """FTS5 ``highlight()``/``snippet()`` output: the text escaped, its ``<mark>`` tags kept."""
    text = str(escape(value))
    return Markup(text.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))


def _get(row: Any, key: str) -> Any:
    try:
        return row[key]
    except (IndexError, KeyError):  # a table view with some columns hidden (?_col=)
        return None


@hookimpl
def prepare_connection(conn: Any, database: str, datasette: Any) -> None:
    if archives.note(datasette, database, conn) and not _config(datasette, database).get("writable"):
        conn.execute("PRAGMA query_only = 1")


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    if value is None or not archives.known(datasette, database):
        return None
    if table == "articles" and column == "title":
        return _link(datasette, ARTICLE_PATH, database, row["id"], value, "read the article")
    if table == "captures" and column == "url" and _get(row, "warc_filename"):
        return _link(datasette, RAW_PATH, database, row["id"], value, "the archived response")
    if table == "articles" and column == "story_id" or table == "stories" and column == "title":
        return _link(datasette, STORY_PATH, database, value if column == "story_id" else row["id"], value,
                     "the story across sites")
    if table == "versions" and column == "number":
        return _link(datasette, VERSION_PATH, database, row["id"], value, "this version beside the one before")
    if column == "diff" and table in ("versions", None):
        return Markup('<pre class="archiver-diff">{}</pre>').format(value)
    if table is not None:
        return None
    # canned and custom queries
    if column == "article_id":
        return _link(datasette, ARTICLE_PATH, database, value, f"article {value}", "read the article")
    if column == "version_id":
        return _link(datasette, VERSION_PATH, database, value, f"version {_get(row, 'number') or value}",
                     "this version beside the one before")
    if column == "raw_capture":
        return _link(datasette, RAW_PATH, database, value, "raw", "the archived response")
    label = _highlighted(value) if isinstance(value, str) and "<mark>" in value else None
    if column == "title" and _get(row, "article_id") is not None:
        return _link(datasette, ARTICLE_PATH, database, row["article_id"], label or value, "read the article")
    return label


# A table's column descriptions (a long list on the articles table) folded under one line, so that
# its first screen shows rows; without scripts the list stays as Datasette shows it.
FOLD_COLUMN_DESCRIPTIONS = """
document.querySelectorAll("dl.column-descriptions").forEach(function (list) {
  var folded = document.createElement("details"), summary = document.createElement("summary");
  folded.className = "archiver-column-descriptions";
  summary.textContent = "What the " + list.querySelectorAll("dt").length + " columns mean";
  list.replaceWith(folded);
  folded.append(summary, list);
});
"""


@hookimpl
def extra_body_script(view_name: str, database: str | None, datasette: Any) -> str | None:
    if view_name == "table" and database and archives.known(datasette, database):
        return FOLD_COLUMN_DESCRIPTIONS
    return None


async def raw_capture(datasette: Any, request: Request) -> Response:
    """The archived response body, from its WARC record, with headers that make it inert."""
    db, capture = await lookup(datasette, request, "captures", reading.capture)
    try:  # reading and gunzipping the record is blocking work: off the event loop
        result = await asyncio.get_running_loop().run_in_executor(
            None, replay, capture, warc_dir(datasette, db.name)
        )
    except ReplayError as exc:
        raise DatasetteError(str(exc), title="This capture cannot be replayed", status=exc.status) from exc
    headers = dict(result.headers)
    return Response(result.body, status=200, headers=headers, content_type=headers.pop("Content-Type"))


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        # [0-9], not \d: ASCII digits only; no sign, as the archive's ids count up from 1
        (r"^/-/archiver/(?P<database>[^/]+)$", archive_page),
        (r"^/-/archiver/(?P<database>[^/]+)/article/(?P<id>[0-9]+)$", article_page),
        (r"^/-/archiver/(?P<database>[^/]+)/story/(?P<id>[0-9]+)$", story_page),
        (r"^/-/archiver/(?P<database>[^/]+)/version/(?P<id>[0-9]+)$", version_page),
        (r"^/-/archiver/(?P<database>[^/]+)/capture/(?P<id>[0-9]+)/raw$", raw_capture),
    ]
