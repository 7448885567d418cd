"""The quality of a crawl of the corpus, read from its archive: what bench/throughput.py prints beside the speed.

    python bench/quality.py ARCHIVE.db [--reference OLD.json] [--save NEW.json]

Scores the ``articles`` of an archive whose URLs end in corpus file names
(``.../NAME.html``, as bench/throughput.py serves them):

- text: the share of annotated content segments kept, of chrome segments
  absent, and their harmonic mean, over every corpus page crawled (a page
  without an article keeps nothing);
- words: word-level precision, recall and F1 of the text (:func:`word_scores`:
  the ``with`` segments' words are what the text should hold, the
  ``without`` segments' words what it should not);
- halves: both measures on the first and on the second half of the pages
  sorted by file name (the names are hashes: a random split, as
  bench/tradeoffs.py's), since a change kept for quality must hold on both;
- titles: exact matches with the page's headline (bench/titles.py's ground
  truth: the ``<h1>`` right above the annotated content);
- stories: articles in stories of two or more, and copies (the corpus has
  one page a site and no two write-ups of one event: both should be few);
- metadata agreement: with ``--reference`` (a ``--save`` file of an earlier
  run, for instance before a speed change), the share of pages whose title,
  date, authors, site name, description and text are the same.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from titles import _fold, ground_truth
from w3lib.encoding import html_to_unicode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from archiver.text.words import tokens  # noqa: E402
from archiver.extract.structured import visible  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-pages"
FIELDS = ("title", "date", "author", "sitename", "description", "text")
_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _words(text: str) -> list[str]:
    """A text's words, case folded (the archive's own tokens: words in every script)."""
    return tokens(visible(text).casefold())


def _present(segment: list[str], single: set[str], pairs: set[tuple[str, str]]) -> int:
    """How many of a segment's words the text holds beside one of their neighbours in the segment."""
    if len(segment) == 1:
        return segment[0] in single
    inside = [pair in pairs for pair in zip(segment, segment[1:])]
    return sum(a or b for a, b in zip([False, *inside], [*inside, False]))


def word_scores(text: str, with_: list[str], without: list[str]) -> tuple[int, int, int]:
    """One page's word counts for word-level precision and recall: (found, wanted, chrome).

    The annotations are segments (a few for each page), not the whole text:
    ``wanted`` is the number of words of the ``with`` segments (the
    reference), ``found`` how many of them the text holds, ``chrome`` how
    many words of the ``without`` segments it holds (the penalty; the text's
    other words are not judged, since the annotations do not say what they
    are).  A segment's word counts as held when the text has it next to the
    word before or after it in the segment (a one-word segment: the word
    anywhere), so that common words ("the", "and") count only where the
    segment's wording is there, and half a sentence kept counts half.
    Summed over pages: recall = found / wanted, precision = found / (found +
    chrome), F1 their harmonic mean (:func:`word_f1`).
    """
    words = _words(text)
    single, pairs = set(words), set(zip(words, words[1:]))
    found = wanted = chrome = 0
    for segment in map(_words, with_):
        found += _present(segment, single, pairs)
        wanted += len(segment)
    for segment in map(_words, without):
        chrome += _present(segment, single, pairs)
    return found, wanted, chrome


def segment_scores(text: str, with_: list[str], without: list[str]) -> tuple[int, int, int, int]:
    """One page's segment counts: (content segments kept, content segments, chrome segments absent, chrome segments)."""
    text = _norm(text)
    return (sum(_norm(s) in text for s in with_), len(with_), sum(_norm(s) not in text for s in without), len(without))


def segment_hm(rows: list[tuple[int, int, int, int]]) -> tuple[float, float, float]:
    """Pages' :func:`segment_scores` pooled: (share of content kept, share of chrome dropped, their harmonic mean)."""
    found, wanted, absent, chrome = (sum(row[i] for row in rows) for i in range(4))
    kept, dropped = found / max(wanted, 1), absent / max(chrome, 1)
    return kept, dropped, 2 * kept * dropped / max(kept + dropped, 1e-12)


