"""The archive database: one connection, its pragmas, its schema, its write transactions."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils

from archiver.storage.schema import migrations

BUSY_TIMEOUT_MS = 30_000


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def to_json(value: Any) -> str:
    """JSON as the archive stores it: keys sorted, text kept readable."""
    return json.dumps(value, sort_keys=True, default=_plain, ensure_ascii=False)


class Storage:
    """One connection to the archive database, migrated to the current schema.

    sqlite3 connections belong to the thread that opened them: a crawl opens
    and uses its Storage on its single I/O thread; a command on its main thread.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.closed = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        self.db = sqlite_utils.Database(conn)
        self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._enable_wal()
        # In WAL mode NORMAL never corrupts the database; a power cut may lose
        # the last commits, not an application crash.
        self.db.execute("PRAGMA synchronous = NORMAL")
        conn.execute("BEGIN IMMEDIATE")  # one process migrates at a time
        migrations.apply(self.db)  # its own transactions nest as savepoints
        self.commit()

    def _enable_wal(self) -> None:
        # Switching a new database to WAL needs it to ourselves, and SQLite's busy
        # timeout does not always wait for that: several crawls starting on one
        # new archive retry here instead of failing.
        for attempt in range(100):
            try:
                if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self.db.enable_wal()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.1)

    def commit(self) -> None:
        """Commit the writes made since the last commit (the I/O thread batches them); closed: nothing to do."""
        if not self.closed and self.db.conn.in_transaction:
            self.db.conn.commit()

    def close(self) -> None:
        """Commit and close the connection."""
        self.commit()
        self.db.close()
        self.closed = True

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One unit of writes, inside the open batch; a failed one is undone alone.

        The batch starts with BEGIN IMMEDIATE, which takes the write lock at
        once: a second crawl on the same archive then waits (up to the busy
        timeout) instead of failing with "database is locked" when a read in
        a deferred transaction cannot be upgraded to a write.
        """
        conn = self.db.conn
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
        conn.execute("SAVEPOINT archiver_write")
        try:
            yield self.db
        except BaseException:
            conn.execute("ROLLBACK TO archiver_write")
            conn.execute("RELEASE archiver_write")
            raise
        conn.execute("RELEASE archiver_write")
