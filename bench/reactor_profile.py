"""Where the crawl process spends its time, thread by thread (py-spy).

    pip install -e '.[bench]' && python bench/reactor_profile.py [--pages 945]

Crawls corpus pages served on loopback under ``py-spy record --threads`` and
prints, for the crawl process: each thread's share of the samples, what the
reactor thread (MainThread) spends its time in, and how much of the reactor
thread's time goes to the CPU-heavy work that must stay off it (HTML
extraction, compression, digests, SQLite).  Extraction runs in worker
processes, which this profile does not sample: their CPU is in
bench/throughput.py.
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import CORPUS, CRAWL_SETTINGS, ROOT, start_server  # noqa: E402

# Modules whose frames on the reactor thread would mean CPU work in the wrong place.
HEAVY = {
    "extraction (trafilatura, htmldate, justext, lxml.html)": ("trafilatura/", "htmldate/", "justext/", "lxml/html"),
    "compression and digests (zlib, warcio)": ("warcio/", "archiver/formats/warc.py", "gzip.py", "hashlib"),
    "SQLite (sqlite_utils, archiver/storage/)": ("sqlite_utils/", "archiver/storage/"),
}
_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>.*?):\d+\)$")


def profile(pages: int, work: Path) -> Path:
    names = sorted(p.name for p in CORPUS.glob("*.html"))[:pages]
    server, port, _ = start_server(names)
    url_file = work / "urls.txt"
    url_file.write_text("".join(f"http://127.0.0.1:{port}/c0/{name}\n" for name in names))
    out = work / "profile.txt"
    command = [str(Path(sys.executable).with_name("py-spy")), "record", "--threads", "-r", "250", "-f", "raw", "-o", str(out),
               "--", sys.executable, "-m", "scrapy", "crawl", "article", "-a", f"urls={url_file}"]
    settings = {**CRAWL_SETTINGS, "ARCHIVER_DB": str(work / "archive.db"), "ARCHIVER_WARC_DIR": str(work / "warcs"),
                "LOG_LEVEL": "WARNING"}
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server.terminate()
    return out


def report(raw: Path) -> None:
    threads: collections.Counter = collections.Counter()
    reactor: collections.Counter = collections.Counter()
    heavy: collections.Counter = collections.Counter()
    reactor_total = 0
    for line in raw.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        frames = stack.split(";")
        thread = re.sub(r"^thread \(\d+\):?\s*", "", frames[0]) or "MainThread"
        threads[thread] += int(count)
        if thread != "MainThread":
            continue
        reactor_total += int(count)
        if any("importlib._bootstrap" in frame for frame in frames):
            heavy["(imports at start-up, not per page)"] += int(count)
            continue
        files = [m.group("file") for m in map(_FRAME.match, frames[1:]) if m]
        for label, needles in HEAVY.items():
            if any(needle in path for path in files for needle in needles):
                heavy[label] += int(count)
        leaf = _FRAME.match(frames[-1])
        if leaf:
            reactor[f"{leaf.group('function')} ({leaf.group('file').split('site-packages/')[-1]})"] += int(count)
    total = sum(threads.values())
    print("| thread | share of samples |\n|---|---|")
    for thread, count in threads.most_common(8):
        print(f"| {thread} | {count / total:.1%} |")
    print("\nreactor thread (MainThread), where its samples end:")
    for function, count in reactor.most_common(12):
        print(f"  {count / reactor_total:6.1%}  {function}")
    print("\nCPU-heavy work on the reactor thread (should be about 0):")
    for label in [*HEAVY, "(imports at start-up, not per page)"]:
        print(f"  {heavy[label] / reactor_total:6.1%}  {label}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=945)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="archiver-profile-") as work:
        report(profile(args.pages, Path(work)))


if __name__ == "__main__":
    main()
