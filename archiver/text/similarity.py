"""Copies and stories: what an article's text says about which others it goes with.

Two relations, both found through indexes so that no article is ever compared
with the whole archive:

* **copies**: the same text at two URLs.  An exact copy has the same
  :func:`content_hash` (the text's words, case folded); a near copy (a wire
  story with another intro or footer) has a MinHash of its 3-word
  shingles (:mod:`archiver.text.minhash`) close to the other's, found by LSH band keys (:func:`band_keys`)
  and confirmed when the estimated Jaccard similarity is at least
  :data:`COPY_JACCARD`.
* **stories**: write-ups of one event by different sites, which share names,
  numbers and quotes but few sentences.  Each article has a TF-IDF vector of
  its content words (:func:`weights`), whose IDF counts the archive's
  documents and a background of general text in the article's language
  (:func:`background`, wordfreq); candidates are the articles of the
  date window that share one of its :data:`INDEX_TERMS` heaviest terms, and
  an article joins the story of every candidate whose cosine is at least
  :data:`STORY_SIMILARITY` (single linkage: the stories it links merge).

Signatures are kept per text block (a line, as the site chrome memory names
them) so that dropping chrome blocks after extraction drops their part of the
signature too, without reading the text again.  This module knows nothing of
SQLite or Scrapy; ``archiver/storage/storyindex.py`` keeps the indexes.
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Iterable, Mapping

import justext
import numpy as np

from archiver.text.minhash import EMPTY, jaccard, minhashes
from archiver.text.wordshares import WordShares, frequency_buckets
from archiver.text.words import is_cjk
from archiver.text.words import tokens as word_tokens

# Chosen with bench/stories.py (docs/stories.md has the figures).
SHINGLE_WORDS = 3
COPY_JACCARD = 0.5  # estimated Jaccard of 3-word shingles at or above which a text is a near copy
STORY_SIMILARITY = 0.225  # TF-IDF cosine at or above which an article joins a story
# IDF is computed as if the archive also held this many background
# documents, which contain each word as often as general text of its language
# does (wordfreq's frequencies, :func:`background`): a young archive, where
# one story's words fill half the documents, would otherwise discount exactly
# the names a story is made of, and weigh "said" or "year" like a name.
PRIOR_DOCUMENTS = 1000
BACKGROUND_WORDS = 500  # a background document's length, in words
BACKGROUND_FLOOR = 1e-5  # rarer words are left out of the background (no discount worth keeping)
STORY_DAYS = 3  # articles more than this many days apart are never in one story
INDEX_TERMS = 10  # an article is found through its heaviest terms
LANGUAGE_SAMPLE = 300  # words read to guess a text's language
CANDIDATES = 30  # at most this many candidates are scored, those sharing most index terms

# The band layout (25 bands of 5 rows) that datasketch's MinHashLSH chooses for
# COPY_JACCARD and NUM_PERM, so that pairs at or above COPY_JACCARD share a band key
# with high probability.  Pinned: the persisted band keys depend on it.
BANDS: list[tuple[int, int]] = [(start, start + 5) for start in range(0, 125, 5)]
# Stop words (justext's lists, which trafilatura installs) of the languages
# most news is in.  Pages often declare no language or a wrong one, so the
# text's own is guessed: the list that covers most of its words.  Before the
# archive has seen enough articles for IDF to discount them, stop words would
# make any two texts of one language look alike.
STOPLIST_LANGUAGES = (
    "English", "German", "French", "Spanish", "Italian", "Portuguese", "Dutch", "Russian", "Ukrainian", "Polish",
    "Czech", "Swedish", "Danish", "Norwegian_Bokmal", "Finnish", "Turkish", "Indonesian", "Hungarian", "Romanian",
    "Greek",
)
# the same languages as wordfreq names them
WORDFREQ_CODES = dict(zip(STOPLIST_LANGUAGES, (
    "en", "de", "fr", "es", "it", "pt", "nl", "ru", "uk", "pl", "cs", "sv", "da", "nb", "fi", "tr", "id", "hu", "ro", "el")))


def words(text: str) -> list[str]:
    """The text's words, case folded and in Unicode NFKC; Chinese and Japanese as character bigrams."""
    return word_tokens(unicodedata.normalize("NFKC", text).casefold())


