"""When a re-fetched article is a new version, and what changed.

Knows neither SQLite nor Scrapy.  Two texts are the same version when their
*normalized* forms match: case, spacing, punctuation spacing and lines that
only give a date or time ("Updated 10:32 BST", "Published: 8 April 2022",
"5 min read") do not count, so a page that re-renders its timestamp is noted
as a cosmetic change, not stored again.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import Counter
from dataclasses import dataclass

from archiver.text.words import units, units_words

DIFF_CONTEXT = 1  # lines of context around each change in the unified diff
# pairs of equal words (or lines) difflib may look at to compare two versions, at most (a tenth of a second):
# a text of a few repeated words has millions, an article of thousands of words some ten thousand
MAX_MATCHES = 50_000

_SPACES = re.compile(r"\s+")
_MONTHS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE_LINE = re.compile(
    r"\b(updated|published|posted|modified|last\s+updated|min(ute)?s?\s+read|ago)\b"
    r"|\b\d{1,2}:\d{2}\b"
    rf"|\b\d{{1,2}}\s+({_MONTHS})[a-z]*\.?\s+\d{{4}}\b|\b({_MONTHS})[a-z]*\.?\s+\d{{1,2}},?\s+\d{{4}}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b",
    re.IGNORECASE,
)
DATE_LINE_WORDS = 12  # a longer line with a date in it is a sentence of the story


def is_date_line(line: str) -> bool:
    """A short line whose point is a date or time (a dateline, "Updated ...", "5 min read")."""
    return len(line.split()) <= DATE_LINE_WORDS and _DATE_LINE.search(line) is not None


def normalized_lines(text: str) -> list[str]:
    """The text's lines as compared: spaces folded, case folded, date lines and empty lines gone."""
    lines = (_SPACES.sub(" ", line).strip().casefold() for line in (text or "").splitlines())
    return [line for line in lines if line and not is_date_line(line)]


def fingerprint(title: str | None, text: str | None) -> str:
    """SHA-1 of the normalized title and text: equal fingerprints, same version."""
    normal = "\n".join([_SPACES.sub(" ", title or "").strip().casefold(), *normalized_lines(text or "")])
    return hashlib.sha1(normal.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Change:
    """How a new version differs from the previous one."""

    words_added: int
    words_removed: int
    diff: str  # unified diff of the texts, line by line (a paragraph a line)


def compare(old_title: str | None, old_text: str | None, new_title: str | None, new_text: str | None) -> Change:
    """Words added and removed, and a unified diff (the title as its first line).

    Words are counted in any script (:func:`archiver.text.words.units`), in
    the lines between the first and the last that changed.  The work is
    bounded: difflib's grows with the pairs of equal words it looks at, and
    faster (a minute for two 6,000-word texts of a few repeated words), so
    past :data:`MAX_MATCHES` pairs the words are compared as bags (a word
    moved counts nothing), and past it in lines the diff replaces the whole text.
    """
    old_lines = [f"# {old_title or ''}", *(old_text or "").splitlines()]
    new_lines = [f"# {new_title or ''}", *(new_text or "").splitlines()]
    start, old_end, new_end = _changed(old_lines, new_lines)
    old_units, new_units = units(" ".join(old_lines[start:old_end])), units(" ".join(new_lines[start:new_end]))
    gone, came = Counter(old_units), Counter(new_units)
    if _matches(gone, came) > MAX_MATCHES:
        removed, added = list((gone - came).elements()), list((came - gone).elements())
    else:
        removed, added = [], []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_units, new_units, autojunk=False).get_opcodes():
            if tag in ("replace", "delete"):
                removed += old_units[i1:i2]
            if tag in ("replace", "insert"):
                added += new_units[j1:j2]
    if _matches(Counter(old_lines), Counter(new_lines)) > MAX_MATCHES:
        diff = _replaced(old_lines, new_lines)
    else:
        diff = "\n".join(
            difflib.unified_diff(old_lines, new_lines, "previous", "this version", n=DIFF_CONTEXT, lineterm=""))
    return Change(units_words(added), units_words(removed), diff)


def _matches(old: Counter, new: Counter) -> int:
    """How many pairs of equal items two sequences have (what difflib's matching loops over)."""
    return sum(count * new[item] for item, count in old.items() if item in new)


def _changed(old: list[str], new: list[str]) -> tuple[int, int, int]:
    """Where two lists of lines differ: the first index that differs, and the ends of each after the last."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    old_end, new_end = len(old), len(new)
    while old_end > start and new_end > start and old[old_end - 1] == new[new_end - 1]:
        old_end, new_end = old_end - 1, new_end - 1
    return start, old_end, new_end


def _replaced(old_lines: list[str], new_lines: list[str]) -> str:
    """The unified diff of a text replaced whole: every old line out, every new line in."""
    hunk = f"@@ -1,{len(old_lines)} +1,{len(new_lines)} @@"
    return "\n".join(["--- previous", "+++ this version", hunk, *(f"-{line}" for line in old_lines),
                      *(f"+{line}" for line in new_lines)])
