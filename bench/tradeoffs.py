"""What each way of extracting costs and what it scores, on both halves of the corpus and by two measures.

    python bench/tradeoffs.py --cache /tmp/tradeoffs.pkl     # every page read every way (minutes, once)
    python bench/tradeoffs.py --cache /tmp/tradeoffs.pkl     # again: the tables from the cache (seconds)

Every corpus page goes through the real call site, ``extract_article``, in
four ways: trafilatura with its fallbacks (readability, jusText), with and
without the vote, and trafilatura's fast mode (no fallbacks), with and
without the vote; and through each voter alone (readability-lxml as
trafilatura vendors it, jusText, Resiliparse and, when installed, the Go
port of readability, pygoreadability: not a dependency, since it did not
pay; ``pip install pygoreadability`` to measure it again).  Each is timed in CPU (user and
system time of the worker process, ``time.process_time``): the machine may
be busy, CPU time is what a page costs whatever else runs.

The configurations are then scored on those outputs by both measures of
bench/quality.py (segments: the share of ``with`` segments kept and of
``without`` segments dropped, and their harmonic mean; words: word-level
precision, recall and F1, :func:`quality.word_scores`), on all pages, on
the first half and on the second half of the pages sorted by file name (the
corpus's names are hashes, so the halves are a random split).  Vote rules
with other voters and cascades (the fast pass first; the dearer work only
on pages where the fast pass looks weak) are scored from the same outputs:
their CPU is the fast pass's plus, where they go further, the dearer
configuration's.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable

from w3lib.encoding import html_to_unicode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from archiver.text.words import count as count_words  # noqa: E402
from archiver.extract import NoArticle, extract_article, voting  # noqa: E402
from archiver.extract.pipeline import pruned_tree  # noqa: E402
from bench.quality import word_f1, word_scores  # noqa: E402
from bench.voting import _f, score  # noqa: E402

FULL = "archiver.extract.trafilatura_backend.FullTrafilaturaExtractor"
FAST = "archiver.extract.trafilatura_backend.FastTrafilaturaExtractor"
RUNS = {"full": (FULL, False), "full+vote": (FULL, True), "fast": (FAST, False), "fast+vote": (FAST, True)}


def _goreadability(tree: Any, url: str | None, language: str | None) -> list[str]:
    from lxml import etree
    from pygoreadability import from_string

    text = from_string(etree.tostring(tree, encoding="unicode", method="html"), url).content_text
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def voters() -> dict[str, Callable[[Any, str | None, str | None], list[str]]]:
    """Every voter to measure: the vote's own, and the compiled ones that are installed."""
    found = {name: voter.lines for name, voter in voting.VOTERS.items()}
    try:
        import pygoreadability  # noqa: F401
    except ImportError:
        print("pygoreadability is not installed: measured without it", file=sys.stderr)
    else:
        found["goreadability"] = _goreadability
    return found


def _cpu(function: Callable[[], Any]) -> tuple[Any, float]:
    start = time.process_time()
    try:
        value = function()
    except (NoArticle, RuntimeError):
        value = None
    return value, 1000 * (time.process_time() - start)


def read_page(job: tuple[str, str]) -> dict[str, Any]:
    """One page read every way: each way's text (or lines) and CPU ms."""
    path, url = job
    html = html_to_unicode(None, Path(path).read_bytes())[1]
    out: dict[str, Any] = {}
    for label, (extractor, vote) in RUNS.items():
        article, out[f"ms:{label}"] = _cpu(lambda: extract_article(html, url, extractor=extractor, vote=vote))
        out[label] = article.text if article else ""
        language = article.language if article else None
    tree, out["ms:parse"] = _cpu(lambda: pruned_tree(html, None))
    for name, lines in voters().items():
        found, out[f"ms:{name}"] = _cpu(lambda: lines(tree, url, language) if tree is not None else [])
        out[name] = found or []
    return out


def _warm() -> None:
    import archiver.extract.preload  # noqa: F401 - as the crawl's workers start: nothing loads on the first pages


def collect(corpus: Path, names: list[str], annotations: dict, workers: int, cache: Path) -> list[dict]:
    if cache.exists():
        cached = pickle.loads(cache.read_bytes())
        if cached["names"] == names:
            return cached["pages"]
    jobs = [(str(corpus / "html" / n), annotations[n]["url"]) for n in names]
    with ProcessPoolExecutor(workers, initializer=_warm) as pool:
        pages = list(pool.map(read_page, jobs, chunksize=4))
    cache.write_bytes(pickle.dumps({"names": names, "pages": pages}))
    return pages


class _Asked(dict):
    """A page's ballots that remember which voters the vote asked for (the others would not run)."""

    def __init__(self, page: dict, names: list[str]):
        super().__init__((name, page.get(name, [])) for name in names)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.asked.add(key)
        return super().__getitem__(key)


def _voted(base: str, rule: voting.Rule, free: tuple[str, ...] = ()) -> Callable[[dict], tuple[str, float]]:
    """The ``base`` run's text after a vote by ``rule``: its text and CPU (the voters asked, less ``free`` ones)."""
    def run(page: dict) -> tuple[str, float]:
        ballots = _Asked(page, [name for name in page if not name.startswith("ms:")])
        start = time.process_time()
        text = voting.vote(page[base], ballots, rule)
        spent = 1000 * (time.process_time() - start)
        return text, page[f"ms:{base}"] + spent + sum(page[f"ms:{n}"] for n in ballots.asked - set(free) if f"ms:{n}" in page)
    return run


