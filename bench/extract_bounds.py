"""Time and memory of bounded extraction on hostile pages, and the single pass's cost on adversarial bytes.

    python bench/extract_bounds.py [--step N]

First each page of tests/boundsite.py (a story behind 20 MB of inline
image, 20 MB of small inline images, 10 MB of JSON-LD, 13 MB of scripts,
JSON-LD nested 100,000 deep, 3,000 nested tables), extracted as a crawl's
worker extracts it (``page_head`` then ``extract_page``, the default
ARCHIVER_EXTRACT_MAX_BYTES), each in a fresh process: wall and CPU
seconds, the process's peak resident memory, and whether the story was
kept.  Then :func:`archiver.extract.lean.lean` alone on generated
adversarial bytes at two sizes: a pass that is linear takes about twice as
long on twice the bytes.  Last, every ``--step``-th page of the corpus
(../shared/corpus) read lean whole (as if it were past the limit): the
pages whose extracted text is not the same, the bytes kept, the pass's CPU.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from boundsite import PATHS, STORY, page  # noqa: E402

from archiver.extract import NoArticle, extract_page, page_head  # noqa: E402
from archiver.extract.lean import lean  # noqa: E402
from archiver.extract.pipeline import MAX_BYTES  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "real-pages" / "html"
ADVERSARIAL = {  # name -> the bytes of one repetition
    "tags that never close": b"<a b=",
    "comments": b"<!---->",
    "end tags without '>'": b"</a ",
    "quotes left open": b'<a b="',
    "tiny data URIs": b'<img src="data:,x">',
    "scripts never closed": b"<script>",
    "text and '<'": b"a < b ",
}


def one(path: str) -> tuple[str, int, float, float, int, str]:
    body = page(path)
    started, cpu = time.perf_counter(), time.process_time()
    head, whole = page_head(body, MAX_BYTES)
    try:
        article = extract_page(head, "text/html; charset=utf-8", f"https://example.org{path}", whole=whole)
        kept = "story kept" if all(p in article.text for p in STORY) else "story LOST"
    except NoArticle as exc:
        kept = f"no article: {exc}"
    return (path, len(body), time.perf_counter() - started, time.process_time() - cpu,
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, kept)


def pages() -> None:
    print("| page | bytes | wall s | CPU s | peak RSS of the worker | result |\n|---|---|---|---|---|---|")
    for path in PATHS:
        with ProcessPoolExecutor(1) as fresh:  # a fresh process each: its peak memory is this page's
            name, size, wall, cpu, peak, kept = fresh.submit(one, path).result()
        print(f"| {name} | {size:,} | {wall:.2f} | {cpu:.2f} | {peak / 2**20:.0f} MiB | {kept} |")


def adversarial() -> None:
    print("\n| bytes of | 8 MB: CPU s | 16 MB: CPU s | ratio |\n|---|---|---|---|")
    for name, unit in ADVERSARIAL.items():
        times = []
        for size in (8_000_000, 16_000_000):
            body = unit * (size // len(unit))
            started = time.process_time()
            lean(body, MAX_BYTES)
            times.append(time.process_time() - started)
        print(f"| {name} | {times[0]:.2f} | {times[1]:.2f} | {times[1] / times[0]:.1f} |")


def lean_and_whole(path: Path) -> tuple[bool, int, int, float]:
    """Whether a corpus page's text is the same read lean; its bytes, lean and whole; the pass's CPU seconds."""
    body = path.read_bytes()
    cpu = time.process_time()
    slim = lean(body, len(body) + 1)
    cpu = time.process_time() - cpu
    texts = []
    for read in (body, slim.body):
        try:
            texts.append(extract_page(read, None, f"https://example.org/{path.name}").text)
        except NoArticle as exc:
            texts.append(str(exc))
    return texts[0] == texts[1], len(body), len(slim.body), cpu


def corpus(step: int) -> None:
    paths = sorted(CORPUS.glob("*.html"))[::step]
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(lean_and_whole, paths))
    same = sum(result[0] for result in results)
    whole, kept = sum(result[1] for result in results), sum(result[2] for result in results)
    print(f"\ncorpus: {same} of {len(results)} pages extract the same text read lean; {kept:,} of {whole:,} bytes "
          f"kept ({kept / whole:.0%}); the pass {sum(r[3] for r in results) / len(results) * 1000:.1f} ms CPU a page")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--step", type=int, default=1, help="read every N-th corpus page")
    step = parser.parse_args().step
    pages()
    adversarial()
    corpus(step)
