"""``archiver import``: WARC and ARC files written by other tools, brought into the archive.

Each file is placed inside the WARC directory (:func:`archiver.archive.warcimport.place`:
referenced where it is when already there, else copied byte for byte), each
response, revisit and resource record gets a ``captures`` row pointing at it,
and the HTML pages are extracted in worker processes and filed as a crawl
files them, through the archive service (:class:`archiver.archive.service.Archive`).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from archiver.values.dates import parse_date
from archiver.values.media import is_html
from archiver.formats.records import CrawlEnd
from archiver.formats.warc import OutsideWarcDir, StoredResponse, existing_path, read_response
from archiver.archive.extraction import RawPage
from archiver.archive.service import Archive
from archiver.archive.warcimport import ImportedRecord, NotPerRecordGzip, Skipped, place, read_records
from archiver.errors import CodingError, WarcError
from archiver.extract import NoArticle
from archiver.cli import BATCH, DB_OPTION, EXTRACTOR_OPTION, VOTE_OPTION, WARC_DIR_OPTION, WORKERS_OPTION, cli, open_archive, plural
from archiver.cli.reextract import extraction, limits_options

SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
# how a WARC or ARC file starts: a gzip member, a WARC record, an ARC file header
SIGNATURES = (b"\x1f\x8b", b"WARC/", b"filedesc://")


def archive_files(paths: tuple[Path, ...]) -> list[Path]:
    """The files given, and the WARC and ARC files inside the folders given (sorted), each once."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))
        else:
            found.append(path)
    return list(dict.fromkeys(p.resolve() for p in found))


def check_named(paths: tuple[Path, ...]) -> None:
    """Stop, before the archive is opened, at a file named that is no WARC or ARC file (a slip of the shell)."""
    for path in paths:
        if path.is_dir():
            continue
        try:
            with path.open("rb") as file:
                head = file.read(32)
        except OSError:
            continue  # the import counts it unreadable, with the others
        if head and not head.startswith(SIGNATURES):  # an empty file is an empty WARC file
            raise click.ClickException(f"{path} is not a WARC or ARC file (it starts {head[:16]!r}); give "
                                       f"{', '.join(SUFFIXES)} files or folders holding them.")


