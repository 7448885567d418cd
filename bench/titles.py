"""Titles against the headline a reader sees, on the annotated corpus pages that have an ``<h1>``.

    python bench/titles.py [--corpus ../shared/corpus/real-pages] [--step N] [--misses FILE]

Ground truth (the corpus annotates text segments, not titles): the page's
``<h1>`` that comes last before the first annotated content (``with``)
segment in the page's text, i.e. the heading right above the story.  Pages
with no ``<h1>`` before their content are left out.  A title matches when it
equals that ``<h1>``'s text after HTML entities are decoded and whitespace
folded (this checkout's ``archiver.extract.structured.plain`` on both sides;
the entities count against titles that still carry them).

Run it on another checkout to compare (``PYTHONPATH=/path/to/old python bench/titles.py``):
it scores ``archiver.extract.extract_article`` of whatever ``archiver`` it imports.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from lxml import etree
from w3lib.encoding import html_to_unicode

if "archiver" not in sys.modules and not any(Path(p, "archiver").is_dir() for p in sys.path if p):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from archiver.extract import NoArticle, extract_article, parse_html  # noqa: E402

# this checkout's plain(), whichever archiver is scored (older ones have none)
_SPEC = importlib.util.spec_from_file_location(
    "bench_structured", Path(__file__).resolve().parents[1] / "archiver" / "extract" / "structured.py")
_STRUCTURED = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = _STRUCTURED
_SPEC.loader.exec_module(_STRUCTURED)
plain = _STRUCTURED.plain

_NO_VOTE = {"vote": False} if "vote" in inspect.signature(extract_article).parameters else {}  # titles only


def _fold(text: str | None) -> str:
    return " ".join((text or "").split())


def ground_truth(html: str, with_: list[str]) -> str | None:
    """The text of the last ``<h1>`` before the first annotated content segment, or None."""
    body = parse_html(html).find("body")
    if body is None:
        return None
    marks: list[tuple[int, str]] = []
    pieces: list[str] = []
    size = 0
    for event, node in etree.iterwalk(body, events=("start", "end")):
        if event == "start" and node.tag == "h1":
            marks.append((size, plain(node.text_content()) or ""))
        piece = (node.text if node.tag not in ("script", "style") else "") if event == "start" else (
            node.tail if node is not body else "")
        pieces.append(" " + (piece or ""))
        size += len(pieces[-1])
    text = "".join(pieces)
    folded_positions = [(len(_fold(text[:at])), h1) for at, h1 in marks if h1]
    folded = _fold(text)
    starts = [folded.find(_fold(s)) for s in with_ if _fold(s) in folded]
    if not starts or not folded_positions:
        return None
    before = [h1 for at, h1 in folded_positions if at <= min(starts)]
    return before[-1] if before else None


def title_of(job: tuple[str, str, list[str]]) -> tuple[str | None, str | None]:
    path, url, with_ = job
    html = html_to_unicode(None, Path(path).read_bytes())[1]
    try:
        truth = ground_truth(html, with_)
    except NoArticle:  # the page cannot be parsed
        return None, None
    if truth is None:
        return None, None
    try:
        return truth, extract_article(html, url, **_NO_VOTE).title
    except NoArticle:
        return truth, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared/corpus/real-pages")
    parser.add_argument("--step", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--misses", type=Path, help="write every page whose title misses, as JSON lines")
    args = parser.parse_args()
    annotations = json.loads((args.corpus / "annotations.json").read_text())
    names = sorted(annotations)[::args.step]
    jobs = [(str(args.corpus / "html" / n), annotations[n]["url"], annotations[n]["with"]) for n in names]
    with ProcessPoolExecutor(args.workers) as pool:
        results = [(n, *r) for n, r in zip(names, pool.map(title_of, jobs, chunksize=8)) if r[0] is not None]
    exact = sum(_fold(title) == truth for _, truth, title in results)
    folded = sum(_fold(title).casefold() == truth.casefold() for _, truth, title in results)
    contains = sum(bool(title) and truth.casefold() in plain(title).casefold() for _, truth, title in results)
    entities = sum(bool(title) and plain(title) != _fold(title) for _, truth, title in results)
    n = len(results)
    print(f"{len(names)} pages, {n} with an <h1> before the annotated content (the ground truth)")
    print("| exact match | case-folded match | title contains the <h1> | titles with raw entities |\n|---|---|---|---|")
    print(f"| {exact} ({exact / n:.1%}) | {folded} ({folded / n:.1%}) | {contains} ({contains / n:.1%}) | {entities} |")
    if args.misses:
        with args.misses.open("w") as out:
            for name, truth, title in results:
                if _fold(title) != truth:
                    out.write(json.dumps({"page": name, "h1": truth, "title": title}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
