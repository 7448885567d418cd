"""The archive service: one unit of work (extract a page, file what it gave) behind one facade that owns the threads.

:class:`Archive` is how a crawl (:mod:`archiver.crawl.pipeline`) and the
commands (``reextract``, ``import``, ``stories --rebuild``, ``merge``,
``cdxj``, ``wacz``) work on an archive.  It owns:

- the :class:`~archiver.archive.writer.ArchiveWriter` and its I/O thread
  (``archiver-io``): every SQLite statement and WARC write, in order, commits
  batched (:class:`~archiver.runtime.iothread.IOThread`);
- the extraction pool (:class:`~archiver.runtime.pool.BoundedPool`, worker
  processes, its watchdog on ``archiver-watchdog``): each page bounded in
  time and memory, with the crawl's settings (:class:`Extraction`);
- the ``archiver-cpu`` thread, which runs each article's filing in turn: one
  call on the I/O thread (the row, chrome memory, next check, story scored
  and filed, the row read back), and a new version's diff worked out between
  two such calls so that it never blocks the I/O thread; stories are filed
  one article at a time, in the order :meth:`Archive.file` was called.

Every public method returns a :class:`concurrent.futures.Future`: a crawl
awaits it on the reactor (``asyncio.wrap_future``), a command blocks on
``result()``; nobody chooses whether to wait.  A failure is reported once
(``report``: logged with its traceback the first time of each kind, and
counted) and raised again to whoever reads the future.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar
from urllib.parse import urlsplit

from archiver.archive import merge as merging
from archiver.archive import stories
from archiver.archive.extraction import Extraction, RawPage, outcome_of
from archiver.archive.recovery import Recovery
from archiver.archive.wacz import Packed, write_wacz
from archiver.archive.warcimport import ImportedRecord
from archiver.archive.writer import ArchiveWriter, FilingRules
from archiver.errors import ArchiverError
from archiver.extract import Article, NoArticle, SiteRules, extract_page, page_head, rules_for
from archiver.formats.cdxj import Located, in_closed_files
from archiver.formats.records import CrawlEnd, Saved
from archiver.formats.warc import WarcFileWriter
from archiver.runtime.cpu import CpuMeter
from archiver.runtime.cpu import stats as cpu_stats
from archiver.runtime.iothread import IOThread
from archiver.runtime.pool import BoundedPool
from archiver.storage import articles, storyindex
from archiver.storage import merge as rows_of
from archiver.storage.export import Selection, indexed_captures
from archiver.storage.status import crawl_failures
from archiver.text.similarity import decide
from archiver.text.versions import Change, compare

T = TypeVar("T")
logger = logging.getLogger(__name__)
Report = Callable[[str, BaseException], None]


class Failures:
    """A :data:`Report` (the default one): each failure counted by kind, the first of a kind logged at ERROR with its
    traceback, the others at DEBUG; thread-safe."""

    def __init__(self, log: logging.Logger = logger) -> None:
        self.counts: Counter[str] = Counter()
        self._log = log
        self._lock = threading.Lock()

    def __call__(self, kind: str, exc: BaseException) -> None:
        with self._lock:
            self.counts[kind] += 1
            first = self.counts[kind] == 1
        self._log.log(logging.ERROR if first else logging.DEBUG, "archiver %s error%s: %s", kind,
                      f" (the first; all are counted in archiver/errors/{kind})" if first else "", exc,
                      exc_info=(type(exc), exc, exc.__traceback__))


@dataclass(frozen=True)
class Filed:
    """What filing a page did: its article saved (None: no article, its capture row says why), its story, its row."""

    saved: Saved | None = None
    story: str | None = None  # copy, joined or new
    row: dict[str, Any] | None = None  # the articles row as filed (site chrome out, flags, story)


@dataclass(frozen=True)
class Added:
    """What became of an imported record: its ``captures`` row (None: already in the archive), its revisit unresolved."""

    capture_id: int | None
    unresolved: bool = False


@dataclass
class Closed:
    """What closing a crawl's archive gave its report: the failures by reason, and the threads' CPU by stage."""

    failures: dict[str, list[tuple[str, int]]] | None = None
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)  # "io" and "cpu_thread" -> stage -> seconds
    warc_files: int = 0


class Archive:
    """An open archive: its writer on the I/O thread, its extraction pool, its filing thread."""

    def __init__(self, db_path: Path, *, rules: FilingRules = FilingRules(), extraction: Extraction = Extraction(),
                 warc: Callable[[CpuMeter], WarcFileWriter] | None = None, recover: bool = True,
                 warc_dir: Path | None = None, report: Report | None = None):
        """Open (and migrate) the database on the I/O thread; ``recover``: first put right what killed crawls left
        (:attr:`recovered` says what).  ``warc`` makes a crawl's WARC writer.  A database that cannot be opened
        raises here (sqlite3.Error, OSError)."""
        self.extraction = extraction
        self.report: Report = report or Failures()
        self._writer: ArchiveWriter | None = None
        self._pool: BoundedPool | None = None
        self._pool_lock = threading.Lock()
        self._io = IOThread("archiver-io", flush=self._commit, on_failure=lambda exc: self.report("storage", exc))
        self._cpu = ThreadPoolExecutor(1, thread_name_prefix="archiver-cpu")
        self._cpu_meter = CpuMeter()  # the archiver-cpu thread's stages (used on that thread only)
        try:
            self._writer = self._io.call(self._open, db_path, rules, warc, recover, warc_dir)
            self.site_rules: dict[str, SiteRules]
            self.site_rules, self.rule_problems = self._io.call(self._writer.site_rules)
        except BaseException:
            self._cpu.shutdown()
            self._io.shutdown()
            raise
        self.recovered: Recovery = self._recovered

    def _open(self, db_path: Path, rules: FilingRules, warc: Callable[[CpuMeter], WarcFileWriter] | None,
              recover: bool, warc_dir: Path | None) -> ArchiveWriter:
        writer = ArchiveWriter(db_path, warc(self._io.cpu) if warc else None, rules)
        try:
            self._recovered = writer.recover(warc_dir) if recover else Recovery()
        except BaseException:
            writer.close()
            raise
        return writer

    def _commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()

    def _on_io(self, kind: str, function: Callable[..., T], *args: Any) -> "Future[T]":
        return self._watched(kind, self._io.submit(function, *args))

    def _watched(self, kind: str, future: "Future[T]") -> "Future[T]":
        """The future, its failure reported once (it still raises to whoever reads it)."""
        def check(done: Future) -> None:
            # a named error (archiver.errors) is no failure of ours: it carries its sentence to the caller
            if not done.cancelled() and not isinstance(done.exception(), (type(None), ArchiverError)):
                self.report(kind, done.exception())

        future.add_done_callback(check)
        return future

    @property
    def alive(self) -> bool:
        """Whether the I/O thread still takes work."""
        return self._io.alive

    @property
    def io(self) -> IOThread:
        """The I/O thread, for the crawl's other units of work (captures, sources, retries)."""
        return self._io

    @property
    def writer(self) -> ArchiveWriter:
        """The writer, whose methods run on :attr:`io` only."""
        assert self._writer is not None
        return self._writer

    # the unit of work --------------------------------------------------------

    def extract(self, page: RawPage) -> "Future[Article | NoArticle]":
        """The page's article, extracted in a worker with the archive's settings and site rules, or the NoArticle
        saying why there is none (past its time or memory: :class:`~archiver.archive.extraction.Stopped`).

        A parser's bug or a crashed worker is reported (kind ``extraction``) and given as a NoArticle too: a page
        that fails still gets its row saying why.
        """
        settings = self.extraction
        rules = rules_for(self.site_rules, urlsplit(page.url).hostname or "")
        head, whole = page_head(page.body, settings.max_bytes)  # a worker gets no more than it reads
        job = self._extraction_pool().submit(extract_page, head, page.content_type, page.url, rules,
                                             settings.extractor, settings.vote,
                                             page.cut_from if page.cut_from is not None else whole, settings.max_bytes)
        outcome: Future = Future()
        job.add_done_callback(lambda done: outcome_of(done, outcome, self.report))
        return outcome

    @property
    def pages_ahead(self) -> int:
        """How many pages to hand :meth:`extract` at once to keep every worker busy: one each extracting, one
        waiting in the pool's queue behind it (BoundedPool.AHEAD) and one ready as soon as a page comes back."""
        workers = self.extraction.workers if self.extraction.workers is not None else os.cpu_count() or 1
        return (2 + BoundedPool.AHEAD) * max(1, workers)

    def _extraction_pool(self) -> BoundedPool:
        with self._pool_lock:
            if self._pool is None:
                self._pool = BoundedPool(self.extraction.workers, self.extraction.limits)
            return self._pool

    def file(self, url: str, capture_id: int | None, result: Article | NoArticle,
             hints: Mapping[str, Any] | None = None, checked_at: datetime | None = None) -> "Future[Filed]":
        """File what a page gave: its article (site chrome memory, row, version and diff, next check, copy and story),
        or on its capture row why there is none.

        ``checked_at``: when it was fetched (None when re-extracted from the archive: no check happened).  Filed in
        the order of the calls, each once committed.
        """
        if isinstance(result, NoArticle):
            return self._on_io("storage", no_article, self.writer, capture_id, str(result))
        return self._watched("storage", self._cpu.submit(self._file, url, capture_id, result, hints, checked_at))

    def _file(self, url: str, capture_id: int | None, article: Article, hints: Mapping[str, Any] | None,
              checked_at: datetime | None) -> Filed:
        """On the archiver-cpu thread: the article filed on the I/O thread, in one call unless a new version's
        diff is to be worked out here first (then a second call files the diff and the story)."""
        writer = self.writer
        saved, story, row = self._io.submit(self._filing, url, capture_id, article, hints, checked_at).result()
        if saved.pending_diff is not None:
            pending = saved.pending_diff
            with self._cpu_meter.stage("diff"):
                change = compare(pending.old_title, pending.old_text, pending.new_title, pending.new_text)
            story, row = self._io.submit(self._story_and_row, saved, change).result()
        return Filed(saved, story, row)

    def _filing(self, url: str, capture_id: int | None, article: Article, hints: Mapping[str, Any] | None,
                    checked_at: datetime | None) -> tuple[Saved, str | None, dict[str, Any] | None]:
        with self._io.cpu.stage("article"):
            saved = self.writer.article(url, capture_id, article, hints or None, checked_at)
        if saved.pending_diff is not None:  # its story waits for the diff (stories filed in the order given)
            return saved, None, None
        return saved, *self._story_and_row(saved, None)

    def _story_and_row(self, saved: Saved, change: Change | None) -> tuple[str | None, dict[str, Any] | None]:
        """On the I/O thread: the diff, the story (candidates, scoring, decision) and the row read back as filed.

        One call, not a hand-off between threads for each step: the scoring takes a fraction of a millisecond,
        the hand-offs held each article 23 ms and made filing the crawl's limit (bench/throughput.py).
        """
        writer, stage = self.writer, self._io.cpu.stage
        if change is not None:
            with stage("set_diff"):
                writer.set_diff(saved.pending_diff.version_id, change)
        story = None
        if saved.article_id is not None and saved.signature is not None:
            with stage("story_candidates"):
                found = writer.story_candidates(saved.article_id, saved.signature)
            with stage("stories"):
                decision = decide(found)
            with stage("file_story"):
                story = writer.file_story(decision)
        with stage("filed"):
            return story, filed(writer, saved.article_id)

    def unchanged(self, url: str) -> "Future[None]":
        """A re-check found the archived bytes unchanged: noted, and its next check scheduled."""
        return self._on_io("storage", self.writer.unchanged, url)

    def refile_stories(self, article_ids: list[int] | None = None) -> "Future[list[str]]":
        """File articles' copies and stories again from their stored text (None: forget every group and file every
        article, in the order archived; committed as one); the sentences for articles left unfiled."""
        self._extraction_pool()  # started here, on the caller's thread (the main one: its workers deaf to Ctrl-C)
        return self._on_io("storage", self._refile_stories, article_ids)

    def _refile_stories(self, article_ids: list[int] | None, at: Callable[[str], None] = lambda where: None) -> list[str]:
        writer = self.writer
        with writer.storage.write() as db:  # all or nothing: a failure leaves the groups as they were
            if article_ids is None:
                storyindex.clear(db)
                found = stories.every_article(writer)
            else:
                found = ((i, *rows_of.article_text(db, i)) for i in article_ids)
            return [f"Article {article_id} left unfiled: its signature {stopped}."
                    for article_id, stopped in stories.refile(writer, self._extraction_pool(), found, at)]

    # what the commands read and write -----------------------------------------

    def to_reextract(self, site: str | None, since: str | None) -> "Future[list[dict[str, Any]]]":
        """The articles ``reextract`` extracts again, with their captures' WARC places."""
        return self._on_io("storage", to_reextract, self.writer, site, since)

    def story_summary(self) -> "Future[dict[str, int]]":
        """How many articles, stories, stories of several articles, copies and unfiled articles there are."""
        return self._on_io("storage", story_summary, self.writer)

    def add_record(self, record: ImportedRecord, args: Mapping[str, Any]) -> "Future[Added]":
        """An imported record's ``captures`` row, unless already there (a revisit resolved to its original); the
        import's ``crawls`` row is started by the first record added, with ``args``."""
        return self._on_io("storage", self._add_record, record, args)

    def _add_record(self, record: ImportedRecord, args: Mapping[str, Any]) -> Added:
        writer = self.writer
        if writer.has_record(record.location):
            return Added(None)
        revisit_of = None
        if record.kind == "revisit":
            revisit_of = writer.original(record.refers_to, record.refers_to_url or record.capture.url,
                                         record.location.payload_digest, record.refers_to_date or record.capture.fetched_at)
            if revisit_of is None:
                record.capture.error = f"revisit of a record not in the archive ({record.refers_to or 'no WARC-Refers-To'})"
        if writer.crawl_id is None:  # an import that adds nothing leaves no row
            writer.start_crawl("import", args)
        return Added(writer.capture_at(record.capture, record.location, revisit_of),
                     record.kind == "revisit" and revisit_of is None)

    @property
    def crawl_id(self) -> int | None:
        """The crawl (or import) this archive is writing, once started."""
        return self._writer.crawl_id if self._writer is not None else None

    def merge(self, shards: list[Path], warc_dir: Path | None) -> "Future[list[merging.ShardReport]]":
        """Merge worker shards into this archive, one transaction a shard (:mod:`archiver.archive.merge`)."""
        self._extraction_pool()  # as in refile_stories
        return self._on_io("storage", merging.merge_into, self.writer, shards, warc_dir, self._refile_stories)

    def cdxj_captures(self, warc_dir: Path) -> "Future[Located]":
        """The captures a CDXJ index lists: those in closed WARC files of ``warc_dir``, and what became of the others."""
        return self._on_io("storage", cdxj_captures, self.writer, warc_dir)

    def write_wacz(self, out: Path, warc_dir: Path, selection: Selection) -> "Future[Packed]":
        """Package the archive (or a selection of it) as a WACZ file (:mod:`archiver.archive.wacz`)."""
        return self._on_io("storage", wacz, self.writer, out, warc_dir, selection)

    # the end -------------------------------------------------------------------

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, kind: Any, exc: Any, traceback: Any) -> None:
        self.close(cancel=kind is not None).result()  # after Ctrl-C or an error: the extractions are dropped

    def close(self, end: CrawlEnd | None = None, cancel: bool = False) -> "Future[Closed]":
        """Finish the extractions (``cancel``: drop them) and filings under way, then (``end``) the crawl's WARC file
        and row, then commit and close the database; every thread stops.  Call it once."""
        outcome: Future = Future()

        def closing() -> None:
            try:
                with self._pool_lock:
                    if self._pool is not None:
                        self._pool.shutdown(cancel=cancel)
                self._cpu.shutdown(wait=True)
                outcome.set_result(self._io.call(self._close, end))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                self.report("storage", exc)
                outcome.set_exception(exc)
            finally:
                self._io.shutdown()

        threading.Thread(target=closing, name="archiver-close", daemon=True).start()
        return outcome

    def _close(self, end: CrawlEnd | None) -> Closed:
        writer, closed = self.writer, Closed()
        try:
            warc = writer.warc
            if end is not None and warc is not None:  # a crawl's: read here, where the WARC writer is used
                closed.warc_files = len(warc.closed_files) + (1 if warc.current_filename else 0)
                end.stats["archiver/warc/files"] = closed.warc_files
                # the threads' CPU, read where it is counted (the archiver-cpu thread has stopped)
                closed.cpu = {"io": dict(self._io.cpu.seconds), "cpu_thread": dict(self._cpu_meter.seconds)}
                for thread, seconds in closed.cpu.items():
                    end.stats.update(cpu_stats(seconds, f"archiver/cpu_ms/{thread}/"))
            if end is not None:  # the WARC file closed, and the crawl's row if it has one
                writer.finish_crawl(end)
                closed.failures = self._failures(writer)
        finally:
            writer.close()
        return closed

    def _failures(self, writer: ArchiveWriter) -> dict[str, list[tuple[str, int]]] | None:
        try:
            return crawl_failures(writer.storage.db.conn, writer.crawl_id)
        except sqlite3.Error as exc:
            self.report("storage", exc)
            return None



# Writer steps run on the I/O thread, by name: the thread's CPU is counted under each (archiver/cpu_ms/io/CALL).

def no_article(writer: ArchiveWriter, capture_id: int | None, reason: str) -> Filed:
    if capture_id is not None:
        writer.no_article(capture_id, reason)
    return Filed()


def filed(writer: ArchiveWriter, article_id: int | None) -> dict[str, Any] | None:
    return writer.filed(article_id) if article_id is not None else None


def to_reextract(writer: ArchiveWriter, site: str | None, since: str | None) -> list[dict[str, Any]]:
    return articles.to_reextract(writer.storage.db, site, since)


def story_summary(writer: ArchiveWriter) -> dict[str, int]:
    return storyindex.summary(writer.storage.db)


def cdxj_captures(writer: ArchiveWriter, warc_dir: Path) -> Located:
    return in_closed_files(indexed_captures(writer.storage.db.conn), warc_dir)


def wacz(writer: ArchiveWriter, out: Path, warc_dir: Path, selection: Selection) -> Packed:
    return write_wacz(out, writer.storage.db.conn, warc_dir, selection)
