"""Copies and stories in the archive: the indexes that find an article's relatives, and the ``stories`` rows.

:func:`file_article` places one saved article: a copy of an earlier one (same
content hash, or a MinHash sharing an LSH band key and close enough), else in
the story of every similar enough candidate of its date window (merging them
when it links several), else in a new story of its own.  Every lookup goes through an index (``articles.content_hash``,
``story_bands.band``, ``story_terms (term, day)``), so the cost of an article
does not grow with the archive.  The similarity itself is :mod:`archiver.stories`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

import numpy as np
import sqlite_utils

from ..dates import parse_date
from ..stories import (
    CANDIDATES, COPY_JACCARD, STORY_DAYS, STORY_SIMILARITY, Signature, band_keys, content_hash, cosine,
    index_terms, jaccard, weights,
)

DOCUMENTS = ""  # the story_df row that counts documents
_CHUNK = 500  # SQLite's limit on parameters is 999 in old builds
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_TABLES = ("stories", "story_signatures", "story_bands", "story_terms", "story_df")


def _marks(values: list[Any]) -> str:
    return ", ".join("?" for _ in values)


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


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


def _original(db: sqlite_utils.Database, article_id: int, digest: str, minhash: np.ndarray) -> tuple[int, int] | None:
    """The (copy group root, story) of an earlier article this one copies, exactly or nearly."""
    row = db.execute(
        "SELECT coalesce(copy_of, id), story_id FROM articles WHERE content_hash = ? AND id != ? ORDER BY id LIMIT 1",
        [digest, article_id]).fetchone()
    if row is not None:
        return row[0], row[1]
    keys = band_keys(minhash)
    if not keys:
        return None
    candidates = [r[0] for r in db.execute(
        f"SELECT DISTINCT article_id FROM story_bands WHERE band IN ({_marks(keys)}) AND article_id != ?",
        [*keys, article_id])]
    scored = (
        (jaccard(minhash, np.frombuffer(blob, dtype=minhash.dtype)), (root, story))
        for chunk in _chunks(candidates)
        for blob, root, story in db.execute(
            "SELECT s.minhash, coalesce(a.copy_of, a.id), a.story_id FROM story_signatures s "
            f"JOIN articles a ON a.id = s.article_id WHERE s.article_id IN ({_marks(chunk)}) ORDER BY s.article_id",
            chunk,
        )
    )
    best = max(scored, default=None, key=lambda pair: pair[0])  # the first of equals: the oldest
    return best[1] if best is not None and best[0] >= COPY_JACCARD else None


def _similar_stories(db: sqlite_utils.Database, article_id: int, vector: dict[str, float], day: int) -> set[int]:
    """The stories of the date window's articles similar enough to this one."""
    terms = index_terms(vector)
    candidates = [r[0] for r in db.execute(
        f"SELECT article_id FROM story_terms WHERE term IN ({_marks(terms)}) AND day BETWEEN ? AND ? "
        "AND article_id != ? GROUP BY article_id ORDER BY count(*) DESC, article_id LIMIT ?",
        [*terms, day - STORY_DAYS, day + STORY_DAYS, article_id, CANDIDATES])] if terms else []
    return {story for other, story in db.execute(
        "SELECT s.vector, a.story_id FROM story_signatures s JOIN articles a ON a.id = s.article_id "
        f"WHERE s.article_id IN ({_marks(candidates)})", candidates,
    ) if cosine(vector, json.loads(other)) >= STORY_SIMILARITY}


def _merge(db: sqlite_utils.Database, stories: set[int]) -> int:
    """One story of several that an article links: the oldest takes the others' articles."""
    kept = min(stories)
    for story in stories - {kept}:
        db.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", [kept, story])
        db.execute("DELETE FROM stories WHERE id = ?", [story])
    return kept


def file_article(db: sqlite_utils.Database, article_id: int, signature: Signature) -> str:
    """Index a saved article and give it its copy group and story; return ``copy``, ``joined`` or ``new``.

    Call it inside a write transaction.  An article filed before is first
    taken out of the indexes, so re-extracted and recrawled pages are filed
    again with their new text.
    """
    text, date = db.execute("SELECT text, coalesce(date, extracted_at) FROM articles WHERE id = ?", [article_id]).fetchone()
    previous = unfile(db, article_id)
    day, digest, minhash = _day(date), content_hash(text or ""), signature.minhash()
    counts = signature.term_counts()
    df = _count_documents(db, counts, 1)
    vector = weights(counts, df, df[DOCUMENTS])
    original = _original(db, article_id, digest, minhash)
    if original is not None:
        copy_of, story, outcome = original[0], original[1], "copy"
    else:
        # Linking every similar story (single linkage) makes the groups the
        # same whatever order the articles arrive in.
        copy_of, linked = None, _similar_stories(db, article_id, vector, day)
        story = _merge(db, linked) if linked else article_id  # a new story takes its first article's id
        outcome = "joined" if linked else "new"
    db.execute("INSERT INTO story_signatures (article_id, day, minhash, vector) VALUES (?, ?, ?, ?)",
               [article_id, day, minhash.tobytes(), json.dumps(vector, ensure_ascii=False)])
    db.conn.executemany("INSERT OR IGNORE INTO story_bands (band, article_id) VALUES (?, ?)",
                        [(key, article_id) for key in band_keys(minhash)])
    db.conn.executemany("INSERT INTO story_terms (term, day, article_id) VALUES (?, ?, ?)",
                        [(term, day, article_id) for term in index_terms(vector)])
    db.execute("UPDATE articles SET content_hash = ?, copy_of = ?, story_id = ? WHERE id = ?",
               [digest, copy_of, story, article_id])
    for changed in {story, previous} - {None}:
        refresh_story(db, changed)
    return outcome


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
