"""One crawl of a spider per archive at a time: a lock file beside the database.

A scheduled crawl that is still running when the next one is due (a slow
site, a big sitemap) must not run twice over the same sources.  The crawl
takes ``fcntl.flock`` on ``DB.SPIDER.lock`` (``archive.db.sitemap.lock``)
when it starts and keeps it to the end; the kernel drops it when the process
dies, however it dies, so a killed crawl never leaves a stale lock behind.
Crawls of other spiders, and other archives, are not held up.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from archiver.values.dates import iso_utc
from archiver.errors import ConfigError, CrawlBusyError


class CrawlLock:
    """The lock of one spider on one archive database."""

    def __init__(self, db: Path, spider: str):
        self.db = db
        self.spider = spider
        self.path = db.with_name(f"{db.name}.{spider}.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`CrawlBusyError` naming the crawl that holds it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError(
                f"Cannot create the lock file {self.path} ({exc.strerror or exc}); "
                "set ARCHIVER_DB to a path in a writable directory."
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise CrawlBusyError(
                f"Another {self.spider} crawl is writing {self.db}{holder}; "
                "this run stops without fetching anything."
            ) from None
        # Who holds it, for the message the next run prints.  The file itself
        # stays after the crawl: deleting a lock file lets two processes lock
        # two different files of the same name.
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "since": iso_utc(timespec="seconds")}).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Let the next crawl of this spider in (exiting the process does it too)."""
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor releases the flock
            self._fd = None


def _holder(fd: int) -> str:
    """`` (pid 1234, since 2026-11-21T09:57:03Z)``, or nothing while the holder is still writing it."""
    try:
        holder = json.loads(os.pread(fd, 200, 0))
        return f" (pid {int(holder['pid'])}, since {holder['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


class RunningMark:
    """A running crawl's mark: ``DB.crawl-ID.running`` beside the database, held with ``flock`` while it runs.

    The kernel drops the lock when the process dies, however it dies: a crawl
    row that is unfinished and whose mark nobody holds belongs to a crawl that
    was killed (:mod:`archiver.archive.recovery` finishes it).
    """

    def __init__(self, db: Path, crawl_id: int):
        self.path = db.with_name(f"{db.name}.crawl-{crawl_id}.running")
        self._fd: int | None = None

    def hold(self) -> None:
        """Mark the crawl as running (before its row is committed, so no one sees the row unmarked)."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._fd = fd

    def release(self) -> None:
        """The crawl has ended: remove the mark."""
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None

    def is_held(self) -> bool:
        """Whether a live process holds this mark (False when there is none)."""
        try:
            fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def remove(self) -> None:
        """Remove a mark nobody holds (a killed crawl's)."""
        self.path.unlink(missing_ok=True)
