"""One archive made the way a user's grows: crawls of five news sites, a failing site and a changing one, days apart.

Built once a test session (several test files look at it): a crawl of the
five story sites (one story told by all five, exact and near copies, two
other stories), a crawl of the news site with its 404, refused URL and PDF
(the problems), then two crawls of the changing site, a paragraph rewritten
between them (second versions).  The crawls ran minutes apart; to show the
days an archive spans, each crawl's rows are then dated a day after the one
before it, as a crawl a day would have made them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from changingsite import ChangingSite
from conftest import Crawl, run_crawl
from newssite import NewsSite
from storysite import EXACT_COPY, NEAR_COPY, SEED_PATH, STORY_NETWORK, UNRELATED_PATH, started

CHANGED_PATH = "/plain/1"
NEW_PARAGRAPH = ("Engineers told the council the work would take two years and cost about fifty million euros, "
                 "most of it paid by the regional government.")
# every dated column of the rows a crawl made, by table and the column that says which crawl made it
DATED = {"crawls": ("id", ["started_at", "finished_at"]), "captures": ("crawl_id", ["fetched_at"]),
         "articles": ("crawl_id", ["extracted_at", "last_checked_at", "last_changed_at"]),
         # first archived by the crawl that made the URL's first version
         "articles ": ("(SELECT c.crawl_id FROM versions v JOIN captures c ON c.id = v.capture_id "
                       "WHERE v.url = articles.url AND v.number = 1)", ["first_seen"])}


@dataclass
class DashboardArchive:
    crawl: Crawl
    story_urls: dict[str, str]  # the seed write-up's URL by site key
    changed_url: str


_built: list[DashboardArchive] = []  # the session's archive, once built


def build(tmp_path_factory: pytest.TempPathFactory, news_site: NewsSite, crawl_urls: dict[str, str]) -> DashboardArchive:
    """The archive (built on the first call of the test session, in a folder of its own)."""
    if _built:
        return _built[0]
    tmp = tmp_path_factory.mktemp("dashboard")
    settings = {"ARCHIVER_ALLOW_NETWORKS": STORY_NETWORK}
    sites = started()
    changing = ChangingSite().start()
    try:
        story_urls = {key: site.url(SEED_PATH) for key, site in sites.items()}
        urls = [*story_urls.values(), *(site.url(UNRELATED_PATH) for site in sites.values()),
                sites[EXACT_COPY[0]].url(EXACT_COPY[1]), sites[NEAR_COPY[0]].url(NEAR_COPY[1])]
        crawls = [run_crawl(tmp, "article", {"url": ",".join(urls)}, settings),
                  run_crawl(tmp, "article", {"url": ",".join(crawl_urls.values())}, settings)]
        changing_urls = ",".join(changing.article_urls())
        crawls.append(run_crawl(tmp, "article", {"url": changing_urls}, settings))
        changing.articles[CHANGED_PATH].body[1] = NEW_PARAGRAPH
        crawls.append(run_crawl(tmp, "article", {"url": changing_urls, "recrawl": "1"}, settings))
        changed_url = changing.url(CHANGED_PATH)
    finally:
        changing.stop()
        for site in sites.values():
            site.stop()
    for crawl in crawls:
        assert crawl.returncode == 0, crawl.stderr[-3000:]
    _spread_over_days(tmp / "archive.db", len(crawls))
    _built.append(DashboardArchive(crawls[-1], story_urls, changed_url))
    return _built[0]


def _spread_over_days(db_path: Path, crawls: int) -> None:
    """Date crawl N's rows N - crawls days back (the last crawl keeps its times)."""
    with sqlite3.connect(db_path) as conn:
        for crawl_id in range(1, crawls + 1):
            shift = f"-{crawls - crawl_id} days"
            for table, (key, columns) in DATED.items():
                # the seconds' fraction and zone kept as they were written
                sets = ", ".join(f"{c} = strftime('%Y-%m-%dT%H:%M:%S', {c}, '{shift}') || substr({c}, 20)" for c in columns)
                conn.execute(f"UPDATE {table.strip()} SET {sets} WHERE {key} = ?", [crawl_id])
        # versions: first and last seen follow the captures they came from
        conn.execute("UPDATE versions SET first_seen = (SELECT fetched_at FROM captures WHERE id = versions.capture_id), "
                     "last_seen = (SELECT fetched_at FROM captures WHERE id = versions.capture_id)")
