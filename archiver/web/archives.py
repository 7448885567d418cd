"""Which of a Datasette's databases are archives: the plugin acts on those only.

A database is an archive when the archiver's schema migrations were applied
to it (:func:`archiver.storage.reading.is_archive`).  Another database served
beside an archive, or by another Datasette in the same environment, keeps
its writability, its cells and Datasette's own error pages.
"""

from __future__ import annotations

import sqlite3
import weakref
from typing import Any

from datasette.database import Database
from datasette.utils import tilde_decode

from archiver.storage import reading

# Database -> archive or not, noted when its first connection is prepared (every query needs one)
_KNOWN: "weakref.WeakKeyDictionary[Database, bool]" = weakref.WeakKeyDictionary()
PLUGIN_PREFIX = "/-/archiver/"


def _file_database(datasette: Any, name: str) -> Database | None:
    db = datasette.databases.get(name)
    return db if db is not None and db.path and not db.is_memory else None


def note(datasette: Any, name: str, conn: sqlite3.Connection) -> bool:
    """Whether database ``name`` is an archive, looked at through ``conn`` the first time."""
    db = _file_database(datasette, name)
    if db is None:
        return False
    if db not in _KNOWN:
        _KNOWN[db] = reading.is_archive(conn)
    return _KNOWN[db]


def known(datasette: Any, name: str) -> bool:
    """Whether database ``name`` is an archive, as noted when it was connected to (False before)."""
    db = _file_database(datasette, name)
    return db is not None and _KNOWN.get(db, False)


async def is_archive(datasette: Any, name: str) -> bool:
    """Whether database ``name`` is an archive, connecting to it if that was not done yet."""
    db = _file_database(datasette, name)
    if db is None:
        return False
    if db not in _KNOWN:
        await db.execute_fn(lambda conn: note(datasette, name, conn))
    return _KNOWN.get(db, False)


async def concerns_archive(datasette: Any, path: str) -> bool:
    """Whether a request path is the archiver's or an archive's.

    The plugin's own routes are; a database's pages are when it is an archive;
    the instance's own pages (``/``, ``/-/...``, a path that names no
    database) are when every database the instance serves from a file is one.
    """
    if path.startswith(PLUGIN_PREFIX):
        return True
    first = path.lstrip("/").split("/", 1)[0].split(".", 1)[0]
    name = tilde_decode(first) if first else ""
    if name and name in datasette.databases:
        return await is_archive(datasette, name)
    files = [name for name in datasette.databases if _file_database(datasette, name) is not None]
    return bool(files) and all([await is_archive(datasette, name) for name in files])
