"""The SQLite archive: its schema and every SQL statement.

No other package writes SQL.  ``schema`` creates and evolves the tables with
``sqlite_utils.Migrations``; ``database`` is what a crawl and the commands
write and read.
"""

from .database import Storage
from .schema import CRAWL_COUNTERS, FLAG_COLUMNS, migrations

__all__ = ["CRAWL_COUNTERS", "FLAG_COLUMNS", "Storage", "migrations"]
