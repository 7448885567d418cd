"""``archiver cdxj``: a CDXJ index of the archive for pywb and other replay tools, from the captures table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from archiver.formats.cdxj import index
from archiver.errors import WarcError
from archiver.cli import DB_OPTION, WARC_DIR_OPTION, cli, open_archive, plural, require_warc_dir


@cli.command()
@DB_OPTION
@WARC_DIR_OPTION
@click.option("-o", "--output", type=click.File("w", encoding="utf-8", lazy=True), default="-",
              help="Write the index to this file (default: standard output).")
def cdxj(db_path: Path, warc_dir: Path, output: Any) -> None:
    """Write a CDXJ index of the archive for pywb and other replay tools, from the captures table.

    The lines cdxj-indexer gives for the archive's response and revisit
    records, sorted, without reading the WARC files.  Captures in a WARC file
    a crawl is still writing are left out.  A capture whose stored WARC file
    name leads outside the WARC directory, or whose offset and length cannot
    be a record of its file, is left out with a line saying so, and the exit
    status is 1.
    """
    require_warc_dir(warc_dir)
    try:
        with open_archive(db_path, warc_dir) as archive:
            located = archive.cdxj_captures(warc_dir).result()
    except WarcError as exc:
        raise click.ClickException(str(exc)) from None
    output.writelines(index(located.rows))
    output.close()
    files = len({row["warc_filename"] for row in located.rows})
    note = f"; {located.still_open} left out, their WARC file is still being written" if located.still_open else ""
    for refused in located.refused:
        click.echo(refused, err=True)
    if located.refused:
        note += f"; {plural(len(located.refused), 'capture', 'captures')} refused (above)"
    click.echo(f"Indexed {plural(len(located.rows), 'record', 'records')} in {plural(files, 'WARC file', 'WARC files')}{note}.",
               err=True)
    if located.refused:
        sys.exit(1)
