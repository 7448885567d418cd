"""Score extraction configurations on the annotated corpus, side by side.

    python bench/extraction.py [--corpus ../shared/corpus/real-pages] [--limit N]

For each configuration: the share of ``with`` segments found in the text,
the share of ``without`` (chrome) segments absent, their harmonic mean, and
milliseconds per page.  The archiver's own pipeline (``extract_article``:
its OPTIONS, chrome rules, structured metadata, flags) runs beside stock
trafilatura (defaults, ``favor_precision``, ``favor_recall``) and the other
option sets its OPTIONS were chosen from.  The site chrome memory needs
several pages of one site and the corpus has one page a site: its effect is
measured by bench/chrome_memory.py.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import trafilatura
from w3lib.encoding import html_to_unicode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from archiver.extract import NoArticle, extract_article
from archiver.extract.trafilatura_backend import OPTIONS  # noqa: E402

# label -> (trafilatura options, True for the archiver's extract_article, False for stock trafilatura.extract)
CONFIGS: dict[str, tuple[dict, bool]] = {
    "stock trafilatura.extract, defaults": ({}, False),
    "stock, favor_precision": ({"favor_precision": True}, False),
    "stock, favor_recall": ({"favor_recall": True}, False),
    "stock, include_comments=False": ({"include_comments": False}, False),
    "stock, no comments + favor_precision": ({"include_comments": False, "favor_precision": True}, False),
    "stock, no comments + favor_recall": ({"include_comments": False, "favor_recall": True}, False),
    "stock, no comments + deduplicate": ({"include_comments": False, "deduplicate": True}, False),
    "stock, no comments + fast (no fallback extractors)": ({"include_comments": False, "fast": True}, False),
    "archiver pipeline (extract_article)": (OPTIONS, True),
}
_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def score_page(job: tuple[str, str, dict, list[str], list[str], dict, bool]) -> tuple[int, int, int, int, float]:
    path, url, _ann, with_, without, options, pipeline = job
    html = html_to_unicode(None, Path(path).read_bytes())[1]
    start = time.perf_counter()
    if pipeline:
        try:
            text = _norm(extract_article(html, url).text)
        except NoArticle:
            text = ""
    else:
        text = _norm(trafilatura.extract(html, url=url, **options) or "")
    elapsed = time.perf_counter() - start
    found = sum(_norm(s) in text for s in with_)
    absent = sum(_norm(s) not in text for s in without)
    return found, len(with_), absent, len(without), elapsed


def run(corpus: Path, limit: int | None, workers: int) -> list[tuple[str, float, float, float, float]]:
    annotations = json.loads((corpus / "annotations.json").read_text())
    names = sorted(annotations)[:limit]
    results = []
    with ProcessPoolExecutor(workers) as pool:
        for label, (options, strip) in CONFIGS.items():
            jobs = [(str(corpus / "html" / n), annotations[n]["url"], {}, annotations[n]["with"],
                     annotations[n]["without"], options, strip) for n in names]
            rows = list(pool.map(score_page, jobs, chunksize=8))
            found, wanted, absent, chrome = (sum(r[i] for r in rows) for i in range(4))
            recall, precision = found / wanted, absent / chrome
            f1 = 2 * recall * precision / (recall + precision)
            ms = 1000 * sum(r[4] for r in rows) / len(rows)
            results.append((label, recall, precision, f1, ms, found))
            print(f"{label:52} with {found}/{wanted} = {recall:.4f}  without {precision:.4f}  F {f1:.4f}  {ms:6.1f} ms/page", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared/corpus/real-pages")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    results = run(args.corpus, args.limit, args.workers)
    print("\n| configuration | with kept (segments) | without dropped | harmonic mean | ms/page |")
    print("|---|---|---|---|---|")
    for label, recall, precision, f1, ms, found in results:
        print(f"| {label} | {recall:.4f} ({found}) | {precision:.4f} | {f1:.4f} | {ms:.1f} |")


if __name__ == "__main__":
    main()
