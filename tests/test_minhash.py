"""The archive's MinHashes are datasketch's affine32 MinHashes, bit for bit, so stored signatures stay comparable."""

from __future__ import annotations

import numpy as np
from datasketch import MinHash, MinHashLSH

from archiver.text.minhash import EMPTY, NUM_PERM, jaccard, minhashes
from archiver.text.similarity import BANDS, COPY_JACCARD, signature

BLOCKS = [
    [b"the president said", b"president said in", b"said in his"],
    [],
    [b"a single shingle"],
    [f"shingle number {i}".encode() for i in range(500)],
]


def _datasketch(shingles: list[bytes]) -> MinHash:
    sketch = MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32")
    sketch.update_batch(shingles)
    return sketch


def test_minhashes_equal_datasketch_affine32() -> None:
    found = minhashes(BLOCKS)
    for shingles, mine in zip(BLOCKS, found):
        expected = _datasketch(shingles).hashvalues
        assert mine.dtype == expected.dtype and np.array_equal(mine, expected)
    assert np.array_equal(minhashes([[]])[0], EMPTY)


def test_jaccard_and_bands_equal_datasketch() -> None:
    first, second = _datasketch(BLOCKS[3][:300]), _datasketch(BLOCKS[3][100:])
    mine = minhashes([BLOCKS[3][:300], BLOCKS[3][100:]])
    assert jaccard(*mine) == first.jaccard(second)
    assert BANDS == MinHashLSH(threshold=COPY_JACCARD, num_perm=NUM_PERM).hashranges


def test_a_signature_keeps_a_minhash_per_block() -> None:
    found = signature({"a": "The president said in his evening address", "b": "Share"})
    assert set(found.minhashes) == {"a", "b"}
    expected = _datasketch([b"the president said", b"president said in", b"said in his", b"in his evening",
                            b"his evening address"]).hashvalues
    assert np.array_equal(found.minhashes["a"], expected)
