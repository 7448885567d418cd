"""Words in every script, including those written without spaces between words.

Counting words by spaces makes a Japanese or Chinese article of several
paragraphs "1 word" (too short, below the recall threshold) and a Thai one a
handful.  Knows nothing of Scrapy or SQLite.

- **Chinese and Japanese** (Han, hiragana, katakana): each character counts
  as a word, the convention of word processors (Word, Google Docs) for these
  scripts; a dictionary segmenter would be exact but is a large dependency,
  and a character count is stable and grows with the text as a word count
  does.  For story terms and shingles (:func:`tokens`) a run of these
  characters gives its overlapping character bigrams, the usual unit of CJK
  search (Lucene's CJKAnalyzer): single characters are too common to tell
  texts apart, and two characters are the commonest length of a Chinese word.
- **Thai, Lao, Khmer and Myanmar**: a run of letters counts one word per
  :data:`LETTERS_PER_WORD` letters (combining vowel and tone marks aside),
  rounded up: an estimate (3.9 over six hand-segmented Thai
  sentences) that keeps thresholds meaningful without a dictionary.
- Everything else (Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Korean
  hangul...) is written with spaces: a word is a whitespace-separated token,
  exactly as before, so counts of such texts do not change.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from math import ceil

LETTERS_PER_WORD = 4

_CJK = (
    "\u3005\u3007\u3021-\u3029\u3038-\u303b"  # ideographic iteration and number marks
    "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # hiragana, katakana (half-width too)
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # Han
)
_SPACELESS = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Myanmar, Khmer


def _marks(first: int, last: int) -> str:
    """A character class body of every combining mark (category M) from ``first`` to ``last``, as ranges."""
    ranges: list[list[int]] = []
    for code in range(first, min(sys.maxunicode, last) + 1):
        if unicodedata.category(chr(code))[0] == "M":
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)


_BMP_MARKS = _marks(0x300, 0xFFFF)
_MARKS = _BMP_MARKS + _marks(0x10000, 0x1FFFF)
# \w alone splits Thai, Devanagari or vowelled Arabic words at their vowel
# signs (combining marks are not \w): a word is letters with their marks.
_TOKEN = re.compile(f"[\\w{_MARKS}]+")
# The same for a text without astral characters (nearly every text), three times as fast: Python's re
# tests a character against a class's astral ranges one by one (109 of marks), at the end of every word.
_BMP_TOKEN = re.compile(f"[\\w{_BMP_MARKS}]+")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_SPECIAL = re.compile(f"[{_CJK}{_SPACELESS}]")
_PIECES = re.compile(f"([{_CJK}]+)|([{_SPACELESS}{_MARKS}]+)")
_CJK_RUN = re.compile(f"[{_CJK}]+")
_MARK = re.compile(f"[{_MARKS}]")
# inside a token with CJK or spaceless-script letters: each CJK character, each spaceless letter with its
# marks, and each run of the other letters and digits ("iPhone15の"), in the order they are written
_UNIT = re.compile(f"[{_CJK}]|[{_SPACELESS}][{_MARKS}]*|(?:(?![{_CJK}{_SPACELESS}])[\\w{_MARKS}])+")
_SPACELESS_LETTER = re.compile(f"[{_SPACELESS}]")


def _spaceless_words(run: str) -> int:
    return ceil(len(_MARK.sub("", run)) / LETTERS_PER_WORD)


def count(text: str) -> int:
    """How many words ``text`` has, in any script."""
    if _SPECIAL.search(text) is None:  # the common case, at the cost it always had
        return len(text.split())
    total = 0
    for token in text.split():
        if _SPECIAL.search(token) is None:
            total += 1
            continue
        for cjk, spaceless in _PIECES.findall(token):
            total += len(cjk) + (_spaceless_words(spaceless) if spaceless else 0)
        rest = _PIECES.sub(" ", token)
        total += len(_TOKEN.findall(rest))  # Latin letters or digits inside the token ("iPhone15の")
    return total


def units(text: str) -> list[str]:
    """The text as a word diff compares it: whitespace-separated words, but each Chinese or Japanese
    character and each Thai, Lao, Khmer or Myanmar letter (with its marks) alone.

    An edit inside a run of such characters then changes the units it touched,
    not the whole run (a Chinese paragraph is one whitespace token).
    :func:`units_words` counts units as :func:`count` counts words.
    """
    if _SPECIAL.search(text) is None:
        return text.split()
    out: list[str] = []
    for token in text.split():
        out += [token] if _SPECIAL.search(token) is None else _UNIT.findall(token)
    return out


def units_words(units: list[str]) -> int:
    """How many words some of :func:`units`'s units make: a spaceless-script letter is a
    :data:`LETTERS_PER_WORD`-th of one (rounded up), every other unit one."""
    spaceless = [unit for unit in units if _SPACELESS_LETTER.match(unit)]
    letters = sum(_MARK.match(unit) is None for unit in spaceless)  # a mark with no letter before it is none
    return len(units) - len(spaceless) + ceil(letters / LETTERS_PER_WORD)


def tokens(text: str) -> list[str]:
    """The text's word tokens, for hashing and story terms: CJK runs as overlapping bigrams."""
    found = (_BMP_TOKEN if _ASTRAL.search(text) is None else _TOKEN).findall(text)
    if _SPECIAL.search(text) is None:
        return found
    out: list[str] = []
    for token in found:
        start = 0
        for run in _CJK_RUN.finditer(token):
            if run.start() > start:
                out.append(token[start : run.start()])
            chars = run.group()
            out += [chars] if len(chars) == 1 else [chars[i : i + 2] for i in range(len(chars) - 1)]
            start = run.end()
        if start < len(token):
            out.append(token[start:])
    return out


def is_cjk(token: str) -> bool:
    """Whether a token is made of Chinese or Japanese characters (a bigram of :func:`tokens`)."""
    return _CJK_RUN.fullmatch(token) is not None
