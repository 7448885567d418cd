"""The archive's own pages: its landing page, an article, a story across sites, a version beside the one before.

Each handler reads through :mod:`archiver.storage.reading` or
:mod:`archiver.storage.overview` on Datasette's read thread (``execute_fn``)
and formats here, on the event loop (charts, dates: small, bounded work); the
comparison of two versions runs in the default executor's threads.  Every
query is bounded (see those modules).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any, Callable
from urllib.parse import quote

from datasette.database import Database
from datasette.utils.asgi import NotFound, Request, Response

from archiver.storage import overview, reading
from archiver.web import archives, charts, diffview, formats

ARCHIVE_PATH = "/-/archiver/{database}"
ARTICLE_PATH = "/-/archiver/{database}/article/{id}"
RAW_PATH = "/-/archiver/{database}/capture/{id}/raw"
STORY_PATH = "/-/archiver/{database}/story/{id}"
VERSION_PATH = "/-/archiver/{database}/version/{id}"
SQLITE_MAX_ROWID = 2**63 - 1  # a larger id cannot be a row, and sqlite3 refuses to bind it
SITES_COLORED = len(charts.PALETTE)  # the sites with most articles get a colour each; the rest share grey
PROBLEMS_SHOWN = 5  # the latest problems listed, and their most common reasons


def path(datasette: Any, template: str, database: str, id: Any = None) -> str:
    """The URL path of one of the archiver's pages (an id that is not a row id gives none)."""
    if id is not None and not isinstance(id, int):
        return ""
    return datasette.urls.path(template.format(database=quote(database), id=id))


async def archive_db(datasette: Any, request: Request, table: str | None = None) -> Database:
    """The archive database named in the URL, once the actor may see it (and ``table``)."""
    name = request.url_vars["database"]
    try:
        db = datasette.get_database(name)
    except KeyError:
        raise NotFound(f"There is no database {name}.") from None
    if not await archives.is_archive(datasette, name):
        raise NotFound(f"The database {name} is not an archive.")
    checks: list[Any] = [("view-database", name), "view-instance"]
    if table:
        checks.insert(0, ("view-table", (name, table)))
    await datasette.ensure_permissions(request.actor, checks)
    return db


async def lookup(datasette: Any, request: Request, table: str, query: Callable[..., Any]) -> tuple[Database, Any]:
    """The archive named in the URL, and the row of ``table`` that ``query`` finds for the URL's id."""
    db = await archive_db(datasette, request, table)
    row_id = int(request.url_vars["id"])
    row = None if row_id > SQLITE_MAX_ROWID else await db.execute_fn(lambda conn: query(conn, row_id))
    if row is None:
        raise NotFound(f"There is no {table.rstrip('s')} {row_id} in {db.name}.")
    return db, row


async def _render(datasette: Any, request: Request, template: str, context: dict[str, Any]) -> Response:
    context = {"time_tag": formats.time_tag, "short": formats.short_description, **context}
    return Response.html(await datasette.render_template(template, context, request=request))


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:  # a first_seen not written by the archiver
        return None


def _per_day_chart(per_day: list[dict[str, Any]]) -> tuple[Any, dict[str, str], list[tuple[date, list[int]]]]:
    """The articles-a-day chart (a stacked bar a day, a colour a site), its legend (site -> colour) and figures.

    The figures are the chart's: a row a day, a number a legend entry (the
    sites with most articles, then the others together).
    """
    per_day = [dict(row, day=_day(row["day"]), site=row["site"] or "?") for row in per_day if _day(row["day"])]
    if not per_day:
        return None, {}, []
    totals = Counter()
    for row in per_day:
        totals[row["site"]] += row["articles"]
    named = [site for site, _ in totals.most_common(SITES_COLORED)]
    legend = charts.colors(named)
    if len(totals) > len(named):
        legend["other sites"] = charts.OTHER
    first, last = min(row["day"] for row in per_day), max(row["day"] for row in per_day)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    values = {label: [0] * len(days) for label in legend}
    for row in per_day:
        values[row["site"] if row["site"] in named else "other sites"][(row["day"] - first).days] += row["articles"]
    series = [charts.Series(label, values[label], color) for label, color in legend.items()]
    others = sum(totals.values()) - sum(totals[site] for site in named)
    description = (f"{sum(totals.values()):,} articles archived from {first:%d %b %Y} to {last:%d %b %Y}, by site: "
                   + ", ".join(f"{site} {totals[site]:,}" for site in named)
                   + (f", {len(totals) - len(named)} other sites {others:,}" if others else ""))
    chart = charts.bar_chart("Articles archived per day, by site", description,
                             [f"{d.day} {d:%b}" for d in days], series, unit="articles from")
    figures = [(day, [values[label][n] for label in legend]) for n, day in enumerate(days)]
    return chart, legend, figures


