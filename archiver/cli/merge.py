"""``archiver merge``: the shards of a distributed crawl (one database per worker) into one archive."""

from __future__ import annotations

from pathlib import Path

import click

from archiver.archive.merge import check_shards
from archiver.errors import MergeError
from archiver.cli import WORKERS_OPTION, cli, open_archive, plural
from archiver.cli.reextract import extraction
from archiver.runtime.pool import Limits


@cli.command()
@click.argument("into", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("shards", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The WARC directory of the merged archive, holding every shard's WARC files (checked, and read "
                   "to link revisits across shards).")
@WORKERS_OPTION
def merge(into: Path, shards: tuple[Path, ...], warc_dir: Path | None, workers: int | None) -> None:
    """Merge SHARDS (the ARCHIVER_DB of each worker) into the archive INTO, new or existing.

    Ids are remapped; crawls, captures, articles and their versions, sources
    and watermarks, what is to be fetched again (retries), site chrome
    memory and site rules are combined as if one crawl had filed them, and
    the articles' copies and stories are filed again across shards.  A shard merged twice adds nothing; a shard a worker
    is still writing is read as a consistent snapshot.  A shard whose captures name a WARC file outside the WARC
    directory is refused, and a shard that fails at any step is left out whole, in one sentence naming the step and
    row: merging again finishes the job.
    """
    if warc_dir is not None and not warc_dir.is_dir():
        raise click.ClickException(f"No WARC directory at {warc_dir}; give it with --warc-dir.")
    try:
        check_shards(into, list(shards))
        # not recovered: a crawl still running in a shard is unfinished here, not killed
        with open_archive(into, extraction=extraction(workers, Limits().seconds, Limits().memory), create=True,
                          recover=False) as archive:
            reports = archive.merge(list(shards), warc_dir).result()
            counts = archive.story_summary().result()
    except MergeError as exc:
        raise click.ClickException(str(exc)) from None
    for report in reports:
        click.echo(report.summary())
    click.echo(f"{into}: {plural(counts['articles'], 'article', 'articles')} in "
               f"{plural(counts['stories'], 'story', 'stories')}, {plural(counts['copies'], 'copy', 'copies')}.")
    if any(report.missing for report in reports):
        raise SystemExit(1)
