"""``archiver status``: what an archive holds, what its last crawls did, what failed, what is due.

Reads the database read-only (a crawl may be writing it) and sizes the WARC
files from the WARC directory itself: no path stored in the archive is
followed.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from archiver.values.dates import iso_utc
from archiver.values.values import format_size, plural
from archiver.storage import status as queries
from archiver.cli import cli

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
LAST_CRAWLS = 5


def warc_files(directory: Path) -> dict[str, int]:
    """The WARC files directly in ``directory`` (symbolic links not followed) and their bytes on disk."""
    files = size = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:  # no WARC directory (yet): nothing on disk
        entries = []
    for entry in entries:
        if entry.name.endswith(WARC_SUFFIXES) and entry.is_file(follow_symlinks=False):
            files += 1
            size += entry.stat(follow_symlinks=False).st_size
    return {"files": files, "bytes": size}


def read_status(db_path: Path, warc_dir: Path) -> dict[str, Any]:
    """Everything ``archiver status`` says, as plain values; a one-sentence error if ``db_path`` is no archive."""
    if not db_path.is_file():
        raise click.ClickException(f"No archive at {db_path}; give its path with --db (a crawl or archiver demo makes one).")
    try:
        conn = queries.open_read_only(db_path)
        try:
            if not queries.is_archive(conn):
                raise click.ClickException(
                    f"{db_path} is an SQLite database but not an archive; give the archive's path with --db.")
            totals = queries.totals(conn, iso_utc())
            crawls = queries.last_crawls(conn, LAST_CRAWLS)
            failures = queries.crawl_failures(conn, crawls[0]["id"]) if crawls else {}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{db_path} is not an archive database ({exc}); give the archive's path with --db.") from None
    return {"db": str(db_path), "warc_dir": str(warc_dir), **totals, "warc": warc_files(warc_dir),
            "crawls": crawls, "last_crawl_failures": failures}


def _duration(start: str | None, end: str | None) -> str:
    try:
        seconds = (datetime.fromisoformat(str(end)) - datetime.fromisoformat(str(start))).total_seconds()
    except (TypeError, ValueError):  # a stored time that does not parse: no duration
        return ""
    return f" in {seconds:.1f} s" if seconds < 120 else f" in {seconds / 60:.0f} min"


def _shown(value: Any) -> str:
    """A stored value as one printable line (it may come from a merged shard or a hand-edited row)."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(value))


def render(status: dict[str, Any]) -> list[str]:
    """The status as the lines printed."""
    warc = status["warc"]
    lines = [
        f"Archive {status['db']}: {plural(status['articles'], 'article', 'articles')} from "
        f"{plural(status['sites'], 'site', 'sites')}, {plural(status['captures'], 'capture', 'captures')}, "
        f"{plural(status['stories'], 'story', 'stories')} ({status['stories_of_several']} of several articles), "
        f"{plural(status['versions'], 'version', 'versions')} "
        f"({plural(status['articles_changed'], 'article', 'articles')} changed since first archived)",
        f"  WARC files in {status['warc_dir']}: {warc['files']}, {format_size(warc['bytes'])} on disk",
        f"  Re-checks due now: {status['rechecks_due']}"
        + (f"; next at {_shown(status['next_recheck'])}" if status["next_recheck"] else ""),
    ]
    if not status["crawls"]:
        return [*lines, "No crawls yet: run scrapy crawl (see README) or archiver demo."]
    lines.append("Last crawls:")
    for crawl in status["crawls"]:
        if crawl["finished_at"]:
            outcome = f"{_shown(crawl['finish_reason'])}{_duration(crawl['started_at'], crawl['finished_at'])}"
        else:
            outcome = "not finished (running, or killed: the next crawl or command that opens the archive closes it)"
        lines.append(f"  {crawl['id']} {_shown(crawl['spider'])}, {_shown(crawl['started_at'])}: {outcome}; "
                     f"{crawl['fetched'] or 0} fetched, {plural(crawl['new'] or 0, 'new article', 'new articles')}, "
                     f"{crawl['failed'] or 0} failed")
    failures = status["last_crawl_failures"]
    for kind in ("failed", "refused"):
        counts = failures.get(kind, [])
        if counts:
            shown = ", ".join(f"{_shown(reason)} ({count})" for reason, count in counts[:5])
            lines.append(f"  Crawl {status['crawls'][0]['id']} {kind}: {shown}")
    return lines


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("archive.db"),
              show_default=True, help="The archive database (ARCHIVER_DB).")
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Its WARC directory (default: warcs beside the database).")
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
def status(db_path: Path, warc_dir: Path | None, as_json: bool) -> None:
    """Say what the archive holds, what its last crawls did, what failed and which re-checks are due.

    Reads the archive without changing it, so it can run while a crawl
    writes; WARC bytes are counted from the files in the WARC directory.
    """
    found = read_status(db_path, warc_dir if warc_dir is not None else db_path.parent / "warcs")
    if as_json:
        click.echo(json.dumps(found, indent=2))
    else:
        click.echo("\n".join(render(found)))
