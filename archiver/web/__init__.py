"""The archive in Datasette: the archiver's plugin (entry point ``datasette: archiver = archiver.web``).

- ``/-/archiver/DB/article/ID``: a readable article page, linked from ``articles.title``;
- ``/-/archiver/DB/capture/ID/raw``: the archived response body, read from its WARC
  record and served inert (see :mod:`archiver.web.replay`);
- links from table cells and canned-query columns to both;
- every connection to an archive is read-only (``PRAGMA query_only``) unless the
  metadata says ``plugins: archiver: writable: true``;
- error pages that work whether or not ``rich`` is installed (see :mod:`archiver.web.error_pages`).

Every hook acts on archives only (:mod:`archiver.web.archives`): another
database, or another Datasette in the same environment, is left as it was.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from datasette import hookimpl
from datasette.database import Database
from datasette.utils.asgi import NotFound, Request, Response
from datasette.views.base import DatasetteError
from markupsafe import Markup, escape

from ..storage import reading
from . import archives
from .error_pages import handle_exception  # noqa: F401  (a hook: registered with this module)
from .replay import ReplayError, replay

ARTICLE_PATH = "/-/archiver/{database}/article/{id}"
RAW_PATH = "/-/archiver/{database}/capture/{id}/raw"
SQLITE_MAX_ROWID = 2**63 - 1  # a larger id cannot be a row, and sqlite3 refuses to bind it


def _config(datasette: Any, database: str | None) -> dict[str, Any]:
    return datasette.plugin_config("archiver", database=database) or {}


def warc_dir(datasette: Any, database: str) -> Path:
    """The archive's WARC directory: ``plugins.archiver.warc_dir``, else ``warcs`` beside the database."""
    db = datasette.get_database(database)
    base = Path(db.path).resolve().parent if db.path else Path.cwd()
    return base / _config(datasette, database).get("warc_dir", "warcs")


def _link(datasette: Any, template: str, database: str, id: Any, label: Any, title: str) -> Markup:
    href = datasette.urls.path(template.format(database=quote(database), id=int(id)))
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
    if column == "diff" and table in ("versions", None):
        return Markup('<pre class="archiver-diff">{}</pre>').format(value)
    if table is not None:
        return None
    # canned and custom queries
    if column == "article_id":
        return _link(datasette, ARTICLE_PATH, database, value, f"article {value}", "read the article")
    if column == "raw_capture":
        return _link(datasette, RAW_PATH, database, value, "raw", "the archived response")
    label = _highlighted(value) if isinstance(value, str) and "<mark>" in value else None
    if column == "title" and _get(row, "article_id") is not None:
        return _link(datasette, ARTICLE_PATH, database, row["article_id"], label or value, "read the article")
    return label


async def _lookup(datasette: Any, request: Request, table: str, query: Callable[..., Any]) -> tuple[Database, Any]:
    """The database named in the URL, and the row of ``table`` that ``query`` finds for the URL's id."""
    name = request.url_vars["database"]
    try:
        db = datasette.get_database(name)
    except KeyError:
        raise NotFound(f"There is no database {name}.") from None
    if not await archives.is_archive(datasette, name):
        raise NotFound(f"The database {name} is not an archive.")
    await datasette.ensure_permissions(
        request.actor, [("view-table", (name, table)), ("view-database", name), "view-instance"]
    )
    row_id = int(request.url_vars["id"])
    row = None if row_id > SQLITE_MAX_ROWID else await db.execute_fn(lambda conn: query(conn, row_id))
    if row is None:
        raise NotFound(f"There is no {table.rstrip('s')} {row_id} in {name}.")
    return db, row


async def article_page(datasette: Any, request: Request) -> Response:
    """The article as a reader wants it: title, byline, date, clean text, and its captures."""
    db, article = await _lookup(datasette, request, "articles", reading.article)
    captures = await db.execute_fn(lambda conn: reading.captures_of(conn, article["url"]))
    links = {c["id"]: datasette.urls.path(RAW_PATH.format(database=quote(db.name), id=c["id"])) for c in captures}
    flags = [name[5:].replace("_", " ") for name, value in article.items() if name.startswith("flag_") and value]
    paragraphs = [line for line in (article["text"] or "").splitlines() if line.strip()]
    description = (article["description"] or "").rstrip(" .…")
    context = {
        "database": db.name,
        "article": article,
        "paragraphs": paragraphs,
        # many sites' description is just the first paragraph cut short: not worth showing twice
        "description": None if paragraphs and paragraphs[0].startswith(description[:80]) else description,
        "flags": flags,
        "captures": captures,
        "raw_links": links,
        "row_url": datasette.urls.row(db.name, "articles", str(article["id"])),
    }
    return Response.html(await datasette.render_template("archiver_article.html", context, request=request))


async def raw_capture(datasette: Any, request: Request) -> Response:
    """The archived response body, from its WARC record, with headers that make it inert."""
    db, capture = await _lookup(datasette, request, "captures", reading.capture)
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
        (r"^/-/archiver/(?P<database>[^/]+)/article/(?P<id>[0-9]+)$", article_page),
        (r"^/-/archiver/(?P<database>[^/]+)/capture/(?P<id>[0-9]+)/raw$", raw_capture),
    ]
