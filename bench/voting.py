"""Extractor voting on the annotated corpus: which voters, which rule, at what cost.

    python bench/voting.py [--corpus ../shared/corpus/real-pages] [--limit N] [--cache FILE]

Each page is read once by every extractor (the archiver pipeline, stock
trafilatura defaults and favor_precision, and the voters of
:mod:`archiver.extract.voting`: readability, jusText, Resiliparse), timing each; the
voting configurations are then scored on those outputs (``--cache FILE``
keeps them, so that trying a rule costs seconds), with
bench/extraction.py's scoring (the corpus README's: share of ``with``
segments found, share of ``without`` segments absent, harmonic mean).  The
last row runs the real call site, ``extract_article(..., vote=True)``, with
``voting.RULE``.  ``--half 0`` and ``--half 1`` score the even and the odd
pages alone: a rule chosen on the whole corpus must hold on both halves.

The corpus does not label page types; the per-type table guesses them from
the URL (:func:`page_type`) and says so.
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable

import trafilatura
from w3lib.encoding import html_to_unicode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from archiver.extract import NoArticle, extract_article  # noqa: E402
from archiver.extract import voting  # noqa: E402
from archiver.extract.pipeline import pruned_tree  # noqa: E402
from bench.extraction import _norm  # noqa: E402

_TYPES = (
    ("forum", re.compile(r"forum|thread|topic|viewtopic|showthread|board|community|discussion|/t/", re.I)),
    ("listing", re.compile(r"/(category|categories|tag|tags|archive|archives|page/\d+|index\.\w+|rubrik|ressort)(/|$)", re.I)),
    ("blog", re.compile(r"blog|wordpress|/\d{4}/\d{2}/", re.I)),
)


BEST = "drop <= 6 words (justext/resiliparse) + add >= 25 words"  # voting.RULE


def page_type(url: str) -> str:
    """A guess from the URL alone: forum, listing, blog, else article."""
    return next((kind for kind, pattern in _TYPES if pattern.search(url)), "article")


def _timed(function: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    try:
        value = function()
    except NoArticle:
        value = ""
    return value, 1000 * (time.perf_counter() - start)


def read_page(job: tuple[str, str]) -> dict[str, Any]:
    """Every extractor's output for one page, and its time in ms."""
    path, url = job
    html = html_to_unicode(None, Path(path).read_bytes())[1]
    out: dict[str, Any] = {}
    article, out["ms:pipeline"] = _timed(lambda: extract_article(html, url, vote=False))
    out["pipeline"] = article.text if article else ""
    language = article.language if article else None
    out["stock"], out["ms:stock"] = _timed(lambda: trafilatura.extract(html, url=url) or "")
    out["precision"], out["ms:precision"] = _timed(lambda: trafilatura.extract(html, url=url, favor_precision=True) or "")
    tree, out["ms:parse"] = _timed(lambda: pruned_tree(html, None))
    for name, voter in voting.VOTERS.items():
        out[name], out[f"ms:{name}"] = _timed(lambda: voter.lines(tree, url, language) if tree != "" else [])
    out["voted"], out["ms:voted"] = _timed(lambda: extract_article(html, url, vote=True).text)
    return out


def collect(corpus: Path, names: list[str], annotations: dict, workers: int, cache: Path | None) -> list[dict]:
    if cache and cache.exists():
        cached = pickle.loads(cache.read_bytes())
        if cached["names"] == names:
            return cached["pages"]
    jobs = [(str(corpus / "html" / n), annotations[n]["url"]) for n in names]
    with ProcessPoolExecutor(workers) as pool:
        pages = list(pool.map(read_page, jobs, chunksize=4))
    if cache:
        cache.write_bytes(pickle.dumps({"names": names, "pages": pages}))
    return pages