class Importer:
    """Files one imported file's records after another, in batches, counting what became of them."""

    def __init__(self, archive: Archive, warc_dir: Path, args: dict[str, Any]):
        self.archive, self.warc_dir, self.args = archive, warc_dir, args
        self.counts: Counter[str] = Counter()

    def file(self, source: Path) -> None:
        """Import one file, but the records it skips (each said); one gzipped as a single stream not at all."""
        try:
            placed = place(source, self.warc_dir)
        except (OSError, WarcError) as exc:
            self.unreadable(source, f"cannot copy it into {self.warc_dir} ({exc})")
            return
        try:  # read through the one resolver, as every reader of the archive does
            path = existing_path(self.warc_dir, placed.name)
        except OutsideWarcDir:
            path = None
        if path is None:  # place() names only files inside it: changed since by another process
            self.unreadable(source, f"its place in {self.warc_dir} is gone or leads outside it")
            return
        records = []
        try:
            for record in read_records(path, placed.name):
                if isinstance(record, Skipped):
                    self.skipped(source, record)
                else:
                    records.append(record)
        except NotPerRecordGzip as exc:
            if placed.copied:
                path.unlink()
            self.unreadable(source, str(exc))
            return
        except OSError as exc:
            self.unreadable(source, f"cannot be read ({exc.strerror or exc})")
            return
        self.counts["files"] += 1
        for start in range(0, len(records), BATCH):
            self.batch(path, records[start : start + BATCH])

    def unreadable(self, source: Path, why: str) -> None:
        self.counts["unreadable"] += 1
        click.echo(f"{source}: {why}.", err=True)

    def skipped(self, source: Path, record: Skipped) -> None:
        self.counts["damaged" if record.damage else "skipped"] += 1
        click.echo(f"{source}: the record at offset {record.offset:,} is skipped: {record.reason}.", err=True)

    @property
    def exit_status(self) -> int:
        """0: all read; 1: a file or record damaged or unreadable; 3: only records of other schemes skipped."""
        if self.counts["unreadable"] or self.counts["damaged"]:
            return 1
        return 3 if self.counts["skipped"] else 0

    def batch(self, path: Path, records: list[ImportedRecord]) -> None:
        """Rows for the records not yet in the archive, then their articles, extracted in the workers."""
        pages = []
        for record in records:
            capture_id = self.capture(record)
            if capture_id is None or record.kind == "revisit":
                continue  # a revisit's bytes and article are its original's
            stored = self.page(path, record, capture_id)
            if stored is not None:
                pages.append((record, capture_id,
                              self.archive.extract(RawPage(record.capture.url, stored.body, stored.content_type))))
        for record, capture_id, extracted in pages:
            result = extracted.result()
            if isinstance(result, NoArticle):
                self.no_article(record, capture_id, str(result))
                continue
            filed = self.archive.file(record.capture.url, capture_id, result, None,
                                      parse_date(record.capture.fetched_at)).result()
            assert filed.saved is not None
            self.counts["articles"] += 1
            self.counts["new articles"] += filed.saved.new

    def capture(self, record: ImportedRecord) -> int | None:
        """The record's ``captures`` row (a revisit resolved to its original); None when already there."""
        added = self.archive.add_record(record, self.args).result()
        if added.capture_id is None:
            self.counts["known"] += 1
            return None
        self.counts["unresolved"] += added.unresolved
        self.counts[record.kind] += 1
        return added.capture_id

    def page(self, path: Path, record: ImportedRecord, capture_id: int) -> StoredResponse | None:
        """A 2xx HTML page's response, read back from its record as replay reads it; None (said on its row) otherwise."""
        capture = record.capture
        if capture.status is None or not 200 <= capture.status < 300:
            return None
        if not is_html(capture.content_type):
            self.no_article(record, capture_id, f"not HTML ({capture.content_type or 'no content type'})")
            return None
        try:
            stored = read_response(path, record.location.offset, record.location.length)
        except (WarcError, CodingError) as exc:
            self.no_article(record, capture_id,
                            f"body could not be decoded ({exc})" if isinstance(exc, CodingError) else str(exc))
            return None
        return stored

    def no_article(self, record: ImportedRecord, capture_id: int, reason: str) -> None:
        self.counts["no article"] += 1
        self.archive.file(record.capture.url, capture_id, NoArticle(reason)).result()

    def stats(self) -> dict[str, int]:
        """The counts as the ``crawls`` row keeps a crawl's stats (docs/stats.md)."""
        captures = sum(self.counts[kind] for kind in ("response", "revisit", "resource"))
        return {"archiver/captures": captures, "archiver/fetched": captures, "archiver/articles": self.counts["articles"],
                "archiver/articles/new": self.counts["new articles"], "archiver/articles/none": self.counts["no article"],
                "archiver/import/known": self.counts["known"], "archiver/import/unresolved": self.counts["unresolved"],
                "archiver/import/unreadable": self.counts["unreadable"], "archiver/import/damaged": self.counts["damaged"],
                "archiver/import/skipped": self.counts["skipped"]}

    def summary(self, crawl_id: int | None) -> str:
        c = self.counts
        into = f"crawl {crawl_id}" if crawl_id is not None else "nothing new"
        return (f"Read {plural(c['files'], 'file', 'files')} ({into}): "
                f"{plural(c['response'], 'response', 'responses')}, {plural(c['revisit'], 'revisit', 'revisits')}, "
                f"{plural(c['resource'], 'resource', 'resources')}; {plural(c['articles'], 'article', 'articles')} "
                f"({c['new articles']} new), {c['no article']} without an article; "
                f"{plural(c['known'], 'record', 'records')} already in the archive, "
                f"{plural(c['unresolved'], 'revisit', 'revisits')} of records not in it; "
                f"{plural(c['damaged'], 'record', 'records')} damaged and {c['skipped']} of other URLs skipped, "
                f"{plural(c['unreadable'], 'file', 'files')} unreadable.")


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="WARC_OR_DIR...", type=click.Path(exists=True, path_type=Path))
@DB_OPTION
@WARC_DIR_OPTION
@EXTRACTOR_OPTION
@VOTE_OPTION
@WORKERS_OPTION
@limits_options
def import_(paths: tuple[Path, ...], db_path: Path, warc_dir: Path, extractor: str, vote: bool, workers: int | None,
            timeout: float, memory: int) -> None:
    """Bring WARC and ARC files written by other tools (wget, warcio, Common Crawl...) into the archive.

    Files outside the WARC directory are copied into it, byte for byte (replay
    reads only files inside it); each response, revisit and resource record
    gets a ``captures`` row, and each HTML page's article is extracted and
    filed as a crawl files it.  Records already in the archive are skipped, so
    importing a file twice adds nothing.  A record that is damaged, or whose
    target is not an http(s) URL, is skipped with a line naming the file and
    its offset.  Exits with status 1 when a file could not be read or a
    record was damaged, 3 when only records of other URLs were skipped.
    """
    check_named(paths)
    files = archive_files(paths)
    if not files:
        raise click.ClickException(f"No WARC or ARC files ({', '.join(SUFFIXES)}) in {', '.join(map(str, paths))}; "
                                   "give the files or folders holding them.")
    try:
        warc_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"Cannot create the WARC directory {warc_dir} ({exc.strerror}); give another with --warc-dir.")
    archive = open_archive(db_path, warc_dir, extraction=extraction(workers, timeout, memory, extractor, vote), create=True)
    for problem in archive.rule_problems:
        click.echo(problem, err=True)
    importer = Importer(archive, warc_dir, {"files": [str(f) for f in files]})
    reason = "shutdown"
    try:
        for source in files:
            importer.file(source)
        reason = "finished"
    finally:  # after Ctrl-C too: the crawl's row says what was imported (its counters read from these stats)
        crawl_id = archive.crawl_id
        end = CrawlEnd(reason, {**importer.stats(), "archiver/crawl_id": crawl_id}) if crawl_id is not None else None
        archive.close(end, cancel=reason != "finished").result()
    click.echo(importer.summary(crawl_id))
    sys.exit(importer.exit_status)
