"""End-to-end throughput and memory of a crawl, beside extraction alone and trafilatura's CLI.

    python bench/throughput.py --runs 3             # 945 corpus pages, all three measures, three times
    python bench/throughput.py --pages 10000 --only crawl   # memory over a 10,000-page crawl
    python bench/throughput.py --set ARCHIVER_VOTE=0       # the crawl with other settings (the rest as is)

Serves the pages of ../shared/corpus/real-pages on loopback (under several
URL prefixes when more pages than the corpus holds are asked for), then, in
one run and on the same pages:

1. runs ``scrapy crawl article -a urls=FILE`` exactly as a user would (WARC,
   extraction, SQLite), measuring pages/s, CPU seconds per page (the crawl
   process and its extraction workers) and peak memory (PSS of the same
   process tree, so that pages the workers share are counted once),
   with memory sampled as pages are served, to see whether memory stays flat
   (a table at every 1,000 pages: the tree, the crawl process, each worker;
   the growth from page 1,000 on, and a verdict: <= 400 MiB, within ±10%);
2. calls the pipeline's own extraction function on every page in this one
   process (same options, metadata included): the single-process rate;
3. runs ``trafilatura -i URLS -o DIR --backup-dir DIR`` with no sleep
   between requests, the tool a user would otherwise pick, measuring its
   pages/s and CPU per page (it downloads in threads and extracts in one).

and prints the figures and their ratios; with ``--runs N``, the crawl and
the CLI take turns N times (the CLI first on even runs) and the medians are
given too, with the load average before each crawl.  For the crawl it
also prints where the CPU went, per page, by process, thread and stage (the
crawl's ``archiver/cpu_ms/...`` stats, and the loopback server's CPU), and
the quality of what it archived (bench/quality.py: the corpus harmonic mean,
titles, stories, and with ``--reference`` the agreement field by field with
an earlier run's ``fields.json``).  The machine is shared and noisy: compare
the ratios of one run, not figures across runs.  On Linux with autogroup
scheduling (``/proc/sys/kernel/sched_autogroup_enabled``) each session gets
an equal share of the cores, whatever its number of processes: when other
sessions keep the machine busy, this one gets less than a core, the crawl
and the CLI each get that share in their turn, and their ratio tends to the
ratio of their CPU per page, however well the crawl spreads its work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

CORPUS = ROOT.parent / "shared" / "corpus" / "real-pages" / "html"
CRAWL_SETTINGS = {
    # a user archiving their own fast server turns the politeness down
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "ROBOTSTXT_OBEY": "1",
    "LOG_LEVEL": "INFO",
    "ARCHIVER_ALLOW_NETWORKS": "127.0.0.1/32",  # the loopback server
    "TELNETCONSOLE_ENABLED": "0",
}


# -- the loopback server (its own process, so its CPU is not the crawl's) ----

def _serve(port_value, served, names: list[str], others: dict[str, tuple[bytes, bytes]] | None = None) -> None:
    """Serve the corpus pages ``names`` by name, and ``others`` (path -> content type and body) as they are."""
    pages = {name: (CORPUS / name).read_bytes() for name in names}
    others = others or {}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                name = path.rsplit("/", 1)[-1]
                if path == "/robots.txt":
                    status, body, kind = b"200 OK", b"User-agent: *\nAllow: /\n", b"text/plain"
                elif path in others:
                    status, (kind, body) = b"200 OK", others[path]
                elif name in pages:
                    status, body, kind = b"200 OK", pages[name], b"text/html"
                else:
                    status, body, kind = b"404 Not Found", b"not found", b"text/plain"
                writer.write(b"HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (status, kind, len(body)) + body)
                await writer.drain()
                with served.get_lock():
                    served.value += 1
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


def start_server(names: list[str], others: dict[str, tuple[bytes, bytes]] | None = None):
    context = multiprocessing.get_context("spawn")
    port, served = context.Value("i", 0), context.Value("q", 0)
    process = context.Process(target=_serve, args=(port, served, names, others), daemon=True)
    process.start()
    while not port.value:
        time.sleep(0.05)
    return process, port.value, served


# -- measuring -----------------------------------------------------------------

def _tree(pid: int) -> list[int]:
    """A process and all its descendants (the extraction workers, the fork server)."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack += [int(child) for child in children.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def _memory(pid: int) -> int:
    """Proportional set size (shared pages split between the processes sharing them), in bytes."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return next(int(line.split()[1]) * 1024 for line in rollup if line.startswith("Pss:"))
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        return 0


def _cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def _role(pid: int, crawl: int) -> str:
    """What a process of the crawl's tree is: the crawl process, the fork server, a worker, the resource tracker."""
    if pid == crawl:
        return "crawl process"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            command = cmdline.read()
    except OSError:
        return "process"
    if b"resource_tracker" in command:
        return "resource tracker"
    if b"forkserver" in command:
        with open(f"/proc/{pid}/stat") as stat:
            parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        return "fork server" if parent == crawl else "extraction worker"
    return "process"