def _crawl_chart(crawls: list[dict[str, Any]]) -> Any:
    """Fetched and failed per crawl, side by side."""
    if not crawls:
        return None
    fetched = [row["fetched"] or 0 for row in crawls]
    failed = [row["failed"] or 0 for row in crawls]
    description = "; ".join(f"crawl {row['id']} ({row['spider']}, {formats.readable_date(row['started_at'])}): "
                            f"{row['fetched'] or 0} fetched, {row['failed'] or 0} failed" for row in crawls)
    return charts.bar_chart("Pages fetched and failed per crawl", description, [f"#{row['id']}" for row in crawls],
                            [charts.Series("fetched", fetched, charts.PALETTE[0]),
                             charts.Series("failed", failed, charts.PALETTE[5])], stacked=False, unit="pages")


def _sites(value: str | None) -> list[str]:
    try:
        found = json.loads(value or "[]")
    except ValueError:
        return []
    return [str(site) for site in found] if isinstance(found, list) else []


async def archive_page(datasette: Any, request: Request) -> Response:
    """The landing page: totals, articles a day, crawl health, recent stories, articles and problems."""
    db = await archive_db(datasette, request)

    def read(conn: Any) -> dict[str, Any]:
        return {"totals": overview.totals(conn), "per_day": overview.articles_per_day(conn),
                "crawls": overview.crawl_health(conn), "stories": overview.recent_stories(conn),
                "articles": overview.recent_articles(conn), "problems": overview.recent_problems(conn, PROBLEMS_SHOWN)}

    data = await db.execute_fn(read)
    per_day, legend, figures = _per_day_chart(data["per_day"])
    for story in data["stories"]:
        story["site_count"] = len(_sites(story["sites"]))
    return await _render(datasette, request, "archiver_archive.html", {
        **data,
        "database": db.name,
        "title": datasette.metadata("title", database=db.name) or db.name,
        "per_day_chart": per_day,
        "legend": legend,
        "figures": figures,
        "crawl_chart": _crawl_chart(data["crawls"]),
        "days": overview.DAYS,
        "links": {
            "article": lambda id: path(datasette, ARTICLE_PATH, db.name, id),
            "story": lambda id: path(datasette, STORY_PATH, db.name, id),
            "raw": lambda id: path(datasette, RAW_PATH, db.name, id),
            "database": datasette.urls.database(db.name),
            "table": lambda table: datasette.urls.table(db.name, table),
            "query": lambda query: datasette.urls.database(db.name) + "/" + query,
        },
    })


async def article_page(datasette: Any, request: Request) -> Response:
    """The article as a reader wants it: title, byline, date, clean text, its versions, story and captures."""
    db, article = await lookup(datasette, request, "articles", reading.article)

    def read(conn: Any) -> dict[str, Any]:
        return {"captures": reading.captures_of(conn, article["url"]),
                "versions": reading.versions_of(conn, article["url"]),
                "story": reading.story(conn, article["story_id"]) if article.get("story_id") else None}

    data = await db.execute_fn(read)
    paragraphs = formats.paragraphs_under(article["title"], article["text"])
    description = formats.short_description(article["description"])
    # many sites' description is just the first paragraph (after a dateline, maybe) cut short: not worth showing twice
    if description and any(formats.folded(p).startswith(formats.folded(description.rstrip("…"))) for p in paragraphs[:3]):
        description = None
    return await _render(datasette, request, "archiver_article.html", {
        **data,
        "database": db.name,
        "article": article,
        "site_name": formats.site_name(article["sitename"], article["title"], article["site"]),
        "paragraphs": paragraphs,
        "description": description,
        "flags": [name[5:].replace("_", " ") for name, value in article.items() if name.startswith("flag_") and value],
        "raw_links": {c["id"]: path(datasette, RAW_PATH, db.name, c["id"]) for c in data["captures"]},
        "version_link": lambda id: path(datasette, VERSION_PATH, db.name, id),
        "story_link": path(datasette, STORY_PATH, db.name, article["story_id"]) if data["story"] else None,
        "copy_link": path(datasette, ARTICLE_PATH, db.name, article["copy_of"]) if article.get("copy_of") else None,
        "row_url": datasette.urls.row(db.name, "articles", str(article["id"])),
    })


