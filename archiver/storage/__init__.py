"""The SQLite archive: its schema and every SQL statement.

No other package writes SQL.  ``schema`` creates and evolves the tables with
``sqlite_utils.Migrations``; ``database`` holds the connection and its write
transactions; ``captures``, ``articles``, ``crawls``, ``retries`` and ``storyindex`` are
what the archive writer and the commands write and read, ``reading`` what the
web pages read.  Records come in and go out as the typed records of
:mod:`archiver.formats.records`; only these modules know the columns.
"""

from archiver.storage.database import Storage
from archiver.storage.schema import migrations

__all__ = ["Storage", "migrations"]
