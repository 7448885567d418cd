"""Copies and stories in the archive: the indexes that find an article's relatives, and the ``stories`` rows.

Filing one saved article takes three steps, so that scoring stays off the
I/O thread: :func:`candidates` reads what the indexes hold near it (same
content hash, MinHashes sharing an LSH band key, the date window's articles
sharing its heaviest terms); :func:`archiver.text.similarity.decide` scores
them; :func:`apply` writes the decision: a copy of an earlier article, in the
story of every similar enough candidate (merging them when it links several),
or in a new story of its own.  Every lookup goes through an index
(``articles.content_hash``, ``story_bands.band``, ``story_terms (term, day)``)
and reads at most :data:`POSTINGS` articles of each band key or term, and an
article joining a story is counted into its row rather than the story
recounted, so the cost of an article grows neither with the archive nor
with its story (a page copied thousands of times).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Iterable

import numpy as np
import sqlite_utils

from archiver.values.dates import parse_date
from archiver.text.similarity import (
    CANDIDATES, STORY_DAYS, Signature, StoryCandidates, StoryDecision, band_keys, content_hash, index_terms, weights,
)
from archiver.storage.sql import chunks, marks

DOCUMENTS = ""  # the story_df row that counts documents
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# of each band key and index term, the articles read to find candidates, at most: a term or a key that
# thousands share (copies of one page) would otherwise make every article's filing read them all
POSTINGS = 100
_TABLES = ("stories", "story_signatures", "story_bands", "story_terms", "story_df")


def _day(date: str | None) -> int:
    moment = parse_date(date) or datetime.now(timezone.utc)
    return (moment - _EPOCH).days


def _count_documents(db: sqlite_utils.Database, terms: Iterable[str], step: int) -> dict[str, int]:
    """Add ``step`` to the document frequency of each term and of :data:`DOCUMENTS`; return the new ones.

    One statement (SQLite reads the terms from JSON and returns the counts)
    instead of an upsert and a lookup per term.
    """
    return dict(db.execute(
        "INSERT INTO story_df (term, df) SELECT value, ? FROM json_each(?) WHERE true "
        "ON CONFLICT(term) DO UPDATE SET df = df + excluded.df RETURNING term, df",
        [step, json.dumps([DOCUMENTS, *terms], ensure_ascii=False)],
    ).fetchall())


def unfile(db: sqlite_utils.Database, article_id: int) -> int | None:
    """Take an article out of the indexes (before it is filed again); return the story it was in."""
    row = db.execute(
        "SELECT s.vector, a.story_id FROM story_signatures s JOIN articles a ON a.id = s.article_id "
        "WHERE s.article_id = ?", [article_id]).fetchone()
    if row is None:
        return None
    _count_documents(db, json.loads(row[0]), -1)
    for table in ("story_signatures", "story_bands", "story_terms"):
        db.execute(f"DELETE FROM {table} WHERE article_id = ?", [article_id])
    return row[1]


def candidates(db: sqlite_utils.Database, article_id: int, signature: Signature) -> StoryCandidates:
    """Take a saved article out of the indexes (if filed before), count its terms, and read its candidates.

    Call it inside a write transaction, and :func:`apply` the decision in the
    same order as the candidates were read (the crawl files one article at a time).
    Only filed articles (those with a story) are candidates: an article saved
    but not filed yet (a merged shard's, a killed crawl's) has no story to join.
    """
    text, date = db.execute("SELECT text, coalesce(date, extracted_at) FROM articles WHERE id = ?", [article_id]).fetchone()
    previous = unfile(db, article_id)
    day, digest, minhash = _day(date), content_hash(text or ""), signature.minhash()
    counts = signature.term_counts()
    df = _count_documents(db, counts, 1)
    vector = weights(counts, df, df[DOCUMENTS], signature.language)  # needed to find candidates by their heaviest terms
    row = db.execute(
        "SELECT coalesce(copy_of, id), story_id FROM articles WHERE content_hash = ? AND id != ? AND story_id IS NOT NULL "
        "ORDER BY id LIMIT 1", [digest, article_id]).fetchone()
    exact = (row[0], row[1]) if row else None
    near, similar = ([], []) if exact else (_near(db, article_id, minhash), _similar(db, article_id, vector, day))
    return StoryCandidates(article_id, previous, day, digest, minhash, vector, exact, near, similar)


def _most_shared(db: sqlite_utils.Database, postings: str, keys: list[list[Any]]) -> list[int]:
    """The :data:`CANDIDATES` articles that most keys list, among the first :data:`POSTINGS` of each.

    ``postings`` selects one key's ``article_id``s from its parameters, each
    of ``keys`` giving them: thousands of articles sharing a key (copies of
    one page) would otherwise all be read and scored for every new one.
    """
    if not keys:
        return []
    per_key = " UNION ALL ".join(f"SELECT * FROM ({postings} LIMIT ?)" for _ in keys)
    return [r[0] for r in db.execute(
        f"SELECT article_id FROM ({per_key}) GROUP BY article_id ORDER BY count(*) DESC, article_id LIMIT ?",
        [value for key in keys for value in (*key, POSTINGS)] + [CANDIDATES])]


def _near(db: sqlite_utils.Database, article_id: int, minhash: np.ndarray) -> list[tuple[bytes, int, int]]:
    """Articles sharing most LSH band keys (:func:`_most_shared`): (MinHash, copy group root, story), oldest first."""
    ids = _most_shared(db, "SELECT article_id FROM story_bands WHERE band = ? AND article_id != ? ORDER BY article_id",
                       [[key, article_id] for key in band_keys(minhash)])
    return [tuple(row) for chunk in chunks(sorted(ids)) for row in db.execute(
        "SELECT s.minhash, coalesce(a.copy_of, a.id), a.story_id FROM story_signatures s "
        f"JOIN articles a ON a.id = s.article_id WHERE s.article_id IN ({marks(chunk)}) AND a.story_id IS NOT NULL "
        "ORDER BY s.article_id",
        chunk)]


def _similar(db: sqlite_utils.Database, article_id: int, vector: dict[str, float], day: int) -> list[tuple[str, int]]:
    """The date window's articles sharing most of its heaviest terms (:func:`_most_shared`): (vector JSON, story)."""
    ids = _most_shared(
        db, "SELECT article_id FROM story_terms WHERE term = ? AND day BETWEEN ? AND ? AND article_id != ?",
        [[term, day - STORY_DAYS, day + STORY_DAYS, article_id] for term in index_terms(vector)])
    return [tuple(row) for row in db.execute(
        "SELECT s.vector, a.story_id FROM story_signatures s JOIN articles a ON a.id = s.article_id "
        f"WHERE s.article_id IN ({marks(ids)}) AND a.story_id IS NOT NULL", ids)]