def content_hash(text: str) -> str:
    """The identity of a text up to case, spacing and punctuation: two URLs with it hold one text."""
    return hashlib.sha1(" ".join(words(text)).encode("utf-8")).hexdigest()[:24]


@lru_cache(maxsize=None)
def _stoplist(language: str) -> frozenset[str]:
    return frozenset(word.casefold() for word in justext.get_stoplist(language))


def guess_language(tokens: Iterable[str]) -> str:
    """The language (a justext list name) whose stop words cover most of these words."""
    distinct = set(islice(tokens, LANGUAGE_SAMPLE))
    return max(STOPLIST_LANGUAGES, key=lambda language: len(distinct & _stoplist(language)))


def stop_words(language: str) -> frozenset[str]:
    """The stop words of a language, English ones too."""
    return _stoplist("English") | _stoplist(language)


@lru_cache(maxsize=None)
def background(language: str) -> WordShares:
    """The share of background documents that hold each common word of a language (wordfreq, offline).

    A word of frequency f is in a document of :data:`BACKGROUND_WORDS` words
    with probability 1 - exp(-f * BACKGROUND_WORDS).  Read once per process
    and language (wordfreq's "small" list: a few hundred milliseconds; the
    table keeps the 7,000 or so words above :data:`BACKGROUND_FLOOR`, compactly:
    :mod:`archiver.text.wordshares`).
    """
    shares: dict[str, float] = {}
    for bucket, found in enumerate(frequency_buckets(WORDFREQ_CODES.get(language, "en"))):
        frequency = 10 ** (-bucket / 100)  # wordfreq's buckets are centibels
        if frequency < BACKGROUND_FLOOR:
            break
        for word in found:
            shares.setdefault(unicodedata.normalize("NFKC", word).casefold(), 1 - math.exp(-frequency * BACKGROUND_WORDS))
    return WordShares(shares)


def _terms(tokens: list[str], stop: frozenset[str]) -> Counter[str]:
    # numbers stay (18,000 troops, April 8); short words and stop words go
    return Counter(t for t in tokens if (len(t) >= 3 or t.isdigit() or is_cjk(t)) and t not in stop)


def _shingles(tokens: list[str]) -> list[bytes]:
    return [" ".join(tokens[i : i + SHINGLE_WORDS]).encode("utf-8") for i in range(max(1, len(tokens) - SHINGLE_WORDS + 1))]


@dataclass(frozen=True)
class Signature:
    """Per text block: the MinHash of its shingles and its content-word counts."""

    minhashes: dict[str, np.ndarray] = field(default_factory=dict)
    terms: dict[str, Counter[str]] = field(default_factory=dict)
    language: str = "English"  # the stop-word language guessed for the text (a justext list name)

    def without(self, keys: Iterable[str]) -> "Signature":
        """The signature of the text without these blocks."""
        gone = set(keys)
        return Signature({k: v for k, v in self.minhashes.items() if k not in gone},
                         {k: v for k, v in self.terms.items() if k not in gone}, self.language)

    def minhash(self) -> np.ndarray:
        """The whole text's MinHash: the minimum of its blocks' (shingles do not span lines)."""
        if not self.minhashes:
            return EMPTY.copy()
        return np.minimum.reduce(list(self.minhashes.values()))

    def term_counts(self) -> Counter[str]:
        """How often each content word occurs in the whole text."""
        total: Counter[str] = Counter()
        for counts in self.terms.values():
            total.update(counts)
        return total


def signature(blocks: Mapping[str, str]) -> Signature:
    """The signature of a text given as its blocks (key -> line)."""
    tokens = {key: found for key, line in blocks.items() if (found := words(line))}
    language = guess_language(token for found in tokens.values() for token in found)
    stop = stop_words(language)
    sketches = minhashes([_shingles(found) for found in tokens.values()])
    return Signature(dict(zip(tokens, sketches)),
                     {key: _terms(found, stop) for key, found in tokens.items()}, language)


