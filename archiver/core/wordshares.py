"""A compact table of words and a number each: the background IDF's word shares, 16 bytes a word.

A dict of a language's 7,000 common words costs about 1 MiB of Python
objects, and the crawl process keeps one for every language it meets.  Here
a word is the first 8 bytes of its BLAKE2b digest, in a sorted numpy array
beside its share, looked up for a whole text at once.  Two words sharing a
64-bit digest (odds about one in 10^11 for a language's words) would share
a share.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import numpy as np


def _digests(words: list[str]) -> np.ndarray:
    return np.fromiter((int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
                        for word in words), dtype=np.uint64, count=len(words))


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
