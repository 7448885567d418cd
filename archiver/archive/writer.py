"""The archive writer: the steps of each unit of work, WARC records and rows written together.

Scrapy-free, and used through the archive service
(:class:`archiver.archive.service.Archive`), so an article is filed the same
way whoever extracted it: site chrome memory, ``articles`` row, version,
next check, copy group and story.

**Threads.** A writer is not thread-safe: every method runs on the thread
that opened it, the archive's I/O thread.  The service files an article
there in one call (:meth:`article`, :meth:`story_candidates`, the scoring,
:meth:`file_story`, :meth:`filed`); only a new version's diff, worked out
on the service's ``archiver-cpu`` thread, comes between two calls
(:meth:`set_diff` then goes with the story).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from archiver.extract import Article, SiteRules, site_rules
from archiver.extract.blocks import CHROME_STORIES
from archiver.storage import Storage, articles, captures, crawls, retries, storyindex
from archiver.values.dates import iso_utc, parse_date
from archiver.values.sites import site_of
from archiver.archive.lock import RunningMark
from archiver.formats.records import Capture, CrawlEnd, PendingDiff, Previous, RecheckState, Saved, Stored
from archiver.archive.recovery import Recovery, close_leftover_warcs
from archiver.values.schedule import DEFAULT, RecheckSchedule
from archiver.text.similarity import Signature, StoryCandidates, StoryDecision
from archiver.text.versions import Change, fingerprint
from archiver.formats.warc import HttpExchange, RecordLocation, WarcFileWriter
from archiver.errors import WarcError


@dataclass(frozen=True)
class FilingRules:
    """How articles are filed: the re-check schedule, and the site chrome memory's number of stories (0: off).

    ``chrome_stories`` is ``ARCHIVER_CHROME_PAGES``: a block a site shows on
    pages of that many different stories is chrome.
    """

    chrome_stories: int = CHROME_STORIES
    recheck: RecheckSchedule = RecheckSchedule.parse(DEFAULT)


class ArchiveWriter:
    """The archive database and (for a crawl) its WARC writer, written one unit of work at a time."""

    def __init__(self, db_path: Path, warc: WarcFileWriter | None = None, rules: FilingRules = FilingRules()):
        self.db_path = Path(db_path)
        self.storage = Storage(self.db_path)
        self.warc = warc
        self.rules = rules
        self.crawl_id: int | None = None
        self._mark: RunningMark | None = None

    # life cycle -------------------------------------------------------------

    def recover(self, warc_dir: Path | None) -> Recovery:
        """Finish the rows of killed crawls and close the WARC files they left open (see :mod:`.recovery`)."""
        found = close_leftover_warcs(warc_dir) if warc_dir is not None and warc_dir.is_dir() else Recovery()
        now = iso_utc()
        with self.storage.write() as db:
            for crawl_id in crawls.unfinished(db):
                mark = RunningMark(self.db_path, crawl_id)
                if mark.is_held():
                    continue
                crawls.finish(db, crawl_id, now, "killed", {"archiver/recovered_at": now}, crawls.counted(db, crawl_id))
                mark.remove()
                found.crawls.append(crawl_id)
        self.storage.commit()
        return found

    def start_crawl(self, spider: str, args: Mapping[str, Any]) -> int:
        """The crawl's row, marked running before anyone can see it."""
        with self.storage.write() as db:
            self.crawl_id = crawls.start(db, spider, args, iso_utc())
            self._mark = RunningMark(self.db_path, self.crawl_id)
            self._mark.hold()
        return self.crawl_id

    def finish_crawl(self, end: CrawlEnd) -> None:
        """Close the WARC file, finish the crawl's row, and (after a complete crawl) move its sources' watermarks."""
        try:
            if self.warc is not None:
                self.warc.close()
        finally:
            if self.crawl_id is not None:
                now = iso_utc()
                with self.storage.write() as db:
                    crawls.finish(db, self.crawl_id, now, end.reason, end.stats)
                    # Watermarks move only after a complete crawl, so that what an
                    # interrupted one missed is fetched next time.
                    if end.reason == "finished":
                        for url, (kind, newest) in end.sources.items():
                            crawls.save_source(db, url, kind, iso_utc(newest, "auto") if newest else None, self.crawl_id, now)
                self.storage.commit()
            if self._mark is not None:
                self._mark.release()

    def commit(self) -> None:
        """Commit what was written since the last commit."""
        self.storage.commit()

    def close(self) -> None:
        """Commit and close the database (the WARC file is closed by :meth:`finish_crawl`)."""
        self.storage.close()

    # captures ---------------------------------------------------------------

    def capture(self, capture: Capture, exchange: HttpExchange | None = None, previous: Previous | None = None) -> Stored:
        """Write an exchange's WARC records (if any) and its ``captures`` row.

        With ``previous`` (a re-check), an unchanged response is written as a
        revisit record referring to the capture that holds the bytes.  A WARC
        write that fails leaves the row, saying so.
        """
        location = warc_error = None
        if exchange is not None and self.warc is not None:
            try:
                location = self.warc.write_exchange(exchange, previous.refers_to if previous else None)
            except WarcError as exc:
                warc_error = exc
                capture.error = f"WARC record not written: {exc}"
        with self.storage.write() as db:
            capture_id = captures.insert(db, capture, location, self.crawl_id, previous.capture_id if previous else None)
        totals = (self.warc.records_written, self.warc.bytes_written) if self.warc is not None else None
        return Stored(capture_id, location, warc_error, totals)

    def capture_at(self, capture: Capture, location: RecordLocation, revisit_of: int | None = None) -> int:
        """A ``captures`` row for a record already in a WARC file (an imported one); returns its id."""
        with self.storage.write() as db:
            return captures.insert(db, capture, location, self.crawl_id, revisit_of)

    def has_record(self, location: RecordLocation) -> bool:
        """Whether a capture already points at this record (at its place, or by its WARC-Record-ID)."""
        return captures.has_record(self.storage.db, location.filename, location.offset, location.record_id)

    def original(self, record_id: str | None, url: str, digest: str | None, before: str) -> int | None:
        """The capture holding the bytes a revisit refers to: by record id, else by URL and payload digest."""
        return captures.original(self.storage.db, record_id, url, digest, before)

    def no_article(self, capture_id: int, reason: str) -> None:
        """Say on the capture's row why it gave no article."""
        with self.storage.write() as db:
            captures.add_error(db, capture_id, f"no article: {reason}")

    # articles ---------------------------------------------------------------

    def article(self, url: str, capture_id: int | None, article: Article, hints: Mapping[str, Any] | None = None,
                checked_at: datetime | None = None) -> Saved:
        """File an extracted article: site chrome memory, its row, its version, its next check.

        ``checked_at`` is when it was fetched (None when re-extracted from the
        archive: no check happened).  Its story is filed next
        (:meth:`story_candidates`); a new version's diff comes with
        :meth:`set_diff`.
        """
        now = checked_at or datetime.now(timezone.utc)
        with self.storage.write() as db:
            dropped = 0
            if self.rules.chrome_stories:
                chrome = articles.learn_blocks(db, site_of(url), url, article.blocks, iso_utc(now),
                                               self.rules.chrome_stories)
                cleaned = article.without_blocks(chrome)
                dropped, article = len(article.blocks) - len(cleaned.blocks), cleaned
            article_id, new = articles.save(db, url, capture_id, article, hints)
            if article_id is None:
                return Saved(None, new, "same", dropped)
            version, pending = self._version(db, url, capture_id, article, now, checked_at is not None)
            if checked_at is not None:
                self._schedule(db, url, now, version == "changed")
        return Saved(article_id, new, version, dropped, pending, article.signature)

    def _version(self, db: Any, url: str, capture_id: int | None, article: Article, now: datetime,
                 fetched: bool) -> tuple[str, PendingDiff | None]:
        current = articles.current_version(db, url)
        print_ = fingerprint(article.title, article.text)
        if current is not None and fingerprint(current["title"], current["text"]) == print_:
            outcome = "same" if (current["title"], current["text"]) == (article.title, article.text) else "cosmetic"
            if fetched:
                articles.saw_version_again(db, current["id"], iso_utc(now), outcome == "cosmetic")
            return outcome, None
        number = current["number"] + 1 if current else 1
        version_id = articles.add_version(db, url, number, capture_id, article, print_, iso_utc(now))
        if current is None:
            return "new", None
        return "changed", PendingDiff(version_id, current["title"], current["text"], article.title, article.text)

    def _schedule(self, db: Any, url: str, now: datetime, changed: bool) -> None:
        """Record the fetch and schedule the next check: by the article's age (publication, else first seen)."""
        published, first_seen = articles.article_dates(db, url)
        born = parse_date(published) or parse_date(first_seen) or now
        next_check = self.rules.recheck.next_check(now, min(born, now), changed)
        articles.set_checked(db, url, iso_utc(now), iso_utc(next_check) if next_check else None, changed)

    def set_diff(self, version_id: int, change: Change) -> None:
        """Store a new version's diff, computed off this thread."""
        with self.storage.write() as db:
            articles.set_diff(db, version_id, change)

    def unchanged(self, url: str) -> None:
        """A re-check found the archived bytes unchanged (304 or the same payload): note it, schedule the next one."""
        now = datetime.now(timezone.utc)
        with self.storage.write() as db:
            current = articles.current_version(db, url)
            if current is not None:
                articles.saw_version_again(db, current["id"], iso_utc(now), cosmetic=False)
            self._schedule(db, url, now, changed=False)

    def story_candidates(self, article_id: int, signature: Signature) -> StoryCandidates:
        """Take the article out of the story indexes and read its candidates (file its stories in order)."""
        with self.storage.write() as db:
            return storyindex.candidates(db, article_id, signature)

    def file_story(self, decision: StoryDecision) -> str:
        """Write where :func:`~archiver.text.similarity.decide` put the article: ``copy``, ``joined`` or ``new``."""
        with self.storage.write() as db:
            return storyindex.apply(db, decision)

    # what the crawl asks ------------------------------------------------------

    def filed(self, article_id: int) -> dict[str, Any] | None:
        """The ``articles`` row as filed (site chrome out, flags, story): what the crawl hands to feed exports."""
        return articles.get(self.storage.db, article_id)

    def recheck_states(self, urls: list[str]) -> dict[str, RecheckState | None]:
        """For each URL: None when it has no article yet; else when it is due and what a conditional GET sends."""
        return {url: captures.recheck_state(self.storage.db, url) for url in urls}

    def due_urls(self, site: str, limit: int = 10_000) -> list[str]:
        """Archived article URLs of a site whose re-check is due."""
        return articles.due_urls(self.storage.db, site, iso_utc(), limit)

    def note_failure(self, url: str, site: str, kind: str, error: str, hints: Mapping[str, Any]) -> None:
        """What a source listed failed to fetch: the next runs on ``site`` try again (``retries``)."""
        with self.storage.write() as db:
            retries.note(db, url, site, kind, error, iso_utc(), hints)

    def clear_retry(self, url: str) -> None:
        """A URL that had failed was fetched."""
        with self.storage.write() as db:
            retries.clear(db, url)

    def retries(self, site: str, limit: int = 10_000) -> list[tuple[str, str, dict[str, Any]]]:
        """What earlier runs failed to fetch on a site, to try again: URL, kind, and what its source said."""
        with self.storage.write() as db:
            return retries.due(db, site, limit)

    def watermark(self, url: str) -> datetime | None:
        """The newest entry date an earlier complete crawl saw at this sitemap or feed."""
        return parse_date(crawls.watermark(self.storage.db, url))

    def site_rules(self) -> tuple[dict[str, SiteRules], list[str]]:
        """The ``site_rules`` table, compiled, with a sentence for each rule that does not compile."""
        return site_rules(articles.site_rules(self.storage.db))
