"""The archive's landing, story and version pages on a big archive: what each page's queries cost.

    python bench/dashboard.py [ARTICLES]      (default 100,000)

Fills a new archive (the shipped schema, every migration) with ARTICLES
articles over 90 days from 200 sites, three captures an article, a crawl a
day, a story for every two articles and a second version for one in ten;
then times, best of five, every query the landing page runs
(and the page itself, served by Datasette in process)
(:mod:`archiver.storage.overview`) and a story's and a version's, and prints
the query plans, so that a full scan shows.  Nothing here is a test: the
figures go in the report.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from datasette.app import Datasette

from archiver.storage import Storage, overview, reading
from archiver.web.metadata import metadata

DAYS = 90
SITES = 200


def fill(path: Path, articles: int) -> None:
    Storage(path).close()
    rng = random.Random(1)
    start = datetime(2026, 9, 1, tzinfo=timezone.utc)
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO crawls (id, spider, started_at, finished_at, fetched, failed, new) VALUES (?, 'sitemap', ?, ?, ?, ?, ?)",
                         [(d + 1, (start + timedelta(days=d)).isoformat(), (start + timedelta(days=d, hours=1)).isoformat(),
                           3 * articles // DAYS, rng.randrange(100), articles // DAYS) for d in range(DAYS)])
        captures, rows, versions = [], [], []
        for n in range(1, articles + 1):
            day = (n - 1) * DAYS // articles
            when = (start + timedelta(days=day, seconds=rng.randrange(86400))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            site = f"site{rng.randrange(SITES)}.example"
            url = f"https://{site}/{n}"
            for k in range(3):
                status = 200 if k == 0 else rng.choice([200, 304, 404, 500, None])
                captures.append((3 * n - 2 + k, url, site, status, when, day + 1, None if status else "TimeoutError: took too long"))
            rows.append((n, url, 3 * n - 2, f"Title {n}", site, f"Site {site}", when, when, day + 1, (n + 1) // 2,
                         "one paragraph\nanother paragraph\n" * 20))
            versions.append((url, 1, 3 * n - 2, f"Title {n}", "one\ntwo\nthree", when, when))
            if n % 10 == 0:
                versions.append((url, 2, 3 * n - 1, f"Title {n}", "one\ntwo changed\nthree", when, when))
        conn.executemany("INSERT INTO captures (id, url, host, status, fetched_at, crawl_id, error) VALUES (?, ?, ?, ?, ?, ?, ?)", captures)
        conn.executemany("INSERT INTO articles (id, url, capture_id, title, site, sitename, first_seen, date, crawl_id, story_id, text) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.executemany("INSERT INTO versions (url, number, capture_id, title, text, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)", versions)
        conn.execute("INSERT INTO stories (id, articles, sites, first_seen, last_seen, title) SELECT story_id, count(*), "
                     "json_group_array(site), min(date), max(date), min(title) FROM articles GROUP BY story_id")
        conn.execute("INSERT INTO site_stats (site, articles, words) SELECT site, count(*), 0 FROM articles GROUP BY site")
    conn.execute("ANALYZE")
    conn.close()


def best(conn: sqlite3.Connection, call) -> float:
    times = []
    for _ in range(5):
        began = time.perf_counter()
        call(conn)
        times.append(time.perf_counter() - began)
    return min(times) * 1000


def page_ms(path: Path, url: str) -> float:
    """The page's time through Datasette, with the shipped metadata and the plugin (best of 3)."""
    ds = Datasette([str(path)], metadata=metadata(path.stem))
    times = []
    for _ in range(3):
        began = time.perf_counter()
        assert asyncio.run(ds.client.get(url)).status_code == 200
        times.append(time.perf_counter() - began)
    return min(times) * 1000


def main() -> None:
    articles = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "archive.db"
        began = time.perf_counter()
        fill(path, articles)
        print(f"{articles:,} articles, {3 * articles:,} captures, {DAYS} crawls: filled in {time.perf_counter() - began:.0f} s")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        version = conn.execute("SELECT id FROM versions WHERE number = 2 ORDER BY id DESC LIMIT 1").fetchone()[0]
        calls = {
            "totals": overview.totals,
            "articles_per_day": overview.articles_per_day,
            "crawl_health": overview.crawl_health,
            "recent_stories": overview.recent_stories,
            "recent_articles": overview.recent_articles,
            "recent_problems": overview.recent_problems,
            "story + its articles": lambda c: reading.story_articles(c, reading.story(c, 7)["id"]),
            "version + the one before": lambda c: reading.version(c, version),
        }
        total = 0.0
        for name, call in calls.items():
            ms = best(conn, call)
            total += ms if name in list(calls)[:6] else 0
            print(f"{name:28} {ms:8.1f} ms")
        print(f"{'landing page, all queries':28} {total:8.1f} ms")
        print(f"{'landing page, served':28} {page_ms(path, '/-/archiver/archive'):8.1f} ms (Datasette in process, best of 3)")
        print("\nplan of articles_per_day:")
        for row in conn.execute("EXPLAIN QUERY PLAN SELECT substr(a.first_seen, 1, 10), a.site, count(*) FROM articles a "
                                "WHERE a.first_seen >= '2026-11-01' GROUP BY 1, 2"):
            print("  ", row[-1])


if __name__ == "__main__":
    main()
