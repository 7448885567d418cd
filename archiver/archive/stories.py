"""Filing stored articles' copies and stories again: the one way ``stories --rebuild`` and ``merge`` do it.

Runs on the thread that owns the writer (the archive's I/O thread, see
:mod:`archiver.archive.service`), inside whatever transaction is open there:
each article's signature is computed from its stored text in the
extraction pool's workers (bounded in time and memory), then its candidates
are read, scored (:func:`archiver.text.similarity.decide`) and the decision
written, one article at a time, in the order given.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from archiver.archive.writer import ArchiveWriter
from archiver.extract.blocks import blocks
from archiver.runtime.pool import BoundedPool, CallStopped
from archiver.storage import storyindex
from archiver.text.similarity import Signature, decide, signature

BATCH = 200  # stored texts in memory at a time


def text_signature(text: str) -> Signature:
    """In a worker process: the story signature of a stored text."""
    return signature(blocks(text))


def refile(writer: ArchiveWriter, pool: BoundedPool, articles: Iterable[tuple[int, str, str]],
           at: Callable[[str], None] = lambda where: None) -> Iterator[tuple[int, CallStopped]]:
    """File each ``(article id, its URL, its stored text)`` again, in order; yield those whose signature the pool stopped.

    ``at`` hears where the filing is (an article's URL), for a failure to name it.
    """
    batch: list[tuple[int, str, str]] = []
    for article in articles:
        batch.append(article)
        if len(batch) == BATCH:
            yield from _refile_batch(writer, pool, batch, at)
            batch = []
    if batch:
        yield from _refile_batch(writer, pool, batch, at)


def _refile_batch(writer: ArchiveWriter, pool: BoundedPool, batch: list[tuple[int, str, str]],
                  at: Callable[[str], None]) -> Iterator[tuple[int, CallStopped]]:
    at(f"filing the stories of the archive's articles {batch[0][0]} to {batch[-1][0]}")
    outcomes = pool.outcomes(text_signature, [text or "" for _, _, text in batch], chunk=8)
    for article_id, url, _ in batch:
        at(f"filing the story of the article of {url!r:.300}")
        found = next(outcomes)  # its signature's error raised here, where it is
        if isinstance(found, CallStopped):  # past the pool's bounds: left unfiled (archiver stories says so)
            yield article_id, found
            continue
        writer.file_story(decide(writer.story_candidates(article_id, found)))


def every_article(writer: ArchiveWriter) -> Iterator[tuple[int, str, str]]:
    """Every article, in the order it was archived, with its URL and stored text (read a batch at a time)."""
    after = 0
    while batch := storyindex.articles_in_order(writer.storage.db, after, BATCH):
        for row in batch:
            yield row["id"], row.get("url", ""), row["text"] or ""
        after = batch[-1]["id"]