def band_keys(minhash: np.ndarray) -> list[int]:
    """The LSH band keys of a MinHash, as signed 64-bit integers (SQLite's INTEGER); none for an empty text."""
    if np.array_equal(minhash, EMPTY):
        return []
    return [int.from_bytes(hashlib.blake2b(bytes([band]) + minhash[start:end].tobytes(), digest_size=8).digest(),
                           "big", signed=True) for band, (start, end) in enumerate(BANDS)]


def weights(counts: Mapping[str, int], df: Mapping[str, int], documents: int,
            language: str = "English") -> dict[str, float]:
    """The unit-length TF-IDF vector of a text: sublinear term frequency times smoothed IDF (with a background).

    ``df`` holds the document frequencies of its terms and ``documents`` the
    number of documents, both counting this text; the :data:`PRIOR_DOCUMENTS`
    background documents hold each word as often as text in ``language`` does.
    """
    prior = background(language).lookup(counts)
    vector = {term: (1 + math.log(n)) * (math.log(
        (documents + PRIOR_DOCUMENTS + 1) / (df.get(term, 1) + PRIOR_DOCUMENTS * prior.get(term, 0.0) + 1)) + 1)
        for term, n in counts.items()}
    norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
    return {term: round(w / norm, 4) for term, w in vector.items()}


def index_terms(vector: Mapping[str, float]) -> list[str]:
    """The heaviest terms of a vector, by which other articles find it."""
    return sorted(vector, key=lambda term: (-vector[term], term))[:INDEX_TERMS]


def cosine(first: Mapping[str, float], second: Mapping[str, float]) -> float:
    """The cosine similarity of two unit-length vectors."""
    if len(first) > len(second):
        first, second = second, first
    return sum(w * second.get(term, 0.0) for term, w in first.items())


@dataclass(frozen=True)
class StoryCandidates:
    """What the archive's indexes hold near one saved article: read on the I/O thread, scored off it.

    ``exact`` is the (copy group root, story) of an earlier article with the
    same content hash; ``near`` the band candidates' (MinHash bytes, root,
    story); ``similar`` the date window's term candidates' (vector JSON, story).
    """

    article_id: int
    previous_story: int | None  # the story it was in before being filed again
    day: int
    digest: str
    minhash: np.ndarray
    vector: dict[str, float]
    exact: tuple[int, int] | None
    near: list[tuple[bytes, int, int]]
    similar: list[tuple[str, int]]


@dataclass(frozen=True)
class StoryDecision:
    """Where an article goes: a copy of ``copy_of`` in its story, or into ``stories`` (merged), or a new story."""

    candidates: StoryCandidates
    copy_of: int | None
    stories: frozenset[int]

    @property
    def outcome(self) -> str:
        """``copy``, ``joined`` (earlier stories) or ``new``."""
        return "copy" if self.copy_of is not None else "joined" if self.stories else "new"


def decide(found: StoryCandidates) -> StoryDecision:
    """Score the candidates (CPU work, off the I/O thread): a copy, the stories it joins, or a new one."""
    if found.exact is not None:
        return StoryDecision(found, found.exact[0], frozenset({found.exact[1]}))
    best: tuple[float, int, int] | None = None
    for blob, root, story in found.near:  # in article order: the first of equals is the oldest
        score = jaccard(found.minhash, np.frombuffer(blob, dtype=found.minhash.dtype))
        if best is None or score > best[0]:
            best = (score, root, story)
    if best is not None and best[0] >= COPY_JACCARD:
        return StoryDecision(found, best[1], frozenset({best[2]}))
    # Linking every similar story (single linkage) makes the groups the
    # same whatever order the articles arrive in.
    linked = {story for other, story in found.similar if cosine(found.vector, json.loads(other)) >= STORY_SIMILARITY}
    return StoryDecision(found, None, frozenset(linked))