MIB = 2**20
STEP = 1_000  # pages between two rows of the memory table
CEILING = 400 * MIB  # the peak a crawl must stay under (issue 33)
FLAT = 10.0  # per cent: how far memory may move between page 1,000 and the last thousand


@dataclass(frozen=True)
class Sample:
    """PSS of the crawl's process tree at one moment, in bytes: the crawl process and each other process."""

    pages: int  # pages served by then
    crawl: int  # the crawl process
    others: dict[str, int]  # the extraction workers, the fork server, the resource tracker, by role and pid

    @property
    def tree(self) -> int:
        return self.crawl + self.workers

    @property
    def workers(self) -> int:
        """Every process but the crawl's."""
        return sum(self.others.values())

    def __str__(self) -> str:
        return (f"{self.pages:,} pages: tree {self.tree / MIB:.0f} MiB, crawl process {self.crawl / MIB:.0f}, "
                + ", ".join(f"{name} {value / MIB:.0f}" for name, value in sorted(self.others.items())))


class TreeSampler:
    """Memory and CPU of a process tree, sampled from /proc as the crawl runs."""

    def __init__(self, pid: int):
        self.pid = pid
        self.cpu: dict[int, float] = {}  # last CPU seconds seen, per process
        self.samples: list[Sample] = []
        self.printed: list[Sample] = []  # the first sample past each thousand pages

    def sample(self, pages: int) -> None:
        pids = _tree(self.pid)
        for pid in pids:
            self.cpu[pid] = max(self.cpu.get(pid, 0.0), _cpu(pid))
        others = {f"{_role(pid, self.pid)} {pid}": _memory(pid) for pid in pids if pid != self.pid}
        self.samples.append(Sample(pages, _memory(self.pid), others))

    def cpu_by_process(self) -> dict[str, float]:
        main = self.cpu.get(self.pid, 0.0)
        return {"crawl process": main, "workers": sum(self.cpu.values()) - main}


