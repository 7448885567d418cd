"""Distributed crawls on one machine: pages/s with 1, 2 and 3 workers, Redis cost per page, merge time.

    python bench/distributed.py                 # 300 pages per run
    python bench/distributed.py --pages 600

Starts redis-server on a free loopback port and the tests' many-page site
(tests/manysite.py, no pause per page), then runs ``scrapy crawl article -a
urls=FILE -s ARCHIVER_FRONTIER=...`` as 1, 2 and 3 worker processes, each
with its own shard, all with the same command.  It prints, per run, the wall
time from the first start to the last exit, pages per second, and what Redis
served per page (commands, from INFO's ``total_commands_processed``, and
bytes in and out).  Then ``archiver merge`` joins the 3 shards into a new
archive; the merge time is scaled to 10,000 articles (linear: every row and
each story filing is one indexed lookup).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from manysite import ManySite  # noqa: E402
from redisserver import RedisServer  # noqa: E402

SETTINGS = {"AUTOTHROTTLE_ENABLED": "0", "CONCURRENT_REQUESTS": "32", "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
            "LOG_LEVEL": "WARNING", "ARCHIVER_ALLOW_NETWORKS": "127.0.0.1/32", "ARCHIVER_EXTRACT_WORKERS": "1"}


def redis_counters(server: RedisServer) -> tuple[int, int]:
    info = server.client().info("stats")
    return int(info["total_commands_processed"]), int(info["total_net_input_bytes"]) + int(info["total_net_output_bytes"])


def run(workers: int, pages: int, tmp: Path, server: RedisServer) -> tuple[float, int, int, list[Path]]:
    """One crawl by ``workers`` processes: seconds, Redis commands and bytes, the shards."""
    server.flush()
    site = ManySite(pages=pages, paragraphs=12, pause=0.0).start()
    urls = tmp / "urls.txt"
    urls.write_text("\n".join(site.urls()) + "\n")
    commands, volume = redis_counters(server)
    started = time.monotonic()
    processes, shards = [], []
    for number in range(workers):
        shard = tmp / f"run{workers}-worker{number}.db"
        command = [sys.executable, "-m", "scrapy", "crawl", "article", "-a", f"urls={urls}",
                   "-s", f"ARCHIVER_DB={shard}", "-s", f"ARCHIVER_WARC_DIR={tmp / 'warcs'}",
                   "-s", f"ARCHIVER_FRONTIER={server.url}"]
        for key, value in SETTINGS.items():
            command += ["-s", f"{key}={value}"]
        processes.append(subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}))
        shards.append(shard)
    for process in processes:
        assert process.wait() == 0
    seconds = time.monotonic() - started
    commands_after, volume_after = redis_counters(server)
    site.stop()
    return seconds, commands_after - commands, volume_after - volume, shards


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    options = parser.parse_args()
    server = RedisServer().start()
    try:
        with tempfile.TemporaryDirectory(prefix="archiver-bench-") as name:
            tmp = Path(name)
            print("| workers | pages/s | seconds | Redis commands per page | Redis bytes per page |")
            print("|---|---|---|---|---|")
            shards: list[Path] = []
            for workers in (1, 2, 3):
                seconds, commands, volume, shards = run(workers, options.pages, tmp, server)
                print(f"| {workers} | {options.pages / seconds:.1f} | {seconds:.1f} | {commands / options.pages:.1f} | "
                      f"{volume / options.pages:,.0f} |", flush=True)
            started = time.monotonic()
            done = subprocess.run([sys.executable, "-m", "archiver.cli", "merge", str(tmp / "merged.db"),
                                   *map(str, shards), "--warc-dir", str(tmp / "warcs")],
                                  cwd=ROOT, capture_output=True, text=True)
            seconds = time.monotonic() - started
            assert done.returncode == 0, done.stderr
            print(f"\nmerge of 3 shards, {options.pages} articles: {seconds:.1f} s, "
                  f"{seconds / options.pages * 10_000:.0f} s per 10,000 articles")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