def _merge(db: sqlite_utils.Database, stories: set[int]) -> int:
    """One story of several that an article links: the oldest takes the others' articles."""
    kept = min(stories)
    for story in stories - {kept}:
        db.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", [kept, story])
        db.execute("DELETE FROM stories WHERE id = ?", [story])
    return kept


def apply(db: sqlite_utils.Database, decision: StoryDecision) -> str:
    """Index the article and give it its copy group and story; return ``copy``, ``joined`` or ``new``."""
    found = decision.candidates
    article_id = found.article_id
    # leaving the story named after it, the article takes its id along (a new story of its is named so)
    leaves = found.previous_story == article_id and article_id not in decision.stories
    heir = _hand_over(db, article_id) if leaves else None
    if decision.copy_of is not None:
        story = next(iter(decision.stories))
    else:
        story = _merge(db, set(decision.stories)) if decision.stories else article_id  # a new story takes its first article's id
    db.execute("INSERT INTO story_signatures (article_id, day, minhash, vector) VALUES (?, ?, ?, ?)",
               [article_id, found.day, found.minhash.tobytes(), json.dumps(found.vector, ensure_ascii=False)])
    db.conn.executemany("INSERT OR IGNORE INTO story_bands (band, article_id) VALUES (?, ?)",
                        [(key, article_id) for key in band_keys(found.minhash)])
    db.conn.executemany("INSERT INTO story_terms (term, day, article_id) VALUES (?, ?, ?)",
                        [(term, found.day, article_id) for term in index_terms(found.vector)])
    db.execute("UPDATE articles SET content_hash = ?, copy_of = ?, story_id = ? WHERE id = ?",
               [found.digest, decision.copy_of, story, article_id])
    if found.previous_story is not None or len(decision.stories) != 1 or not _count_in(db, story, article_id):
        for changed in {story, found.previous_story, heir} - {None}:
            refresh_story(db, changed)
    return decision.outcome


