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
from dataclasses import dataclass

DIFF_CONTEXT = 1  # lines of context around each change in the unified diff

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
    """Words added and removed, and a unified diff (the title as its first line)."""
    old_lines = [f"# {old_title or ''}", *(old_text or "").splitlines()]
    new_lines = [f"# {new_title or ''}", *(new_text or "").splitlines()]
    old_words, new_words = " ".join(old_lines).split(), " ".join(new_lines).split()
    added = removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_words, new_words, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    diff = "\n".join(
        difflib.unified_diff(old_lines, new_lines, "previous", "this version", n=DIFF_CONTEXT, lineterm="")
    )
    return Change(added, removed, diff)
