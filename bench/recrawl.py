"""What a re-check of an unchanged site adds to the archive, as a share of the first crawl.

    python bench/recrawl.py              # 900 corpus pages
    python bench/recrawl.py --pages 200

Serves the pages of ../shared/corpus/real-pages on loopback, crawls them once
(``scrapy crawl article -a urls=FILE``, as a user would), then re-checks every
one (``-a recrawl=1``) with nothing changed, twice over:

- a server that sends no validators: each page comes back as the same 200,
  written as an identical-payload-digest ``revisit`` record;
- a server that sends ``ETag`` and answers ``If-None-Match`` with 304, written
  as a server-not-modified ``revisit`` record.

It prints the bytes the re-check added to the WARC files and to the database
(after a WAL checkpoint), each as a share of what the first crawl wrote.
The target is under 5%.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "real-pages" / "html"
SETTINGS = {"AUTOTHROTTLE_ENABLED": "0", "CONCURRENT_REQUESTS": "32", "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
            "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": "0"}


def _serve(port_value, names: list[str], validators: bool) -> None:
    """Serve the pages; with validators, an ETag per page and 304 to a matching If-None-Match."""
    pages = {name: (CORPUS / name).read_bytes() for name in names}
    etags = {name: b'"%s"' % hashlib.sha1(body).hexdigest()[:20].encode() for name, body in pages.items()}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                name = head.split(b" ", 2)[1].decode().rsplit("/", 1)[-1]
                extra = b""
                if name not in pages:
                    status, body = b"404 Not Found", b""
                elif validators and b"if-none-match: " + etags[name] in head.lower():
                    status, body, extra = b"304 Not Modified", b"", b"ETag: %s\r\n" % etags[name]
                else:
                    status, body = b"200 OK", pages[name]
                    extra = b"ETag: %s\r\n" % etags[name] if validators else b""
                writer.write(b"HTTP/1.1 %s\r\nContent-Type: text/html\r\n%sContent-Length: %d\r\n\r\n"
                             % (status, extra, len(body)) + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=512)
        port_value.value = server.sockets[0].getsockname()[1]
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def _crawl(tmp: Path, url_file: Path, *args: str) -> float:
    command = [sys.executable, "-m", "scrapy", "crawl", "article", "-a", f"urls={url_file}", *args,
               "-s", f"ARCHIVER_DB={tmp / 'archive.db'}", "-s", f"ARCHIVER_WARC_DIR={tmp / 'warcs'}"]
    for key, value in SETTINGS.items():
        command += ["-s", f"{key}={value}"]
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - start


def _sizes(tmp: Path) -> tuple[int, int]:
    """Bytes of the WARC files, and of the database once its WAL is checkpointed."""
    with sqlite3.connect(tmp / "archive.db") as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    warc = sum(path.stat().st_size for path in (tmp / "warcs").iterdir())
    return warc, (tmp / "archive.db").stat().st_size


def run(names: list[str], validators: bool) -> dict[str, float]:
    port = multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=_serve, args=(port, names, validators), daemon=True)
    server.start()
    while not port.value:
        time.sleep(0.05)
    try:
        with tempfile.TemporaryDirectory(prefix="recrawl-") as name:
            tmp = Path(name)
            url_file = tmp / "urls.txt"
            url_file.write_text("".join(f"http://127.0.0.1:{port.value}/{n}\n" for n in names))
            first_seconds = _crawl(tmp, url_file)
            warc1, db1 = _sizes(tmp)
            again_seconds = _crawl(tmp, url_file, "-a", "recrawl=1")
            warc2, db2 = _sizes(tmp)
            with sqlite3.connect(tmp / "archive.db") as conn:
                revisits = conn.execute("SELECT count(*) FROM captures WHERE revisit IS NOT NULL").fetchone()[0]
                versions = conn.execute("SELECT count(*) FROM versions").fetchone()[0]
                articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        server.terminate()
    return {"warc1": warc1, "db1": db1, "warc_added": warc2 - warc1, "db_added": db2 - db1,
            "revisits": revisits, "versions": versions, "articles": articles,
            "first_s": first_seconds, "again_s": again_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=900)
    names = sorted(p.name for p in CORPUS.glob("*.html"))[: parser.parse_args().pages]
    print(f"{len(names)} corpus pages, crawled once, then re-checked with nothing changed\n")
    print("| server | first crawl: WARC, DB | re-check adds: WARC, DB | share of first crawl | revisit records | "
          "versions / articles | seconds: first, re-check |")
    print("|---|---|---|---|---|---|---|")
    for label, validators in (("no validators (same 200)", False), ("ETag, 304", True)):
        r = run(names, validators)
        total1, added = r["warc1"] + r["db1"], r["warc_added"] + r["db_added"]
        print(f"| {label} | {r['warc1'] / 1e6:.1f} MB, {r['db1'] / 1e6:.1f} MB "
              f"| {r['warc_added'] / 1e3:.0f} kB, {r['db_added'] / 1e3:.0f} kB "
              f"| WARC {100 * r['warc_added'] / r['warc1']:.1f}%, DB {100 * r['db_added'] / r['db1']:.1f}%, "
              f"both {100 * added / total1:.1f}% "
              f"| {r['revisits']} | {r['versions']} / {r['articles']} | {r['first_s']:.0f}, {r['again_s']:.0f} |")


if __name__ == "__main__":
    main()