def _count_in(db: sqlite_utils.Database, story_id: int, article_id: int) -> bool:
    """Count an article filed for the first time into the row of the story it joined; False if only
    a recount can (no row yet: a new story).

    A recount (:func:`refresh_story`) reads all the story's articles, and a
    story can have thousands (copies of one page): filing each would read them all.
    """
    row = db.execute(
        "SELECT s.articles, s.sites, s.first_seen, s.last_seen, s.title, a.site, coalesce(a.date, a.extracted_at), "
        "a.title FROM stories s, articles a WHERE s.id = ? AND a.id = ?", [story_id, article_id]).fetchone()
    if row is None or None in (row[2], row[6]):
        return False
    count, sites, first, last, story_title, site, seen, title = row
    # the title is the first article's, by date then id (the oldest of the story's first day, in id order)
    first_title = seen < first or seen == first and db.execute(
        "SELECT 1 FROM articles WHERE story_id = ? AND id < ? AND coalesce(date, extracted_at) = ? LIMIT 1",
        [story_id, article_id, seen]).fetchone() is None
    sites = json.loads(sites)
    if site not in sites:  # in SQLite's order: null first, then by code point
        sites = sorted([*sites, site], key=lambda value: (value is not None, value or ""))
    db.execute("UPDATE stories SET articles = ?, sites = ?, first_seen = ?, last_seen = ?, title = ? WHERE id = ?",
               [count + 1, json.dumps(sites, ensure_ascii=False, separators=(",", ":")), min(first, seen),
                max(last, seen), title if first_title else story_title, story_id])
    return True


def _hand_over(db: sqlite_utils.Database, article_id: int) -> int | None:
    """The story named after an article that leaves it goes on under its oldest other article's id (if any).

    Else the article's id would still name its old story, and a new story of
    the article's, which takes that id, would be the old one again.
    """
    heir = db.execute("SELECT min(id) FROM articles WHERE story_id = ? AND id != ?", [article_id, article_id]).fetchone()[0]
    if heir is not None:
        db.execute("UPDATE articles SET story_id = ? WHERE story_id = ? AND id != ?", [heir, article_id, article_id])
    return heir


def refresh_story(db: sqlite_utils.Database, story_id: int) -> None:
    """Recount a story's ``stories`` row from its articles (removing it when it has none left)."""
    db.execute("DELETE FROM stories WHERE id = ?", [story_id])
    db.execute(
        "INSERT INTO stories (id, articles, sites, first_seen, last_seen, title) "
        "SELECT story_id, count(*), "
        "(SELECT json_group_array(site) FROM (SELECT DISTINCT site FROM articles WHERE story_id = ?1 ORDER BY site)), "
        "min(coalesce(date, extracted_at)), max(coalesce(date, extracted_at)), "
        "(SELECT title FROM articles WHERE story_id = ?1 ORDER BY coalesce(date, extracted_at), id LIMIT 1) "
        "FROM articles WHERE story_id = ?1 GROUP BY story_id",
        [story_id],
    )


def clear(db: sqlite_utils.Database) -> None:
    """Forget every copy group and story, and the indexes, before a rebuild."""
    for table in _TABLES:
        db.execute(f"DELETE FROM {table}")
    db.execute("UPDATE articles SET content_hash = NULL, copy_of = NULL, story_id = NULL")


def unfiled(db: sqlite_utils.Database) -> list[int]:
    """The articles saved but in no story yet (a merge or a crawl stopped before filing them), in id order."""
    return [row[0] for row in db.execute("SELECT id FROM articles WHERE story_id IS NULL ORDER BY id")]


def articles_in_order(db: sqlite_utils.Database, after: int, limit: int) -> list[dict[str, Any]]:
    """The next articles to file in a rebuild, in the order they were archived (their ids)."""
    return [dict(row) for row in db.query(
        "SELECT id, text FROM articles WHERE id > ? ORDER BY id LIMIT ?", [after, limit])]


def summary(db: sqlite_utils.Database) -> dict[str, int]:
    """How many articles, stories, stories of several articles, copies and unfiled articles the archive has."""
    row = db.execute(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM stories), "
        "(SELECT count(*) FROM stories WHERE articles > 1), (SELECT count(*) FROM articles WHERE copy_of IS NOT NULL), "
        "(SELECT count(*) FROM articles WHERE story_id IS NULL)").fetchone()
    return dict(zip(("articles", "stories", "multi", "copies", "unfiled"), row))