def _short_share(text: str) -> float:
    lines = [line for line in text.splitlines() if line.strip()]
    return sum(count_words(line) <= 6 for line in lines) / len(lines) if lines else 1.0


WEAK: dict[str, Callable[[str], bool]] = {
    **{f"fewer than {n} words": (lambda n: lambda text: count_words(text) < n)(n) for n in (100, 200, 400)},
    **{f"over {s:.0%} short lines": (lambda s: lambda text: _short_share(text) > s)(s) for s in (0.2, 0.3, 0.4)},
}


def configurations(has_go: bool) -> dict[str, Callable[[dict], tuple[str, float]]]:
    """label -> a page's (text, CPU ms) under that configuration."""
    found: dict[str, Callable[[dict], tuple[str, float]]] = {
        label: (lambda label: lambda p: (p[label], p[f"ms:{label}"]))(label) for label in RUNS}
    # the vote with other voters, on the outputs of the no-vote runs (readability's lines are free after the full
    # pass: trafilatura ran it as its fallback)
    rules = {"vote: readability, jusText, Resiliparse": voting.RULE,
             "vote: drop only (jusText, Resiliparse)": voting.Rule(add_from=None),
             "vote: drop only (Resiliparse)": voting.Rule(drop_voters=("resiliparse",), add_from=None)}
    if has_go:
        rules["vote: goreadability for readability"] = voting.Rule(add_confirm=("resiliparse", "goreadability"))
        rules["vote: goreadability for jusText (drop)"] = voting.Rule(drop_voters=("goreadability", "resiliparse"))
        rules["vote: drop only (goreadability, Resiliparse)"] = voting.Rule(drop_voters=("goreadability", "resiliparse"),
                                                                          add_from=None)
    for label, rule in rules.items():
        found[f"full, {label}"] = _voted("full", rule, free=("readability",))
        found[f"fast, {label}"] = _voted("fast", rule)
    for label, weak in WEAK.items():
        for then in ("full", "full+vote"):
            found[f"cascade: fast; {then} when {label}"] = _cascade(weak, "fast", then)
    # the default extractor (TrafilaturaExtractor) is this cascade (tests/test_trafilatura_cascade.py), with and without the vote
    found["**the default: cascade, fast; full when fewer than 100 words**"] = _cascade(WEAK["fewer than 100 words"], "fast", "full")
    found["the default with ARCHIVER_VOTE=1"] = _cascade(WEAK["fewer than 100 words"], "fast+vote", "full+vote")
    return found


def _cascade(weak: Callable[[str], bool], first: str, then: str) -> Callable[[dict], tuple[str, float]]:
    """``first``'s text, or ``then``'s where the fast pass's text is weak (its CPU: both runs')."""
    return lambda p: (p[then], p[f"ms:{first}"] + p[f"ms:{then}"]) if weak(p["fast"]) else (p[first], p[f"ms:{first}"])


def table(pages: list[dict], ann: list[dict], labels: dict[str, Callable[[dict], tuple[str, float]]]) -> list[str]:
    halves = {"all": range(len(pages)), "first half": range(len(pages) // 2), "second half": range(len(pages) // 2, len(pages))}
    lines = ["| configuration | CPU ms/page | " + " | ".join(f"segments HM, {h}" for h in halves) + " | "
             + " | ".join(f"word F1, {h}" for h in halves) + " | word P / R (all) |",
             "|---|---|" + "---|" * (2 * len(halves) + 1)]
    for label, run in labels.items():
        results = [run(p) for p in pages]
        segments = [score(text, a["with"], a["without"]) for (text, _), a in zip(results, ann)]
        words = [word_scores(text, a["with"], a["without"]) for (text, _), a in zip(results, ann)]
        cpu = sum(ms for _, ms in results) / len(results)
        precision, recall, _ = word_f1(words)
        lines.append(f"| {label} | {cpu:.1f} | "
                     + " | ".join(f"{_f([segments[i] for i in h])[2]:.5f}" for h in halves.values()) + " | "
                     + " | ".join(f"{word_f1([words[i] for i in h])[2]:.5f}" for h in halves.values())
                     + f" | {precision:.4f} / {recall:.4f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared/corpus/real-pages")
    parser.add_argument("--cache", type=Path, required=True, help="pickle of every page's outputs, reused when it exists")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    annotations = json.loads((args.corpus / "annotations.json").read_text())
    names = sorted(annotations)[:args.limit]
    pages = collect(args.corpus, names, annotations, args.workers, args.cache)
    ann = [annotations[n] for n in names]
    print(f"{len(pages)} pages; CPU is user+system time of one worker process, ms per page\n")
    print("\n".join(table(pages, ann, configurations("goreadability" in pages[0]))))
    print("\n| voter alone | CPU ms/page | segments HM | word F1 |\n|---|---|---|---|")
    for name in [k[3:] for k in pages[0] if k.startswith("ms:") and k[3:] not in RUNS]:
        if name == "parse":
            print(f"| (parsing and pruning the page once) | {sum(p['ms:parse'] for p in pages) / len(pages):.1f} | | |")
            continue
        texts = ["\n".join(p[name]) for p in pages]
        print(f"| {name} | {sum(p[f'ms:{name}'] for p in pages) / len(pages):.1f} | "
              f"{_f([score(t, a['with'], a['without']) for t, a in zip(texts, ann)])[2]:.5f} | "
              f"{word_f1([word_scores(t, a['with'], a['without']) for t, a in zip(texts, ann)])[2]:.5f} |")


if __name__ == "__main__":
    main()
