"""MinHash of 3-word shingles, bit for bit datasketch's ``affine32`` scheme, for many text blocks at once.

Archives hold MinHashes made with datasketch 2's ``MinHash(num_perm=128,
seed=1, scheme="affine32")``: each shingle's SHA-1 (first 4 bytes, little
endian), mixed by MurmurHash3's 32-bit finalizer, then ``a * h + b`` modulo
2**32 for each of 128 seeded odd ``a`` and ``b``, the minimum kept.  This
module computes the same values with numpy alone: all blocks of a page in
one array operation instead of one datasketch object per block (a tenth of
the CPU), and without datasketch, whose LSH module imports scipy (50 MiB in
every process that computes or compares signatures).
``tests/test_minhash.py`` checks the values against datasketch's own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

NUM_PERM = 128
SEED = 1
MAX_HASH = np.uint32(0xFFFFFFFF)


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # datasketch 2's _init_permutations for affine32: odd multipliers, any offsets
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


_A, _B = _permutations()
EMPTY = np.full(NUM_PERM, MAX_HASH, dtype=np.uint32)  # the MinHash of no shingles


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (multiplication wraps modulo 2**32, as intended)."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def _hash32(shingle: bytes) -> int:
    return int.from_bytes(hashlib.sha1(shingle).digest()[:4], "little")


def minhashes(blocks: Sequence[Sequence[bytes]]) -> list[np.ndarray]:
    """The MinHash of each block's shingles (``EMPTY`` for a block with none)."""
    sizes = [len(shingles) for shingles in blocks]
    if not any(sizes):
        return [EMPTY.copy() for _ in blocks]
    hashed = np.fromiter((_hash32(s) for shingles in blocks for s in shingles), dtype=np.uint32, count=sum(sizes))
    with np.errstate(over="ignore"):
        permuted = _fmix32(hashed)[:, None] * _A + _B  # one row per shingle, one column per permutation
    starts = np.cumsum([0, *sizes[:-1]])
    filled = [i for i, size in enumerate(sizes) if size]
    lowest = np.minimum.reduceat(permuted, starts[filled], axis=0)
    found = [EMPTY.copy() for _ in blocks]
    for row, i in enumerate(filled):
        found[i] = lowest[row]
    return found


def jaccard(first: np.ndarray, second: np.ndarray) -> float:
    """The Jaccard similarity of two shingle sets, as their MinHashes estimate it."""
    return float(np.count_nonzero(first == second)) / len(first)
