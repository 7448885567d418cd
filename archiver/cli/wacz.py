"""``archiver wacz``: the archive, or a part of it, as a WACZ package for ReplayWeb.page and pywb."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archiver.archive.wacz import NothingSelected, Selection
from archiver.errors import WarcError
from archiver.cli import DB_OPTION, WARC_DIR_OPTION, cli, cutoff, open_archive, plural, require_warc_dir


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@DB_OPTION
@WARC_DIR_OPTION
@click.option("--crawl", "crawl_id", type=int, help="Only this crawl's captures (its id in the crawls table).")
@click.option("--since", help="Only captures since: a date (2026-11-01) or an age (48h, 7d).")
@click.option("--site", help="Only this site: any host name of it (www.example.org: every host of example.org).")
def wacz(out: Path, db_path: Path, warc_dir: Path, crawl_id: int | None, since: str | None, site: str | None) -> None:
    """Package the archive, or a part of it, as a WACZ file for ReplayWeb.page and pywb.

    Without a selection the package holds the WARC files as they are; with
    --crawl, --since or --site it holds a new WARC file of copies of the
    selected records (each response with its request, and the response a
    revisit refers to).  One page per article, with its clean text for
    full-text search.  A capture whose stored WARC file name leads outside
    the WARC directory, or whose offset and length cannot be a record of its
    file, is left out with a line saying so, and the exit status is 1.
    """
    if out.suffix != ".wacz":
        raise click.ClickException(f"{out} does not end in .wacz; a WACZ file must (give e.g. archive.wacz).")
    if not out.parent.is_dir():
        raise click.ClickException(f"No directory {out.parent} to write {out.name} in.")
    require_warc_dir(warc_dir)
    selection = Selection(crawl_id, cutoff(since), site)
    try:
        with open_archive(db_path, warc_dir) as archive:
            packed = archive.write_wacz(out, warc_dir, selection).result()
    except NothingSelected as exc:
        _say(exc.refused)
        raise click.ClickException(str(exc)) from None
    except (WarcError, OSError) as exc:
        raise click.ClickException(f"Cannot write {out}: {exc}") from None
    note = f"; {packed.still_open} captures left out, their WARC file is still being written" if packed.still_open else ""
    if packed.refused:
        note += f"; {plural(len(packed.refused), 'capture', 'captures')} refused (said above)"
    _say(packed.refused)
    click.echo(f"Wrote {out}: {plural(packed.pages, 'page', 'pages')}, {plural(packed.records, 'record', 'records')} "
               f"in {plural(packed.warc_files, 'WARC file', 'WARC files')}, {packed.bytes:,} bytes{note}.")
    if packed.refused:
        sys.exit(1)


def _say(refused: list[str]) -> None:
    for line in refused:
        click.echo(line, err=True)
