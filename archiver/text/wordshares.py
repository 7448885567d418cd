"""A compact table of words and a number each: the background IDF's word shares, 16 bytes a word.

A dict of a language's 7,000 common words costs about 1 MiB of Python
objects, and the crawl process keeps one for every language it meets.  Here
a word is its 64-bit hash (Python's own: a table lives in the process that
built it), in a sorted numpy array beside its share, looked up for a whole
text at once.  Two words sharing a hash (odds about one in 10^11 for a
language's words) would share a share.

The words come from wordfreq's "small" lists, read from its files
(:func:`frequency_buckets`).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Mapping
from importlib.util import find_spec
from pathlib import Path

import numpy as np


def _digests(words: list[str]) -> np.ndarray:
    # hash() rather than a digest function: a fifth of the cost, and the table is never stored
    return np.fromiter(map(hash, words), dtype=np.int64, count=len(words))


class WordShares:
    """Words and a number each (their share of background documents), looked up many at a time."""

    def __init__(self, shares: Mapping[str, float]):
        digests = _digests(list(shares))
        order = np.argsort(digests)
        self._digests = digests[order]
        self._values = np.fromiter(shares.values(), dtype=np.float64, count=len(shares))[order]

    def __len__(self) -> int:
        return len(self._digests)

    def lookup(self, words: Iterable[str]) -> dict[str, float]:
        """The share of each of ``words`` that the table holds; the others are left out."""
        words = list(words)
        if not words or not len(self._digests):
            return {}
        digests = _digests(words)
        at = np.minimum(np.searchsorted(self._digests, digests), len(self._digests) - 1)
        hits = self._digests[at] == digests
        return {word: float(value) for word, value, hit in zip(words, self._values[at], hits) if hit}


def frequency_buckets(code: str) -> list[list[str]]:
    """wordfreq's "small" list of a language (``en``, ``nb``): its words bucketed by frequency, a centibel a bucket.

    Read from its cBpack file as ``wordfreq.read_cBpack`` reads it (gzipped
    msgpack: a header, then the buckets), without importing wordfreq: its
    language matching (langcodes, ftfy, regex) would add 5 MiB to the crawl
    process for this one read.
    """
    import msgpack

    spec = find_spec("wordfreq")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise LookupError("wordfreq is not installed")
    path = Path(spec.submodule_search_locations[0]) / "data" / f"small_{code}.msgpack.gz"
    with gzip.open(path, "rb") as file:
        header, *buckets = msgpack.load(file, raw=False)
    if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
        raise ValueError(f"{path} is not a wordfreq word list of the format this version reads (cB 1)")
    return buckets
