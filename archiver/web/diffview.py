"""Two versions of an article side by side, the changed words marked (``<del>``, ``<ins>``).

The work is bounded whatever the texts: at most :data:`MAX_LINES` paragraphs
a side are compared (the page says when more were left out); past
:data:`~archiver.text.versions.MAX_MATCHES` pairs of equal paragraphs (what
difflib's matching loops over) the texts are shown replaced whole; two
changed paragraphs are compared word by word only while their words'
product stays under :data:`MAX_WORD_PAIRS`, and the page's under
:data:`MAX_PAGE_WORD_PAIRS`.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup, escape

from archiver.text.versions import MAX_MATCHES

MAX_LINES = 2000
MAX_WORD_PAIRS = 250_000  # a pair of paragraphs compared word by word, at most
MAX_PAGE_WORD_PAIRS = 4 * MAX_WORD_PAIRS  # all of a page's pairs together: then changed paragraphs are marked whole
CONTEXT = 1  # unchanged paragraphs shown around a change; longer unchanged runs are folded
_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass
class Row:
    """One row of the comparison: ``same``, ``changed``, ``removed``, ``added`` or ``folded`` (``count`` paragraphs)."""

    kind: str
    old: Markup = Markup("")
    new: Markup = Markup("")
    count: int = 0


@dataclass
class Comparison:
    rows: list[Row]
    shortened: bool  # a text had more than MAX_LINES paragraphs: the rest is not compared


def _pairs(old: Sequence[str], new: Sequence[str]) -> int:
    counts = Counter(new)
    return sum(counts[item] for item in old)


def words_marked(old: str, new: str, budget: int = MAX_WORD_PAIRS) -> tuple[Markup, Markup]:
    """Two paragraphs with the words only in the old one in ``<del>``, only in the new one in ``<ins>``.

    Past ``budget`` pairs of words the paragraphs are marked whole.
    """
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    if len(a) * len(b) > min(budget, MAX_WORD_PAIRS):
        return Markup("<del>{}</del>").format(old), Markup("<ins>{}</ins>").format(new)
    left: list[str] = []
    right: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        gone, came = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if tag == "equal":
            left.append(gone)
            right.append(came)
            continue
        if gone:
            left.append(f"<del>{gone}</del>")
        if came:
            right.append(f"<ins>{came}</ins>")
    return Markup("".join(left)), Markup("".join(right))


def _fold(rows: list[Row]) -> list[Row]:
    """Runs of unchanged paragraphs longer than the context around changes, folded into one row."""
    folded: list[Row] = []
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and rows[j].kind == "same":
            j += 1
        if j == i:
            folded.append(rows[i])
            i += 1
            continue
        keep_before = CONTEXT if i > 0 else 0  # context after the change before this run
        keep_after = CONTEXT if j < len(rows) else 0  # context before the next change
        if j - i > keep_before + keep_after + 1:
            folded += rows[i : i + keep_before]
            folded.append(Row("folded", count=j - i - keep_before - keep_after))
            folded += rows[j - keep_after : j]
        else:
            folded += rows[i:j]
        i = j
    return folded


def compare(old_text: str | None, new_text: str | None) -> Comparison:
    """The two texts' paragraphs side by side, changes marked, unchanged stretches folded."""
    old_all = [line for line in (old_text or "").splitlines() if line.strip()]
    new_all = [line for line in (new_text or "").splitlines() if line.strip()]
    old, new = old_all[:MAX_LINES], new_all[:MAX_LINES]
    shortened = len(old_all) > MAX_LINES or len(new_all) > MAX_LINES
    if _pairs(old, new) > MAX_MATCHES:
        opcodes = [("replace", 0, len(old), 0, len(new))]
    else:
        opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    rows: list[Row] = []
    budget = MAX_PAGE_WORD_PAIRS
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            rows += [Row("same", escape(line), escape(line)) for line in old[i1:i2]]
            continue
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            rows.append(Row("changed", *words_marked(old[i1 + k], new[j1 + k], budget)))
            budget -= len(_TOKENS.findall(old[i1 + k])) * len(_TOKENS.findall(new[j1 + k]))
        rows += [Row("removed", old=Markup("<del>{}</del>").format(line)) for line in old[i1 + paired : i2]]
        rows += [Row("added", new=Markup("<ins>{}</ins>").format(line)) for line in new[j1 + paired : j2]]
    return Comparison(_fold(rows), shortened)
