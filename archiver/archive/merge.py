"""Shards into one archive: what ``archiver merge`` does, Scrapy-free.

Each worker of a distributed crawl files into its own database (a shard).
:func:`merge` copies a consistent snapshot of each shard into the archive
through the same storage, ids remapped, rows matched by what identifies them
(:mod:`archiver.storage.merge`), so that merging a shard again adds only what
it gained since.  Then what only the whole archive can decide is decided
again: the article of a URL fetched by two workers is the later capture's;
a chrome block counts the pages of every shard; a revisit written by one
worker is linked to the record another wrote; and every article that came in
or changed is filed again (:mod:`archiver.archive.stories`), as
``archiver stories --rebuild`` does, so copies and stories across shards are
found (with any article an earlier run left in no story).

It runs on the archive's I/O thread (:meth:`archiver.archive.service.Archive.merge`).

Nothing a shard stores is trusted: a shard whose captures name a WARC file
outside the WARC directory is refused, and a shard that fails at any step is
rolled back whole (its rows and stories are one transaction) and reported in
one sentence naming the step and row: merging again finishes the job.
"""

from __future__ import annotations

import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archiver.errors import MergeError
from archiver.storage import Storage
from archiver.storage import merge as rows_of
from archiver.storage import retries, storyindex
from archiver.formats.warc import OutsideWarcDir, existing_path
from archiver.archive.writer import ArchiveWriter

if TYPE_CHECKING:
    import sqlite_utils


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


def refers_to(path: Path, offset: int) -> str | None:
    """The ``WARC-Refers-To`` of the revisit record at ``offset`` of a WARC file (None if it cannot be read).

    Only the record's headers are read, whatever length the archive gives it.
    """
    if not isinstance(offset, int) or offset < 0:
        return None
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            record = next(iter(ArchiveIterator(f)), None)
            return record.rec_headers.get_header("WARC-Refers-To") if record is not None else None
    except (ArchiveLoadFailed, OSError, ValueError, EOFError, zlib.error):  # a damaged record stays unlinked
        return None


# files these articles' copies and stories again, on this thread, telling where it is
Refile = Callable[[list[int], Callable[[str], None]], list[str]]


def check_shards(into: Path, shards: list[Path]) -> None:
    """Refuse, before anything is opened, a shard that is not there or is the archive merged into."""
    for shard in shards:
        if not shard.is_file():
            raise MergeError(f"No shard at {shard}; give the path of a worker's ARCHIVER_DB.")
        if into.exists() and shard.resolve() == into.resolve():
            raise MergeError(f"{shard} is the archive merged into; give the shards after it.")



def merge_into(writer: ArchiveWriter, shards: list[Path], warc_dir: Path | None, refile: Refile) -> list[ShardReport]:
    """Merge each shard into the writer's archive; one transaction a shard.

    Raises :class:`MergeError` naming the shard, and the step and row it
    stopped at: what earlier shards added is kept, and merging again
    finishes the job (articles left without a story are filed then).
    """
    check_shards(writer.db_path, shards)
    reports = []
    with tempfile.TemporaryDirectory(prefix="archiver-merge-") as tmp:
        for number, shard in enumerate(shards):
            copy = Path(tmp) / f"shard-{number}.db"
            try:
                rows_of.snapshot(shard, copy)
                source = Storage(copy)  # migrated to the current schema, if older
            except Exception as exc:  # sqlite3.DatabaseError and what a half-written file gives
                raise MergeError(f"{shard} is not an archive database ({exc}); give a worker's ARCHIVER_DB.") from None
            at = Step()
            try:
                # without a WARC directory only the names can be checked: against a directory of nothing
                check_warc_names(source, shard, warc_dir or Path(tmp) / "no-warc-dir")
                reports.append(_merge_one(writer, source, shard, warc_dir, refile, at))
            except MergeError:
                raise
            except Exception as exc:  # a damaged or tampered shard can break any step: said in one sentence
                said = " ".join(str(exc).split())
                raise MergeError(f"Merging {shard} stopped at {at}: {type(exc).__name__}: {said:.300}. Nothing of "
                                 "this shard was merged (what earlier shards added is kept): fix the cause and run "
                                 "merge again to finish.") from exc
            finally:
                source.close()
                copy.unlink()
    return reports