def _moment(article: dict[str, Any]) -> datetime | None:
    for value in (article["date"], article["first_seen"]):
        try:
            moment = datetime.fromisoformat(str(value)) if value else None
            if moment is not None:
                return moment.replace(tzinfo=None) - (moment.utcoffset() or timedelta())
        except (ValueError, OverflowError):  # not a date, or one at the edge of time
            continue
    return None


async def story_page(datasette: Any, request: Request) -> Response:
    """A story's articles on a time line, a lane per site, copies ringed; and the list of them."""
    db, story = await lookup(datasette, request, "stories", reading.story)
    articles = await db.execute_fn(lambda conn: reading.story_articles(conn, story["id"]))
    points = []
    for article in articles:
        article["site_name"] = formats.site_name(article["sitename"], article["title"], article["site"])
        article["link"] = path(datasette, ARTICLE_PATH, db.name, article["id"])
        moment = _moment(article)
        if moment is not None:
            copy = f" (a copy of article {article['copy_of']})" if article["copy_of"] else ""
            points.append(charts.Point(article["site"] or "?", moment, f"{article['title']}, "
                                       f"{article['site_name']}, {formats.readable_date(article['date'] or article['first_seen'])}{copy}",
                                       article["link"], bool(article["copy_of"])))
    names: dict[str, set[str]] = {}
    for article in articles:
        names.setdefault(article["site"] or "?", set()).add(article["site_name"])
    # a lane is a host; named after its publication when all its articles give the same name
    lanes = {host: f"{next(iter(found))} · {host}" if len(found) == 1 and host not in found else host
             for host, found in names.items()}
    chart = charts.timeline(f"Story {story['id']}: its articles in time, by site",
                            f"{len(points)} articles on {len({p.lane for p in points})} sites; ringed points are copies "
                            "of an earlier article.", points, lanes) if points else None
    return await _render(datasette, request, "archiver_story.html", {
        "database": db.name, "story": story, "articles": articles, "chart": chart,
        "shown_all": len(articles) >= (story["articles"] or 0), "limit": reading.LISTED,
        "query_link": datasette.urls.database(db.name) + f"/story?story_id={story['id']}",
        "article_link": lambda id: path(datasette, ARTICLE_PATH, db.name, id),
    })


async def version_page(datasette: Any, request: Request) -> Response:
    """A version of an article beside the one before it, the changed words marked."""
    db, version = await lookup(datasette, request, "versions", reading.version)
    first = version["previous_id"] is None
    # comparing two long texts is CPU work (bounded, see diffview): off the event loop, as replay is
    comparison = None if first else await asyncio.get_running_loop().run_in_executor(
        None, diffview.compare, version["previous_text"], version["text"])
    title_old, title_new = diffview.words_marked(version["previous_title"] or "", version["title"] or "")
    number = version["number"] if isinstance(version["number"], int) else 0
    neighbours = await db.execute_fn(lambda conn: {n: reading.version_id(conn, version["url"], n) for n in (number - 1, number + 1)})
    return await _render(datasette, request, "archiver_version.html", {
        "database": db.name, "version": version, "number": number, "comparison": comparison,
        "paragraphs": formats.paragraphs_under(None, version["text"]) if first else [],
        "title_changed": (version["previous_title"] or "") != (version["title"] or ""),
        "title_old": title_old, "title_new": title_new,
        "article_link": path(datasette, ARTICLE_PATH, db.name, version["article_id"]) if version["article_id"] else None,
        "previous_link": path(datasette, VERSION_PATH, db.name, neighbours[number - 1]) if neighbours[number - 1] else None,
        "next_link": path(datasette, VERSION_PATH, db.name, neighbours[number + 1]) if neighbours[number + 1] else None,
        "raw_link": path(datasette, RAW_PATH, db.name, version["capture_id"]) if version["capture_id"] else None,
    })
