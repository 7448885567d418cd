"""What comparing two versions of an article costs: ``archiver.text.versions.compare`` on real and hostile texts.

    python bench/versions.py [--corpus ../shared/corpus/real-pages]

Real texts are the corpus pages' articles as the pipeline extracts them (in
two processes first), a paragraph a line.  Each is compared with three new versions: one paragraph
rewritten, a paragraph added, and every line changed (each paragraph's first
word dropped).  Then hostile texts, the kind a page can serve to hold up the
thread that diffs (``archiver-cpu``): a thousand lines of a few repeated
words, and one huge paragraph of them.  Prints CPU ms per comparison
(median and worst) and the words counted.

Run it on another checkout to compare (``PYTHONPATH=/path/to/old python bench/versions.py --quick``;
``--quick`` leaves out the hostile texts, which take minutes where difflib is unbounded).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

if "archiver" not in sys.modules and not any(Path(p, "archiver").is_dir() for p in sys.path if p):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from archiver.formats.charsets import page_text  # noqa: E402
from archiver.text.versions import compare  # noqa: E402
from archiver.extract import NoArticle, extract_article  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-pages"


def _paragraphs(page: Path) -> list[str]:
    try:
        return extract_article(page_text(page.read_bytes(), "text/html"), f"http://example.com/{page.name}").text.splitlines()
    except NoArticle:
        return []


def _edits(paragraphs: list[str]) -> dict[str, str]:
    middle = len(paragraphs) // 2
    rewritten = [*paragraphs[:middle], " ".join(reversed(paragraphs[middle].split())), *paragraphs[middle + 1:]]
    added = [*paragraphs[:middle], "A paragraph the editors added later, with a correction.", *paragraphs[middle:]]
    every = [p.split(" ", 1)[-1] for p in paragraphs]
    return {"one paragraph rewritten": "\n".join(rewritten), "a paragraph added": "\n".join(added),
            "every line changed": "\n".join(every)}


def _time(old: str, new: str) -> tuple[float, int]:
    start = time.process_time()
    change = compare("Title", old, "Title", new)
    return (time.process_time() - start) * 1000, change.words_added + change.words_removed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--quick", action="store_true", help="real texts only")
    args = parser.parse_args()
    with ProcessPoolExecutor(2) as pool:
        found = pool.map(_paragraphs, sorted((args.corpus / "html").glob("*.html")), chunksize=8)
        texts = [paragraphs for paragraphs in found if len(paragraphs) >= 2]
    print(f"{len(texts)} corpus texts, {statistics.median(len(' '.join(t).split()) for t in texts):.0f} words "
          f"(median), {max(len(' '.join(t).split()) for t in texts)} at most\n")
    print("| versions compared | CPU ms, median | CPU ms, worst | words added and removed, all texts |")
    print("|---|---|---|---|")
    for kind in _edits(["a", "b"]):
        results = [_time("\n".join(t), _edits(t)[kind]) for t in texts]
        times = [ms for ms, _ in results]
        print(f"| {kind} | {statistics.median(times):.2f} | {max(times):.1f} | {sum(w for _, w in results)} |")
    if args.quick:
        return
    words = ["the", "a", "of"]
    hostile = {
        "1,000 lines of 3 repeated words, every line changed": (
            "\n".join(words[i % 3] for i in range(1000)), "\n".join(words[i % 2] for i in range(1000))),
        "one paragraph of 300,000 repeated words, 5 changed": (
            " ".join(words[i % 3] for i in range(300_000)),
            " ".join(words[i % 3] for i in range(300_000)).replace("of", "to", 5)),
    }
    for kind, (old, new) in hostile.items():
        ms, counted = _time(old, new)
        print(f"| {kind} | {ms:.1f} | {ms:.1f} | {counted} |")


if __name__ == "__main__":
    main()