def configs() -> dict[str, Callable[[dict], str]]:
    """label -> the text a configuration gives for a page's outputs."""
    found: dict[str, Callable[[dict], str]] = {
        "stock trafilatura, defaults": lambda p: p["stock"],
        "stock trafilatura, favor_precision": lambda p: p["precision"],
        "archiver pipeline, no vote": lambda p: p["pipeline"],
    }
    no_add = {"add_from": None}
    rules: dict[str, voting.Rule] = {}
    for group in [("readability",), ("justext",), ("resiliparse",), ("justext", "resiliparse"),
                  ("readability", "justext", "resiliparse")]:
        for max_words in (6, 8, 12, 20):
            rules[f"drop: lines <= {max_words} words in no {'/'.join(group)}"] = voting.Rule(
                drop_voters=group, drop_max_words=max_words, **no_add)
    for source, confirm in [("justext", ("resiliparse",)), ("justext", ("resiliparse", "readability")),
                            ("resiliparse", ("justext", "readability")), ("readability", ("justext", "resiliparse"))]:
        for min_words in (10, 20, 40):
            rules[f"add: {source} paragraphs >= {min_words} words in all of {'/'.join(confirm)}"] = voting.Rule(
                drop_voters=(), add_from=source, add_confirm=confirm, add_min_words=min_words, add_min_votes=len(confirm))
    for max_words in (6, 8, 12):
        for min_words in (15, 20, 25, 30):
            rules[f"drop <= {max_words} words (justext/resiliparse) + add >= {min_words} words"] = voting.Rule(
                drop_max_words=max_words, add_min_words=min_words)
    for label, rule in rules.items():
        found[label] = (lambda r: lambda p: voting.vote(p["pipeline"], p, r))(rule)
    found["pipeline with vote=True (extract_article)"] = lambda p: p["voted"]
    return found


def score(text: str, with_: list[str], without: list[str]) -> tuple[int, int, int, int]:
    text = _norm(text)
    return sum(_norm(s) in text for s in with_), len(with_), sum(_norm(s) not in text for s in without), len(without)


def _f(rows: list[tuple[int, int, int, int]]) -> tuple[float, float, float]:
    found, wanted, absent, chrome = (sum(r[i] for r in rows) for i in range(4))
    recall, precision = found / wanted, absent / chrome
    return recall, precision, 2 * recall * precision / (recall + precision)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared/corpus/real-pages")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--step", type=int, default=1, help="every STEP-th page (a sample spread over the corpus)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache", type=Path, help="pickle of the extractors' outputs, reused when the pages match")
    parser.add_argument("--all", action="store_true", help="every configuration, not only the best of each voter group")
    parser.add_argument("--half", type=int, choices=(0, 1), help="score only the even (0) or the odd (1) pages")
    args = parser.parse_args()
    annotations = json.loads((args.corpus / "annotations.json").read_text())
    names = sorted(annotations)[::args.step][:args.limit]
    pages = collect(args.corpus, names, annotations, args.workers, args.cache)
    if args.half is not None:
        pages, names = pages[args.half::2], names[args.half::2]
    ann = [annotations[n] for n in names]
    types = [page_type(a["url"]) for a in ann]
    results = []
    for label, text_of in configs().items():
        rows = [score(text_of(p), a["with"], a["without"]) for p, a in zip(pages, ann)]
        results.append((label, rows))
    print(f"{len(pages)} pages\n\n| configuration | with kept | without dropped | harmonic mean |\n|---|---|---|---|")
    for label, rows in results:
        if args.all or not label.startswith(("drop", "add")) or "<= 6" in label or ">= 25" in label:
            recall, precision, f1 = _f(rows)
            print(f"| {label} | {recall:.4f} | {precision:.4f} | {f1:.5f} |")
    kinds = sorted(set(types))
    counts = {k: types.count(k) for k in kinds}
    print("\nPer page type (guessed from the URL; the corpus does not label types): harmonic mean\n")
    print("| configuration | " + " | ".join(f"{k} ({counts[k]})" for k in kinds) + " |")
    print("|---|" + "---|" * len(kinds))
    for label, rows in results:
        if label.startswith(("drop", "add")) and label != BEST:
            continue
        cells = [_f([r for r, t in zip(rows, types) if t == k])[2] for k in kinds]
        print(f"| {label} | " + " | ".join(f"{c:.5f}" for c in cells) + " |")
    print("\n| extractor | ms/page |\n|---|---|")
    for key in sorted(k for k in pages[0] if k.startswith("ms:")):
        print(f"| {key[3:]} | {sum(p[key] for p in pages) / len(pages):.1f} |")


if __name__ == "__main__":
    main()
