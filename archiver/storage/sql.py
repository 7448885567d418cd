"""Small pieces of SQL that several statements share."""

from __future__ import annotations

import sqlite3
from typing import Any, Iterator, Sequence

from archiver.values.sites import site_of_host

CHUNK = 500  # SQLite's limit on parameters is 999 in old builds


def marks(values: Sequence[Any]) -> str:
    """``?, ?, ?``: one placeholder per value, for ``IN (...)``."""
    return ", ".join("?" for _ in values)


def chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """The values in slices small enough for one ``IN (...)`` list."""
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def hosts_of_site(conn: sqlite3.Connection, column: str, site: str) -> tuple[str, list[str]]:
    """A condition matching the host names in ``column`` that are on ``site`` (any host name of it), with its parameters.

    The ``LIKE`` narrows the rows before :func:`~archiver.values.sites.site_of_host` decides each.
    """
    site = site_of_host(site)
    conn.create_function("site_of_host", 1, site_of_host, deterministic=True)
    return f"(({column} = ? OR {column} LIKE ?) AND site_of_host({column}) = ?)", [site, f"%.{site}", site]
