"""What rendering pages that need JavaScript costs, and what it gives back.

    python bench/render.py                      # 200 corpus pages, 10% of them JavaScript shells, never vs auto
    python bench/render.py --pages 400 --runs 3 --corpus   # and the whole corpus with never vs auto, side by side

1. A mixed site on loopback (its own process): ``--pages`` pages of
   ../shared/corpus/real-pages, of which ``--js-share`` are served as an app
   shell (``<div id="root">Loading…</div>`` and a script that fetches the
   page as JSON and puts it in place, as a client-rendered app does) and the
   rest as they are.  ``scrapy crawl article`` runs on them with
   ``ARCHIVER_RENDER=never`` and ``auto``, taking turns ``--runs`` times:
   pages/s, CPU seconds per page (the crawl's process tree: workers,
   Playwright's driver and the browser included) and peak memory (PSS of
   the same tree), by bench/throughput.py's measures.
2. The quality of the articles of the JavaScript pages: their text (as
   archived by the ``auto`` crawl, and by ``never``) against the text the
   same extraction gives for the same page served as plain HTML (word-level
   F1, bags of words), and the share of the corpus annotation's ``with``
   segments found.
3. With ``--corpus``: the corpus served as it is (no shells), ``never``
   against ``auto``: the same speed, and no browser started.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from throughput import CORPUS, run_crawl, start_server  # noqa: E402

ANNOTATIONS = CORPUS.parent / "annotations.json"
SHELL = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Loading</title></head><body>'
         '<div id="root"><div class="spinner">Loading…</div></div>'
         '<noscript>You need to enable JavaScript to run this app.</noscript>'
         "<script>fetch('/api/{name}.json').then(r => r.json()).then(data => {{"
         "const page = new DOMParser().parseFromString(data.html, 'text/html');"  # its scripts never run
         "document.replaceChild(document.adoptNode(page.documentElement), document.documentElement);}});"
         "</script></body></html>")


def shell_responses(shells: list[str]) -> dict[str, tuple[bytes, bytes]]:
    """The shells in place of their pages, and the JSON their script reads (the page, decoded, as a string)."""
    from archiver.formats.charsets import page_text

    out = {}
    for name in shells:
        out[f"/{name}"] = (b"text/html; charset=utf-8", SHELL.format(name=name).encode())
        html = page_text((CORPUS / name).read_bytes(), None)
        out[f"/api/{name}.json"] = (b"application/json", json.dumps({"html": html}).encode())
    return out


def words(text: str) -> Counter:
    return Counter(text.lower().split())


def f1(found: str, truth: str) -> float:
    """Word-level F1 of two texts, as bags of words."""
    a, b = words(found), words(truth)
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def with_share(text: str, segments: list[str]) -> float:
    norm = " ".join(text.split()).lower()
    return sum(" ".join(s.split()).lower() in norm for s in segments) / len(segments) if segments else 1.0


def texts(db: Path) -> dict[str, tuple[str, str]]:
    """url -> (text, source) of every archived article."""
    return {url: (text, source or "") for url, text, source in
            sqlite3.connect(db).execute("SELECT url, text, source FROM articles")}


def plain_texts(names: list[str]) -> dict[str, str]:
    """The article the pipeline's extraction gives for each page served as plain HTML (the reference)."""
    from archiver.extract import NoArticle, extract_page

    out = {}
    for name in names:
        try:
            out[name] = extract_page((CORPUS / name).read_bytes(), "text/html", f"http://127.0.0.1/{name}").text
        except NoArticle:
            out[name] = ""
    return out


def crawl_figures(crawl: dict, pages: int) -> dict:
    stats = crawl["stats"]
    return {"pages/s": pages / crawl["wall"], "cpu ms/page": 1000 * crawl["cpu"] / pages,
            "peak MiB": max(m for _, m in crawl["samples"]) / 2**20 if crawl["samples"] else 0,
            "rendered": stats.get("archiver/render/pages", 0), "browser started": "playwright/browser_count" in stats,
            "render failed": stats.get("archiver/render/failed", 0)}


def compare(label: str, names: list[str], server, served, runs: int, base: str, work: Path) -> dict[str, list[dict]]:
    urls = [f"{base}/{name}" for name in names]
    results: dict[str, list[dict]] = {"never": [], "auto": []}
    for run in range(runs):
        for mode in ("never", "auto"):
            folder = work / f"{label}-{mode}-{run}"
            folder.mkdir()
            crawl = run_crawl(urls, folder, served, {"ARCHIVER_RENDER": mode}, server.pid)
            crawl["figures"] = crawl_figures(crawl, len(urls))
            results[mode].append(crawl)
            print(f"{label} {mode} run {run + 1}: " + ", ".join(
                f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in crawl["figures"].items()), flush=True)
    for mode in ("never", "auto"):
        figures = [c["figures"] for c in results[mode]]
        print(f"{label} {mode} (median of {runs}): {statistics.median(f['pages/s'] for f in figures):.2f} pages/s, "
              f"{statistics.median(f['cpu ms/page'] for f in figures):.0f} CPU ms/page, "
              f"{statistics.median(f['peak MiB'] for f in figures):.0f} MiB peak")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--js-share", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--corpus", action="store_true", help="also crawl the whole corpus with never and auto")
    parser.add_argument("--seed", type=int, default=32)
    args = parser.parse_args()
    annotations = json.loads(ANNOTATIONS.read_text())
    names = sorted(p.name for p in CORPUS.glob("*.html"))
    random.Random(args.seed).shuffle(names)
    names = names[:args.pages]
    shells = names[:max(1, round(args.js_share * len(names)))]
    work = Path(tempfile.mkdtemp(prefix="bench-render-"))
    server, port, served = start_server(names, shell_responses(shells))
    try:
        results = compare("mixed", names, server, served, args.runs, f"http://127.0.0.1:{port}", work)
    finally:
        server.terminate()
    reference = plain_texts(shells)
    for mode in ("never", "auto"):
        archived = texts(results[mode][-1]["db"])
        scores, shares, sources = [], [], Counter()
        for name in shells:
            text, source = archived.get(f"http://127.0.0.1:{port}/{name}", ("", "none"))
            sources[source] += 1
            scores.append(f1(text, reference[name]))
            shares.append(with_share(text, annotations.get(name, {}).get("with", [])))
        print(f"JavaScript pages with {mode}: word F1 against the plain-HTML article {statistics.mean(scores):.3f} "
              f"(median {statistics.median(scores):.3f}), annotation 'with' found {statistics.mean(shares):.3f}; "
              f"sources {dict(sources)}")
    plain_shares = [with_share(reference[n], annotations.get(n, {}).get("with", [])) for n in shells]
    print(f"the same pages as plain HTML: annotation 'with' found {statistics.mean(plain_shares):.3f}")
    if args.corpus:
        everything = sorted(p.name for p in CORPUS.glob("*.html"))
        server, port, served = start_server(everything)
        try:
            corpus = compare("corpus", everything, server, served, args.runs, f"http://127.0.0.1:{port}", work)
        finally:
            server.terminate()
        started = [c["figures"]["browser started"] or c["figures"]["rendered"] for c in corpus["auto"]]
        print(f"corpus with auto: browser started in {sum(map(bool, started))} of {len(started)} runs")
    print(f"(crawls kept in {work})")


if __name__ == "__main__":
    main()
