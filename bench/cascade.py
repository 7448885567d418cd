"""A cheap first pass in front of the pipeline: could Resiliparse stand in for it where it does well?

    python bench/voting.py --cache /tmp/voting.pkl     # every extractor's text for every page (minutes, once)
    python bench/cascade.py --cache /tmp/voting.pkl    # seconds

Resiliparse reads a page in a few milliseconds, the pipeline (trafilatura
and the vote) in about forty.  A cascade keeps Resiliparse's text unless a
cheap test says it looks weak, and runs the pipeline only then.  This scores
such tests on the 945 annotated pages with bench/voting.py's scoring, beside
the pipeline alone, each with the share of pages it sends to the pipeline;
the oracle picks, page by page, whichever of the two texts scores better,
the best any test could do, and the last table gives the oracle when it may
send only a given share of pages.  ``--half 0`` and ``--half 1`` score the
even and the odd pages alone.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from archiver.text.words import count as count_words  # noqa: E402
from bench.voting import _f, score  # noqa: E402

Row = tuple[int, int, int, int]


def short_share(lines: list[str]) -> float:
    """The share of a text's lines of at most 6 words (menus, labels, share buttons)."""
    return sum(count_words(line) <= 6 for line in lines) / len(lines) if lines else 1.0


TESTS: dict[str, Callable[[list[str]], bool]] = {
    **{f"fewer than {n} words": (lambda n: lambda lines: count_words(" ".join(lines)) < n)(n) for n in (200, 400, 600)},
    **{f"over {share:.0%} short lines": (lambda s: lambda lines: short_share(lines) > s)(share) for share in (0.4, 0.3, 0.2)},
}


def _gain(first: Row, full: Row) -> float:
    """How much better the pipeline's text scores than the first pass's on one page (segments right)."""
    return (full[0] + full[2]) - (first[0] + first[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared/corpus/real-pages")
    parser.add_argument("--cache", type=Path, required=True, help="bench/voting.py --cache FILE, made beforehand")
    parser.add_argument("--half", type=int, choices=(0, 1), help="score only the even (0) or the odd (1) pages")
    args = parser.parse_args()
    annotations = json.loads((args.corpus / "annotations.json").read_text())
    cached = pickle.loads(args.cache.read_bytes())
    names, pages = cached["names"], cached["pages"]
    if args.half is not None:
        names, pages = names[args.half::2], pages[args.half::2]
    ann = [annotations[n] for n in names]
    first = [score("\n".join(p["resiliparse"]), a["with"], a["without"]) for p, a in zip(pages, ann)]
    full = [score(p["voted"], a["with"], a["without"]) for p, a in zip(pages, ann)]

    print(f"{len(pages)} pages\n\n| configuration | with kept | without dropped | harmonic mean | pages to the pipeline |")
    print("|---|---|---|---|---|")

    def row(label: str, rows: list[Row], sent: int) -> None:
        kept, dropped, f1 = _f(rows)
        print(f"| {label} | {kept:.4f} | {dropped:.4f} | {f1:.5f} | {sent / len(rows):.0%} |")

    row("the pipeline alone (trafilatura and the vote)", full, len(full))
    row("Resiliparse alone", first, 0)
    for label, weak in TESTS.items():
        chosen = [weak(p["resiliparse"]) for p in pages]
        row(f"Resiliparse; the pipeline when {label}", [f if c else r for r, f, c in zip(first, full, chosen)], sum(chosen))
    better = [_gain(r, f) > 0 for r, f in zip(first, full)]
    row("oracle: the better of the two on each page", [f if b else r for r, f, b in zip(first, full, better)], sum(better))

    print("\n| the oracle may send at most | harmonic mean |\n|---|---|")
    order = sorted(range(len(pages)), key=lambda i: -_gain(first[i], full[i]))
    for share in (0.2, 0.3, 0.35, 0.4, 0.5):
        sent = set(order[: int(share * len(pages))])
        print(f"| {share:.0%} of pages | {_f([full[i] if i in sent else first[i] for i in range(len(pages))])[2]:.5f} |")


if __name__ == "__main__":
    main()