def word_f1(rows: list[tuple[int, int, int]]) -> tuple[float, float, float]:
    """Word-level (precision, recall, F1) of pages' :func:`word_scores`, pooled (every word counts the same)."""
    found, wanted, chrome = (sum(row[i] for row in rows) for i in range(3))
    precision, recall = found / max(found + chrome, 1), found / max(wanted, 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


def _truth(job: tuple[str, list[str]]) -> str | None:
    name, with_ = job
    try:
        return ground_truth(html_to_unicode(None, (CORPUS / "html" / name).read_bytes())[1], with_)
    except Exception:  # noqa: BLE001 - a page the parser refuses has no ground truth
        return None


def _unported(value: object, url: str | None) -> object:
    return value.replace(url.split("/")[2], "HOST") if isinstance(value, str) and url else value


def archived(db_path: Path) -> dict[str, dict]:
    """The first copy's article of each corpus page (by file name): its fields, or {} when it has none."""
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    pages: dict[str, dict] = {}
    for row in db.execute("SELECT c.url, a.* FROM captures c LEFT JOIN articles a ON a.url = c.url "
                          "WHERE c.url LIKE '%/c0/%.html' ORDER BY c.id"):
        pages.setdefault(row["url"].rsplit("/", 1)[1], dict(row) if row["text"] is not None else {})
    stories = tuple(db.execute("SELECT count(*) FILTER (WHERE n > 1), coalesce(sum(n) FILTER (WHERE n > 1), 0) "
                              "FROM (SELECT count(*) n FROM articles GROUP BY story_id)").fetchone() or (0, 0))
    copies = db.execute("SELECT count(*) FROM articles WHERE copy_of IS NOT NULL").fetchone()[0]
    db.close()
    pages[""] = {"stories": stories, "copies": copies}
    return pages


def score(db_path: Path, reference: Path | None = None, save: Path | None = None, workers: int = 2) -> list[str]:
    """Lines of figures for the archive at ``db_path``."""
    annotations = json.loads((CORPUS / "annotations.json").read_text())
    pages = archived(db_path)
    groups = pages.pop("")
    names = sorted(name for name in pages if name in annotations)
    segments = {n: segment_scores(pages[n].get("text") or "", annotations[n]["with"], annotations[n]["without"])
                for n in names}
    words = {n: word_scores(pages[n].get("text") or "", annotations[n]["with"], annotations[n]["without"])
             for n in names}
    kept, dropped, harmonic = segment_hm([segments[n] for n in names])
    precision, recall, f1 = word_f1([words[n] for n in names])
    halves = {"first": names[: len(names) // 2], "second": names[len(names) // 2:]}
    with ProcessPoolExecutor(workers) as pool:
        truths = dict(zip(names, pool.map(_truth, [(n, annotations[n]["with"]) for n in names], chunksize=16)))
    judged = [n for n in names if truths[n]]
    exact = sum(_fold(pages[n].get("title")) == truths[n] for n in judged)
    (stories, in_stories) = groups["stories"]
    lines = [
        f"text: {len(names)} pages, content kept {kept:.5f}, chrome dropped {dropped:.5f}, "
        f"harmonic mean {harmonic:.5f}",
        f"words: precision {precision:.5f}, recall {recall:.5f}, F1 {f1:.5f}",
        "halves (by file name): " + "; ".join(
            f"{half} {len(part)} pages, harmonic mean {segment_hm([segments[n] for n in part])[2]:.5f}, "
            f"word F1 {word_f1([words[n] for n in part])[2]:.5f}" for half, part in halves.items()),
        f"titles: {exact} of {len(judged)} exactly the headline above the story",
        f"stories: {in_stories} articles in {stories} stories of two or more; {groups['copies']} copies",
    ]
    # the loopback server's port changes from run to run: a site name made from the URL names it
    fields = {n: {f: _unported(pages[n].get(f), pages[n].get("url")) for f in FIELDS} for n in names}
    if save:
        save.write_text(json.dumps(fields, ensure_ascii=False))
    if reference:
        before = json.loads(reference.read_text())
        common = [n for n in names if n in before]
        lines.append("metadata agreement with the reference: " + ", ".join(
            f"{f} {sum(fields[n][f] == before[n][f] for n in common)}/{len(common)}" for f in FIELDS))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("db", type=Path)
    parser.add_argument("--reference", type=Path, help="a --save file of an earlier run, to compare field by field")
    parser.add_argument("--save", type=Path, help="write each page's fields here, as JSON")
    args = parser.parse_args()
    print("\n".join(score(args.db, args.reference, args.save)))


if __name__ == "__main__":
    main()