def run_crawl(urls: list[str], work: Path, served, extra: dict[str, str], server_pid: int) -> dict:
    url_file = work / "urls.txt"
    url_file.write_text("\n".join(urls) + "\n")
    settings = {**CRAWL_SETTINGS, "ARCHIVER_DB": str(work / "archive.db"), "ARCHIVER_WARC_DIR": str(work / "warcs"), **extra}
    command = [sys.executable, "-m", "scrapy", "crawl", "article", "-a", f"urls={url_file}"]
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    served_before, server_cpu = served.value, _cpu(server_pid)
    start = time.perf_counter()
    with open(work / "crawl.log", "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        sampler = TreeSampler(process.pid)
        while process.poll() is None:
            sampler.sample(served.value - served_before)
            if sampler.samples[-1].pages >= (len(sampler.printed) + 1) * STEP:  # as it goes, for a long crawl
                sampler.printed.append(sampler.samples[-1])
                print(f"  {sampler.samples[-1]}", flush=True)
            time.sleep(0.1)
    wall = time.perf_counter() - start
    if process.returncode:
        sys.exit(f"the crawl failed; see {work / 'crawl.log'}")
    (work / "memory.json").write_text(json.dumps([[sample.pages, sample.crawl, sample.others] for sample in sampler.samples]))
    cpu = sampler.cpu_by_process()
    stats = json.loads(sqlite3.connect(work / "archive.db").execute(
        "SELECT stats FROM crawls ORDER BY id DESC LIMIT 1").fetchone()[0])
    return {"wall": wall, "cpu": sum(cpu.values()), "cpu_by_process": cpu, "samples": sampler.samples,
            "db": work / "archive.db", "stats": stats, "server_cpu": _cpu(server_pid) - server_cpu}


def stage_table(crawl: dict, pages: int) -> list[str]:
    """CPU ms per page by process, thread and stage: the crawl's archiver/cpu_ms stats and /proc's totals."""
    cpu = {name[len("archiver/cpu_ms/"):]: value / pages for name, value in crawl["stats"].items()
           if name.startswith("archiver/cpu_ms/")}
    workers = crawl["cpu_by_process"]["workers"] * 1000 / pages
    main = crawl["cpu_by_process"]["crawl process"] * 1000 / pages
    extract = {k: v for k, v in cpu.items() if k.startswith("extract/")}
    threads = {k: v for k, v in cpu.items() if not k.startswith("extract/")}
    io_sql = sum(v for k, v in threads.items() if k.startswith("io/") and k != "io/warc")
    rows = [(f"extraction: {k[len('extract/'):]}", v) for k, v in sorted(extract.items())]
    rows += [("extraction workers: the rest (pages in, articles out, start-up)", workers - sum(extract.values())),
             ("crawl process: reactor thread (Scrapy, spiders, middlewares)", threads.get("reactor", 0.0)),
             ("crawl process: WARC records (digests, gzip), archiver-io", threads.get("io/warc", 0.0)),
             (f"crawl process: SQLite and filing, story scoring, archiver-io (commits {threads.get('io/commit', 0.0):.1f})", io_sql),
             ("crawl process: new versions' diffs, archiver-cpu",
              sum(v for k, v in threads.items() if k.startswith("cpu_thread/"))),
             ("crawl process: other threads (pages to and from the workers), start-up", main - sum(threads.values())),
             ("loopback test server (not in the crawl's figures)", crawl["server_cpu"] * 1000 / pages)]
    return ["| stage | CPU ms/page |", "|---|---|"] + [f"| {name} | {value:.1f} |" for name, value in rows] + [
        f"| **the crawl: its process and the workers** | **{main + workers:.1f}** |"]


def check_archive(db_path: Path, urls: list[str]) -> dict:
    import sqlite_utils

    db = sqlite_utils.Database(db_path)
    captured = [r["url"] for r in db.query("select url from captures where url not like '%/robots.txt'")]
    return {
        "captured": len(captured),
        "distinct": len(set(captured)),
        "expected": len(set(urls)),
        "articles": db["articles"].count,
        "no article": db["captures"].count_where("error like 'no article%'"),
    }


def single_process_rate(names: list[str], base: str) -> tuple[float, int]:
    from archiver.formats.charsets import page_text
    from archiver.extract import NoArticle, extract_article

    # decoded beforehand, as a crawl's workers decode them, outside the time measured
    pages = [(f"{base}/c0/{n}", page_text((CORPUS / n).read_bytes(), "text/html")) for n in names]
    from archiver.config import SETTINGS

    vote = SETTINGS["VOTE"].default  # as the crawl extracts by default
    extract_article(pages[0][1], pages[0][0], vote=vote)  # imports and caches warmed
    start, ok = time.perf_counter(), 0
    for url, html in pages:
        try:
            extract_article(html, url, vote=vote)
            ok += 1
        except NoArticle:
            pass
    return len(pages) / (time.perf_counter() - start), ok


def trafilatura_cli_rate(urls: list[str], work: Path) -> tuple[float, float, int]:
    """The CLI's pages/s, its CPU seconds (its own process, which extracts in one thread), and the files it wrote."""
    work.mkdir(exist_ok=True)
    config = work / "trafilatura.cfg"
    # no sleep between requests, and loopback allowed (it blocks private addresses by default)
    config.write_text("[DEFAULT]\nSLEEP_TIME = 0\nSSRF_PROTECTION = off\nDOWNLOAD_TIMEOUT = 30\nMAX_FILE_SIZE = 20000000\n"
                      "MIN_FILE_SIZE = 10\nMAX_REDIRECTS = 2\nUSER_AGENTS =\nCOOKIE =\nINSECURE_SSL_FALLBACK = on\n"
                      "MIN_EXTRACTED_SIZE = 250\nMIN_OUTPUT_SIZE = 1\nMIN_OUTPUT_COMM_SIZE = 1\nMAX_TREE_SIZE =\n"
                      "EXTRACTION_TIMEOUT = 30\nMIN_DUPLCHECK_SIZE = 100\nMAX_REPETITIONS = 2\n"
                      "EXTENSIVE_DATE_SEARCH = on\nEXTERNAL_URLS = off\n")
    url_file = work / "urls.txt"
    url_file.write_text("\n".join(urls) + "\n")
    out, backup = work / "out", work / "backup"
    command = [str(Path(sys.executable).with_name("trafilatura")), "-i", str(url_file), "-o", str(out),
               "--backup-dir", str(backup), "--config-file", str(config)]
    start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    written = len(list(out.glob("*"))) if out.exists() else 0
    return len(urls) / wall, cpu, written


def memory_table(samples: list[Sample], pages: int) -> list[str]:
    """PSS at every thousand pages (the largest sample of each thousand, so that one sample's luck does not
    decide, and the thousand's median), the peak, the growth from page 1,000 to the last thousand, a verdict."""
    if not samples:
        return ["memory: no sample (the crawl ended before the first)"]
    rows, lines = [], ["| pages | tree MiB (median) | crawl process MiB | extraction workers MiB: all (each) "
                       "| fork server and tracker MiB |", "|---|---|---|---|---|"]
    for upto in range(STEP, pages + STEP, STEP):
        window = [s for s in samples if upto - STEP < s.pages <= upto]
        if upto >= pages:  # the last thousand: up to the crawl's end, when all pages have been served
            window += [s for s in samples if s.pages > upto]
        if not window:
            continue
        top = max(window, key=lambda s: s.tree)
        rows.append((min(upto, pages), top))
        workers = {name: value for name, value in sorted(top.others.items()) if "worker" in name}
        lines.append(f"| {min(upto, pages):,} | {top.tree / MIB:.0f} ({statistics.median(s.tree for s in window) / MIB:.0f}) "
                     f"| {top.crawl / MIB:.0f} | {sum(workers.values()) / MIB:.0f} "
                     f"({' + '.join(f'{value / MIB:.0f}' for value in workers.values())}) "
                     f"| {(top.workers - sum(workers.values())) / MIB:.0f} |")
    peak = max(samples, key=lambda s: s.tree)
    lines.append(f"peak: {peak.tree / MIB:.0f} MiB at page {peak.pages:,} (crawl process {peak.crawl / MIB:.0f}, "
                 + ", ".join(f"{name} {value / MIB:.0f}" for name, value in sorted(peak.others.items(), key=lambda i: -i[1]))
                 + ")")
    verdict = peak.tree <= CEILING
    if len(rows) >= 2 and rows[0][0] == STEP:
        (first_page, first), (last_page, last) = rows[0], rows[-1]
        growth = {part: (getattr(last, part) - getattr(first, part)) / getattr(first, part) * 100
                  for part in ("tree", "crawl", "workers")}
        lines.append(f"growth from page {first_page:,} to page {last_page:,} (each thousand's largest sample): "
                     f"tree {growth['tree']:+.1f}%, crawl process {growth['crawl']:+.1f}%, "
                     f"workers, fork server and tracker {growth['workers']:+.1f}%")
        verdict = verdict and abs(growth["tree"]) <= FLAT
        flat = f"; flat within ±{FLAT:.0f}%: {'yes' if abs(growth['tree']) <= FLAT else 'NO'}"
    else:
        flat = "; flatness not judged (fewer than 2,000 pages)"
    lines.append(f"verdict: {'PASS' if verdict else 'FAIL'} (peak {peak.tree / MIB:.0f} MiB <= {CEILING / MIB:.0f} MiB: "
                 f"{'yes' if peak.tree <= CEILING else 'NO'}{flat})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=945, help="pages to crawl (the corpus repeated under new prefixes beyond 945)")
    parser.add_argument("--only", choices=["crawl", "all"], default="all", help="crawl: skip the extraction and CLI comparisons")
    parser.add_argument("--runs", type=int, default=1, help="crawl and CLI runs, taking turns (medians given)")
    parser.add_argument("--workers", type=int, help="ARCHIVER_EXTRACT_WORKERS (default: the setting's default, the cores)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="another setting for the crawl, e.g. --set ARCHIVER_VOTE=0 "
                             "(repeatable; extraction alone runs as always)")
    parser.add_argument("--keep", type=Path, help="keep the archive and logs in this directory (new or empty)")
    parser.add_argument("--reference", type=Path, help="an earlier run's fields.json: agreement field by field")
    args = parser.parse_args()
    extra: dict[str, str] = {}
    for pair in args.set:
        name, equals, value = pair.partition("=")
        if not (name and equals):
            parser.error(f"--set {pair}: give NAME=VALUE, e.g. --set ARCHIVER_VOTE=0")
        extra[name] = value
    if args.workers is not None:
        extra["ARCHIVER_EXTRACT_WORKERS"] = str(args.workers)

    from quality import score

    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        # an archive left there would make this crawl an incremental one, its figures not this run's
        parser.error(f"--keep {args.keep} is not empty: give a new directory")
    names = sorted(p.name for p in CORPUS.glob("*.html"))
    copies = -(-args.pages // len(names))
    paths = [f"/c{copy}/{name}" for copy in range(copies) for name in names][: args.pages]
    server, port, served = start_server(names)
    base = f"http://127.0.0.1:{port}"
    urls = [base + path for path in paths]
    work = args.keep or Path(tempfile.mkdtemp(prefix="archiver-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{len(urls)} pages from {len(names)} corpus files on {base}; {os.cpu_count()} cores; work in {work}", flush=True)

    rates: list[tuple[float, float | None]] = []
    cpus: list[tuple[float, float | None]] = []  # CPU ms per page: the crawl's process tree, the CLI
    for run in range(1, args.runs + 1):
        cli = None
        if args.only == "all" and run % 2 == 0:  # taking turns: on even runs the CLI first, so that neither always goes second
            cli, cli_cpu, written = trafilatura_cli_rate(urls, work / f"cli{run}")
        print(f"\nload average before the crawl of run {run}: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        (work / f"crawl{run}").mkdir(exist_ok=True)
        crawl = run_crawl(urls, work / f"crawl{run}", served, extra, server.pid)
        e2e, peak = len(urls) / crawl["wall"], max(sample.tree for sample in crawl["samples"])
        checked = check_archive(crawl["db"], urls)
        print(f"\n## run {run}: archiver {e2e:.1f} pages/s, {crawl['cpu'] / len(urls) * 1000:.1f} ms CPU/page "
              f"({crawl['cpu'] / crawl['wall']:.2f} cores busy), "
              f"{peak / MIB:.0f} MiB peak memory (PSS of the crawl's process tree)")
        print(f"archive: {checked['captured']} captures of {checked['expected']} URLs ({checked['distinct']} distinct), "
              f"{checked['articles']} articles, {checked['no article']} pages without an article\n", flush=True)
        print("\n".join(stage_table(crawl, len(urls))))
        print("\n" + "\n".join(memory_table(crawl["samples"], len(urls))), flush=True)
        print("\n" + "\n".join(score(crawl["db"], args.reference, work / f"crawl{run}" / "fields.json")), flush=True)
        if args.only == "all":
            if cli is None:
                cli, cli_cpu, written = trafilatura_cli_rate(urls, work / f"cli{run}")
            print(f"trafilatura CLI: {cli:.1f} pages/s, {cli_cpu / len(urls) * 1000:.1f} ms CPU/page "
                  f"({cli_cpu * cli / len(urls):.2f} cores busy; {written} files); ratio {e2e / cli:.2f}x", flush=True)
        rates.append((e2e, cli))
        cpus.append((crawl["cpu"] / len(urls) * 1000, cli_cpu / len(urls) * 1000 if cli else None))
    if args.only == "all":
        single, ok = single_process_rate(names[: len(urls)], base)
        print(f"\nextraction alone, one process (extract_article): {single:.1f} pages/s, {ok} articles")
    server.terminate()

    median = statistics.median(e2e for e2e, _ in rates)
    print(f"\narchiver end to end: {', '.join(f'{e2e:.1f}' for e2e, _ in rates)} pages/s (median {median:.1f})")
    if args.only == "all":
        ratios = [e2e / cli for e2e, cli in rates if cli]
        print(f"trafilatura CLI:     {', '.join(f'{cli:.1f}' for _, cli in rates if cli)} pages/s "
              f"(median {statistics.median(cli for _, cli in rates if cli):.1f})")
        print(f"end to end / trafilatura CLI: {', '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f}x; "
              "target >= 1x)")
        print(f"CPU ms per page, crawl / CLI: {statistics.median(c for c, _ in cpus):.1f} / "
              f"{statistics.median(c for _, c in cpus if c):.1f} (medians)")
        print(f"end to end / extraction alone: {median / single:.2f}x")


if __name__ == "__main__":
    main()
