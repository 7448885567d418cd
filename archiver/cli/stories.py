"""``archiver stories``: how the archive's articles group into copies and stories; ``--rebuild`` files them all again."""

from __future__ import annotations

from pathlib import Path

import click

from archiver.cli import DB_OPTION, WORKERS_OPTION, cli, open_archive, plural
from archiver.cli.reextract import extraction, limits_options


@cli.command()
@DB_OPTION
@click.option("--rebuild", is_flag=True, help="File every article again, in the order they were archived.")
@WORKERS_OPTION
@limits_options
def stories(db_path: Path, rebuild: bool, workers: int | None, timeout: float, memory: int) -> None:
    """Say how the archive's articles group into copies and stories; with --rebuild, recompute the groups.

    Articles are grouped as they are archived.  --rebuild forgets every group
    and files the articles again from their stored text (no network), as if
    they arrived in the order they were archived: run it after upgrading
    the archiver, or on an archive made before stories existed.  An article
    whose signature cannot be computed within --timeout and --memory is
    left unfiled, with a line saying why.
    """
    with open_archive(db_path, extraction=extraction(workers, timeout, memory)) as archive:
        if rebuild:  # one commit: readers see the old groups until the new ones are complete
            for unfiled in archive.refile_stories().result():
                click.echo(unfiled, err=True)
        counts = archive.story_summary().result()
    unfiled = f"; {counts['unfiled']} not filed yet (run archiver stories --rebuild)" if counts["unfiled"] else ""
    click.echo(f"{plural(counts['articles'], 'article', 'articles')} in {plural(counts['stories'], 'story', 'stories')} "
               f"({counts['multi']} of several articles), {plural(counts['copies'], 'copy', 'copies')}{unfiled}.")
