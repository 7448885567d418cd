"""``archiver reextract``: extract the articles again from their WARC records, filed as a crawl files them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

import click

from archiver.archive.extraction import Extraction, RawPage
from archiver.archive.service import Archive
from archiver.archive.writer import FilingRules
from archiver.config import SETTINGS
from archiver.errors import CodingError, WarcError
from archiver.extract import Article, NoArticle
from archiver.formats.warc import existing_path, read_response
from archiver.runtime.pool import Limits
from archiver.values.values import parse_size
from archiver.cli import (
    BATCH, DB_OPTION, EXTRACTOR_OPTION, VOTE_OPTION, WARC_DIR_OPTION, WORKERS_OPTION, as_setting, cli, cutoff, open_archive,
    require_warc_dir,
)

SETTINGS_MAX_BYTES = parse_size(SETTINGS["EXTRACT_MAX_BYTES"].default)  # as a crawl cuts pages
COMPARED = ("title", "author", "date", "sitename", "language", "description", "text")


def extraction(workers: int | None, timeout: float, memory: int, extractor: str = SETTINGS["EXTRACTOR"].default,
               vote: bool = SETTINGS["VOTE"].default) -> Extraction:
    """How a command extracts: its options, read as the crawl's settings of the same names."""
    return Extraction(workers, Limits(timeout, memory), extractor, vote, SETTINGS_MAX_BYTES)


def limits_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--timeout`` and ``--memory``: the bounds of each page's work in the workers, as the crawl's settings."""
    command = click.option(
        "--memory", type=str, default=str(SETTINGS["EXTRACT_MEMORY"].default), show_default=True, callback=as_setting("EXTRACT_MEMORY"),
        help="Heap each worker may hold, in bytes or 2GiB (ARCHIVER_EXTRACT_MEMORY); 0: no limit.")(command)
    return click.option(
        "--timeout", type=str, default=str(SETTINGS["EXTRACT_TIMEOUT"].default), show_default=True, callback=as_setting("EXTRACT_TIMEOUT"),
        help="Seconds a page's work may take; a worker stuck past twice that is stopped (ARCHIVER_EXTRACT_TIMEOUT); "
             "0: no limit.")(command)


@cli.command()
@DB_OPTION
@WARC_DIR_OPTION
@click.option("--site", help="Only this site: any host name of it (www.example.org: every host of example.org).")
@click.option("--since", help="Only articles captured since: a date (2026-11-01) or an age (48h, 7d).")
@click.option("--chrome-pages", default=SETTINGS["CHROME_PAGES"].default, show_default=True, callback=as_setting("CHROME_PAGES"),
              help="Drop blocks a site shows on pages of this many different stories (ARCHIVER_CHROME_PAGES); 0: off.")
@EXTRACTOR_OPTION
@VOTE_OPTION
@WORKERS_OPTION
@limits_options
def reextract(db_path: Path, warc_dir: Path, site: str | None, since: str | None, chrome_pages: int, extractor: str,
              vote: bool, workers: int | None, timeout: float, memory: int) -> None:
    """Extract the articles again from their WARC records, and update the rows that change.

    No network: each article's capture is read back from its WARC record.  Use it
    after the site chrome memory has learnt new blocks, after adding a row to
    ``site_rules``, or after upgrading the extractor.  A text that changes
    becomes a new version, as at a re-check.  Exits with status 1 when any
    capture could not be read.
    """
    if not db_path.exists():
        raise click.ClickException(f"No archive at {db_path}; give its path with --db.")
    require_warc_dir(warc_dir)
    since_iso = cutoff(since)
    counts = {"re-extracted": 0, "changed": 0, "no article now": 0, "unreadable": 0}
    with open_archive(db_path, warc_dir, FilingRules(chrome_stories=chrome_pages),
                      extraction(workers, timeout, memory, extractor, vote)) as archive:
        for problem in archive.rule_problems:
            click.echo(problem, err=True)
        rows = archive.to_reextract(site, since_iso).result()
        for start in range(0, len(rows), BATCH):
            batch = []
            for row in rows[start : start + BATCH]:
                try:
                    path = existing_path(warc_dir, row["warc_filename"])
                    if path is None:
                        raise WarcError(f"No WARC file {row['warc_filename']} in {warc_dir}.")
                    response = read_response(path, row["warc_offset"], row["warc_length"])
                except (WarcError, CodingError) as exc:  # the article stays as it is
                    counts["unreadable"] += 1
                    why = f"body could not be decoded ({exc}); the row is kept" if isinstance(exc, CodingError) else exc
                    click.echo(f"{row['url']}: {why}", err=True)
                    continue
                batch.append((row, archive.extract(RawPage(row["url"], response.body, response.content_type))))
            for row, extracted in batch:
                _file(archive, row, extracted.result(), counts)
    click.echo(", ".join(f"{n} {label}" for label, n in counts.items()) + f" (of {len(rows)} articles).")
    if counts["unreadable"]:
        sys.exit(1)


def _file(archive: Archive, row: dict[str, Any], result: Article | NoArticle, counts: dict[str, int]) -> None:
    """File one re-extracted article as a crawl would (without counting a check), noting whether it changed."""
    if isinstance(result, NoArticle):
        counts["no article now"] += 1
        click.echo(f"{row['url']}: no article now ({result}); the row is kept", err=True)
        return
    hints = json.loads(row["hints"]) if row["hints"] else {}
    article = result.with_hints(hints)
    if row["browser"]:  # a browser's rendered DOM (archiver/crawl/render.py)
        article = article.as_rendered()
    stored = archive.file(row["url"], row["capture_id"], article, hints or None).result().row
    counts["re-extracted"] += 1
    counts["changed"] += stored is not None and any(stored[c] != row[c] for c in COMPARED)
