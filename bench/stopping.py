"""Ctrl-C at random moments of a real crawl: how often it stops cleanly, and how long it takes.

Each try starts `scrapy crawl article` over a loopback site of 150 pages (in a
process group of its own, as a terminal starts it), waits a random number of
pages (0 to 120), sends SIGINT to the group as a terminal's Ctrl-C does, and
measures the time from the signal to the exit.  A stop is clean when the
crawl exits 0 with its row finished (`shutdown`), no `.open` WARC file left,
every capture's record readable and no traceback in the log.

    .venv/bin/python bench/stopping.py [--tries 10] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from archiver.formats.warc import read_response  # noqa: E402
from conftest import Crawl, start_crawl  # noqa: E402
from manysite import ManySite  # noqa: E402


def one_try(moment: int) -> tuple[bool, float, str]:
    """Stop one crawl after ``moment`` pages; (clean, seconds to exit, what was wrong)."""
    site = ManySite(pages=150, paragraphs=60).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp)
            urls = tmp_path / "urls.txt"
            urls.write_text("\n".join(site.urls()) + "\n")
            process = start_crawl(tmp_path, "article", {"urls": str(urls)}, own_group=True)
            site.wait_served(moment)
            os.killpg(process.pid, signal.SIGINT)
            signalled = time.monotonic()
            _, stderr = process.communicate(timeout=120)
            took = time.monotonic() - signalled
            crawl = Crawl(process.returncode, "", stderr, tmp_path / "archive.db", tmp_path / "warcs")
            problems = []
            if crawl.returncode != 0:
                problems.append(f"exit {crawl.returncode}")
            if "Traceback" in stderr:
                problems.append("traceback in the log")
            if list(crawl.warc_dir.glob("*.open")):
                problems.append("WARC left open")
            if crawl.crawl_row()["finish_reason"] != "shutdown":
                problems.append(f"finish_reason {crawl.crawl_row()['finish_reason']}")
            for row in crawl.db.query("select warc_filename, warc_offset, warc_length from captures "
                                      "where warc_filename is not null"):
                read_response(crawl.warc_dir / row["warc_filename"], row["warc_offset"], row["warc_length"])
            return not problems, took, ", ".join(problems)
    finally:
        site.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    results = []
    print("| try | Ctrl-C after pages | clean | seconds from Ctrl-C to exit | problems |")
    print("|---|---|---|---|---|")
    for number in range(1, options.tries + 1):
        moment = rng.randint(0, 120)
        clean, took, problems = one_try(moment)
        results.append((clean, took))
        print(f"| {number} | {moment} | {'yes' if clean else 'no'} | {took:.2f} | {problems} |", flush=True)
    times = [took for _, took in results]
    print(f"\n{sum(clean for clean, _ in results)} of {len(results)} stopped cleanly; seconds to exit: "
          f"median {statistics.median(times):.2f}, max {max(times):.2f}")


if __name__ == "__main__":
    main()
