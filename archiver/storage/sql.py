"""Small pieces of SQL that several statements share."""

from __future__ import annotations

from typing import Any, Iterator, Sequence

CHUNK = 500  # SQLite's limit on parameters is 999 in old builds


def marks(values: Sequence[Any]) -> str:
    """``?, ?, ?``: one placeholder per value, for ``IN (...)``."""
    return ", ".join("?" for _ in values)


def chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """The values in slices small enough for one ``IN (...)`` list."""
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def site_or_subdomain(column: str, site: str) -> tuple[str, list[str]]:
    """A condition matching a host and its subdomains in ``column``, with its parameters."""
    return f"({column} = ? OR {column} LIKE ?)", [site, f"%.{site}"]