class Step:
    """Where a shard's merge is: the table and row, or the step, a failure is reported at."""

    def __init__(self) -> None:
        self.where = "its start"

    def __str__(self) -> str:
        return self.where

    def at(self, where: str) -> None:
        """Note the step a failure would be reported at."""
        self.where = where

    def rows(self, src: sqlite_utils.Database, table: str, order: str = "id") -> Iterator[dict[str, Any]]:
        """:func:`archiver.storage.merge.rows`, each row noted as it is merged."""
        for row in rows_of.rows(src, table, order):
            key = row["id"] if "id" in row else tuple(row[column.strip()] for column in order.split(","))
            self.where = f"{table} row {key!r:.200}"
            yield row


def check_warc_names(source: Storage, shard: Path, warc_dir: Path) -> None:
    """Refuse a shard whose captures name a WARC file outside the WARC directory (``..``, absolute, NUL, a link out).

    Nothing of it is merged; the sentence names the first such row and the name.
    """
    bad = [(capture_id, name) for name, capture_id in rows_of.warc_names(source.db) if not _inside(warc_dir, name)]
    if bad:
        capture_id, name = bad[0]
        more = f" (and {len(bad) - 1} more names)" if len(bad) > 1 else ""
        raise MergeError(f"{shard}: captures row {capture_id} names the WARC file {name!r:.300}, which is not a file of the "
                         f"WARC directory{more}; nothing of this shard was merged: correct or delete those rows.")


def _inside(warc_dir: Path, name: Any) -> bool:
    """Whether a stored WARC file name names a file of the WARC directory (there or not)."""
    if not isinstance(name, str):
        return False
    try:
        existing_path(warc_dir, name)
    except (OutsideWarcDir, OSError):  # OSError: a name no file system takes (too long)
        return False
    return True


def _merge_one(writer: ArchiveWriter, source: Storage, shard: Path, warc_dir: Path | None, refile: Refile,
               at: Step) -> ShardReport:
    report = ShardReport(shard)
    src = source.db
    with writer.storage.write() as db:
        crawl_ids: dict[int, int] = {}
        for row in at.rows(src, "crawls"):
            crawl_ids[row["id"]], added = rows_of.crawl(db, row)
            report.crawls += added
        capture_ids: dict[int, int] = {}
        for row in at.rows(src, "captures"):
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
        for row in at.rows(src, "versions"):
            row["capture_id"] = capture_ids.get(row["capture_id"])
            version_ids[row["id"]] = rows_of.version(db, row)
            urls.add(row["url"])
        for url in urls:
            rows_of.renumber_versions(db, url)
        changed = []
        for row in at.rows(src, "articles"):
            row.update(capture_id=capture_ids.get(row["capture_id"]), crawl_id=crawl_ids.get(row["crawl_id"]),
                       version_id=version_ids.get(row["version_id"]))
            article_id, added = rows_of.article(db, row, rows_of.fetched_at(db, row["capture_id"]))
            if added:
                changed.append(article_id)
        for row in at.rows(src, "sources"):
            rows_of.source(db, {**row, "last_crawl_id": crawl_ids.get(row["last_crawl_id"])})
        for row in at.rows(src, "retries", "url"):  # what a watermark moved past: kept with it
            retries.merge(db, row)
        for row in at.rows(src, "site_blocks", "site, block"):
            rows_of.chrome_block(db, row)
        for row in at.rows(src, "site_block_pages", "site, block, url"):
            rows_of.chrome_page(db, row)
        rows_of.count_chrome_pages(db)
        for row in at.rows(src, "site_rules"):
            rows_of.site_rule(db, row)
        rows_of.count_sites(db)
        report.articles = len(changed)
        if warc_dir is not None:
            at.where = "checking its WARC files"
            report.missing = [name for name, _ in rows_of.warc_names(src) if existing_path(warc_dir, name) is None]
            _link_revisits(db, warc_dir, at)
        # with the articles a merge or a crawl stopped before filing (merging again finishes the job), inside
        # the shard's transaction: a failure leaves nothing of the shard, and the next merge takes it whole
        refile(sorted(set(changed) | set(storyindex.unfiled(db))), at.at)
    writer.commit()
    return report


def _link_revisits(db, warc_dir: Path, at: Step) -> None:
    """Revisits written by one worker for a record another worker holds: linked by WARC-Refers-To."""
    for row in rows_of.unlinked_revisits(db):
        at.where = f"linking the revisit of the archive's captures row {row['id']}"
        path = existing_path(warc_dir, row["warc_filename"])
        record_id = refers_to(path, row["warc_offset"]) if path else None
        if record_id:
            rows_of.link_revisit(db, row["id"], record_id)

