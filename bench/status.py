"""How long ``archiver status`` takes on an archive of 100,000 articles, and the query plans it uses.

    python bench/status.py [ARTICLES]

Builds the archive in a temporary folder: the schema through
:class:`archiver.storage.Storage` (every migration), then rows in bulk with
sqlite-utils: 20 crawls, a capture per article and one failed capture in
four, a version per article and a second one in five, a story per three
articles, 40 sites, re-checks spread over the past and next two weeks, and
a WARC directory of 200 files.  Then it times ``archiver status`` as a user
runs it (a fresh process, import included: the median of five runs) and the
queries alone, and prints each query's plan (SQLite's EXPLAIN QUERY PLAN):
each must search an index or count a table, never scan articles or captures.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archiver.cli.status import read_status  # noqa: E402
from archiver.values.dates import iso_utc  # noqa: E402
from archiver.storage import Storage  # noqa: E402
from archiver.storage import status as queries  # noqa: E402

CRAWLS = 20
SITES = 40
ERRORS = ["HTTP 404 Not Found", "HTTP 503 Service Unavailable", "TimeoutError: Getting {url} took longer than 180 s",
          "refused: 10.0.0.5 is a private address; allow it with -s ARCHIVER_ALLOW_NETWORKS=10.0.0.0/8",
          "not fetched: Forbidden by robots.txt"]


def build(folder: Path, articles: int) -> Path:
    """The archive database in ``folder`` (and its WARC directory)."""
    path = folder / "archive.db"
    storage = Storage(path)
    db = storage.db
    rng = random.Random(31)
    now = datetime.now(timezone.utc)
    per_crawl = articles // CRAWLS + 1
    db["crawls"].insert_all(
        {"id": c + 1, "spider": "sitemap", "args": "{}", "started_at": iso_utc(now - timedelta(hours=CRAWLS - c)),
         "finished_at": iso_utc(now - timedelta(hours=CRAWLS - c, minutes=-20)), "finish_reason": "finished",
         "stats": "{}", "found": per_crawl, "fetched": per_crawl, "new": per_crawl, "failed": per_crawl // 4}
        for c in range(CRAWLS))

    def captures():
        for n in range(articles):
            url = f"https://site{n % SITES}.example/news/{n}.html"
            yield {"id": n + 1, "url": url, "method": "GET", "status": 200, "reason": "OK", "size": 40_000,
                   "fetched_at": iso_utc(now), "crawl_id": n // per_crawl + 1, "host": f"site{n % SITES}.example",
                   "warc_filename": f"archiver-{n % 200:05d}.warc.gz", "warc_offset": n * 9000, "warc_length": 9000}
        for n in range(articles // 4):
            url = f"https://site{n % SITES}.example/missing/{n}.html"
            error = rng.choice(ERRORS).format(url=url)
            yield {"id": articles + n + 1, "url": url, "method": "GET", "status": 404 if error.startswith("HTTP 4") else
                   (503 if error.startswith("HTTP 5") else None), "fetched_at": iso_utc(now), "error": error,
                   "crawl_id": n * 4 // per_crawl + 1, "host": f"site{n % SITES}.example"}

    db["captures"].insert_all(captures(), batch_size=5000)

    def article_rows():
        for n in range(articles):
            due = now + timedelta(minutes=rng.randint(-14 * 24 * 60, 14 * 24 * 60))
            yield {"id": n + 1, "url": f"https://site{n % SITES}.example/news/{n}.html", "capture_id": n + 1,
                   "title": f"Story {n}", "text": f"Paragraph of story {n}.", "word_count": 4,
                   "site": f"site{n % SITES}.example", "crawl_id": n // per_crawl + 1, "story_id": n // 3 + 1,
                   "extracted_at": iso_utc(now), "next_check_at": iso_utc(due), "version_id": n + 1}

    db["articles"].insert_all(article_rows(), batch_size=5000)
    db["stories"].insert_all(({"id": s + 1, "articles": 3, "title": f"Story {s * 3}"} for s in range(articles // 3 + 1)),
                             batch_size=5000)
    db["versions"].insert_all(({"url": f"https://site{n % SITES}.example/news/{n}.html", "number": 1 + (n >= articles),
                                "capture_id": n % articles + 1, "title": f"Story {n}"}
                               for n in range(articles + articles // 5)), batch_size=5000)
    storage.commit()
    storage.close()
    warcs = folder / "warcs"
    warcs.mkdir()
    for n in range(200):
        (warcs / f"archiver-{n:05d}.warc.gz").write_bytes(b"\0" * 50_000)
    return path


def plans(path: Path) -> None:
    """Each query of ``archiver status`` with its plan."""
    conn = queries.open_read_only(path)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    queries.totals(conn, iso_utc())
    crawl_id = queries.last_crawls(conn)[0]["id"]
    queries.crawl_failures(conn, crawl_id)
    conn.set_trace_callback(None)
    for sql in statements:
        if not sql.lstrip().upper().startswith("SELECT") or "sqlite_master" in sql:
            continue
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
        print(f"  {sql[:90]}\n      {'; '.join(plan)}")
    conn.close()


def main() -> None:
    articles = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-status-") as tmp:
        started = time.perf_counter()
        path = build(Path(tmp), articles)
        print(f"built an archive of {articles:,} articles in {time.perf_counter() - started:.0f} s "
              f"({path.stat().st_size / 1e6:.0f} MB)")
        command = [sys.executable, "-m", "archiver.cli", "status", "--db", str(path)]
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
            runs.append(time.perf_counter() - started)
        print(done.stdout)
        print(f"archiver status: median {statistics.median(runs):.2f} s a run (a fresh process), "
              f"runs {', '.join(f'{r:.2f}' for r in runs)}")
        started = time.perf_counter()
        read_status(path, Path(tmp) / "warcs")
        print(f"the queries and the WARC directory alone: {(time.perf_counter() - started) * 1000:.0f} ms")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import archiver.cli"], cwd=ROOT, check=True)
        print(f"importing archiver.cli alone (a fresh process): {time.perf_counter() - started:.2f} s")
        print("query plans:")
        plans(path)


if __name__ == "__main__":
    main()
