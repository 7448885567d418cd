"""Shards into one archive: what ``archiver merge`` does, Scrapy-free.

Each worker of a distributed crawl files into its own database (a shard).
:func:`merge` copies a consistent snapshot of each shard into the archive
through the same storage, ids remapped, rows matched by what identifies them
(:mod:`archiver.storage.merge`), so that merging a shard again adds only what
it gained since.  Then what only the whole archive can decide is decided
again: the article of a URL fetched by two workers is the later capture's;
a chrome block counts the pages of every shard; a revisit written by one
worker is linked to the record another wrote; and every article that came in
or changed is filed through the archive writer's story filing, as
``archiver stories --rebuild`` does, so copies and stories across shards are
found.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from ..errors import MergeError
from ..extract.blocks import blocks
from ..storage import Storage
from ..storage import merge as rows_of
from ..storage import retries
from .pool import worker_pool
from .similarity import Signature, decide, signature
from .warc import existing_path
from .writer import ArchiveWriter


@dataclass
class ShardReport:
    """What merging one shard added."""

    shard: Path
    crawls: int = 0
    captures: int = 0
    already: int = 0  # captures merged before
    articles: int = 0  # articles new or replaced by a later capture
    twice: int = 0  # pages archived again with the same bytes (fetched by two workers)
    missing: list[str] = field(default_factory=list)  # WARC files not in the WARC directory

    def summary(self) -> str:
        text = (f"{self.shard}: {self.crawls} crawls, {self.captures} captures, {self.articles} articles added "
                f"({self.already} captures merged before); {self.twice} pages archived twice with the same bytes")
        if self.missing:
            text += (f"; {len(self.missing)} WARC files it refers to are not in the WARC directory "
                     f"(copy them there: {', '.join(self.missing[:3])}{' ...' if len(self.missing) > 3 else ''})")
        return text + "."


def text_signature(text: str) -> Signature:
    """In a worker process: the story signature of a stored text (as ``archiver stories --rebuild``)."""
    return signature(blocks(text))


def refers_to(path: Path, offset: int, length: int) -> str | None:
    """The ``WARC-Refers-To`` of the revisit record at ``offset`` of a WARC file."""
    with open(path, "rb") as f:
        f.seek(offset)
        record = next(iter(ArchiveIterator(BytesIO(f.read(length)))), None)
    return record.rec_headers.get_header("WARC-Refers-To") if record is not None else None


def merge(into: Path, shards: list[Path], warc_dir: Path | None, workers: int | None = None) -> list[ShardReport]:
    """Merge each shard into the archive at ``into`` (created if need be); one transaction a shard."""
    for shard in shards:
        if not shard.is_file():
            raise MergeError(f"No shard at {shard}; give the path of a worker's ARCHIVER_DB.")
        if into.exists() and shard.resolve() == into.resolve():
            raise MergeError(f"{shard} is the archive merged into; give the shards after it.")
    writer = ArchiveWriter(into)
    reports = []
    try:
        with worker_pool(workers) as pool, tempfile.TemporaryDirectory(prefix="archiver-merge-") as tmp:
            for number, shard in enumerate(shards):
                copy = Path(tmp) / f"shard-{number}.db"
                try:
                    rows_of.snapshot(shard, copy)
                    source = Storage(copy)  # migrated to the current schema, if older
                except Exception as exc:  # sqlite3.DatabaseError and what a half-written file gives
                    raise MergeError(f"{shard} is not an archive database ({exc}); give a worker's ARCHIVER_DB.") from None
                try:
                    reports.append(_merge_one(writer, source, shard, warc_dir, pool))
                finally:
                    source.close()
                    copy.unlink()
    finally:
        writer.close()
    return reports


def _merge_one(writer: ArchiveWriter, source: Storage, shard: Path, warc_dir: Path | None, pool) -> ShardReport:
    report = ShardReport(shard)
    src = source.db
    with writer.storage.write() as db:
        crawl_ids: dict[int, int] = {}
        for row in rows_of.rows(src, "crawls"):
            crawl_ids[row["id"]], added = rows_of.crawl(db, row)
            report.crawls += added
        capture_ids: dict[int, int] = {}
        for row in rows_of.rows(src, "captures"):
            old = row["id"]
            row.update(crawl_id=crawl_ids.get(row["crawl_id"]), revisit_of=capture_ids.get(row["revisit_of"]),
                       render_of=capture_ids.get(row["render_of"]))  # a browser capture's plain one: merged before it
            capture_ids[old], added = rows_of.capture(db, row)
            report.captures += added
            report.already += not added
            if added and row["revisit"] is None and rows_of.same_bytes_before(db, capture_ids[old], row["url"], row["payload_digest"]):
                report.twice += 1
        version_ids: dict[int, int] = {}
        urls = set()
        for row in rows_of.rows(src, "versions"):
            row["capture_id"] = capture_ids.get(row["capture_id"])
            version_ids[row["id"]] = rows_of.version(db, row)
            urls.add(row["url"])
        for url in urls:
            rows_of.renumber_versions(db, url)
        refile = []
        for row in rows_of.rows(src, "articles"):
            row.update(capture_id=capture_ids.get(row["capture_id"]), crawl_id=crawl_ids.get(row["crawl_id"]),
                       version_id=version_ids.get(row["version_id"]))
            article_id, changed = rows_of.article(db, row, rows_of.fetched_at(db, row["capture_id"]))
            if changed:
                refile.append(article_id)
        for row in rows_of.rows(src, "sources"):
            rows_of.source(db, {**row, "last_crawl_id": crawl_ids.get(row["last_crawl_id"])})
        for row in rows_of.rows(src, "retries", "url"):  # what a watermark moved past: kept with it
            retries.merge(db, row)
        for row in rows_of.rows(src, "site_blocks", "site, block"):
            rows_of.chrome_block(db, row)
        for row in rows_of.rows(src, "site_block_pages", "site, block, url"):
            rows_of.chrome_page(db, row)
        rows_of.count_chrome_pages(db)
        for row in rows_of.rows(src, "site_rules"):
            rows_of.site_rule(db, row)
        rows_of.count_sites(db)
        report.articles = len(refile)
        if warc_dir is not None:
            report.missing = [name for name in rows_of.warc_files(src) if existing_path(warc_dir, name) is None]
            _link_revisits(db, warc_dir)
    _file_stories(writer, sorted(set(refile)), pool)
    writer.commit()
    return report


def _link_revisits(db, warc_dir: Path) -> None:
    """Revisits written by one worker for a record another worker holds: linked by WARC-Refers-To."""
    for row in rows_of.unlinked_revisits(db):
        path = existing_path(warc_dir, row["warc_filename"])
        record_id = refers_to(path, row["warc_offset"], row["warc_length"]) if path else None
        if record_id:
            rows_of.link_revisit(db, row["id"], record_id)


def _file_stories(writer: ArchiveWriter, article_ids: list[int], pool) -> None:
    """File the merged articles' copies and stories, in the order they came in, as the crawl would have."""
    for start in range(0, len(article_ids), 200):
        batch = article_ids[start:start + 200]
        texts = [rows_of.article_text(writer.storage.db, article_id) for article_id in batch]
        for article_id, found in zip(batch, pool.map(text_signature, texts, chunksize=8)):
            writer.file_story(decide(writer.story_candidates(article_id, found)))
