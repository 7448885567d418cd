"""``archiver stories``: how the archive's articles group into copies and stories; ``--rebuild`` files them all again."""

from __future__ import annotations

from pathlib import Path

import click

from archiver.archive.merge import text_signature
from archiver.runtime.pool import BoundedPool, CallStopped, Limits
from archiver.text.similarity import decide
from archiver.storage import storyindex
from archiver.cli import BATCH, DB_OPTION, WORKERS_OPTION, cli, open_writer, plural
from archiver.cli.reextract import limits_options


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
    writer = open_writer(db_path)
    db = writer.storage.db
    if rebuild:
        with writer.storage.write():
            storyindex.clear(db)
        after = 0
        with BoundedPool(workers, Limits(timeout, memory)) as pool:
            while batch := storyindex.articles_in_order(db, after, BATCH):
                for row, found in zip(batch, pool.outcomes(text_signature, [row["text"] or "" for row in batch], chunk=8)):
                    if isinstance(found, CallStopped):
                        click.echo(f"Article {row['id']} left unfiled: its signature {found}.", err=True)
                        continue
                    writer.file_story(decide(writer.story_candidates(row["id"], found)))
                after = batch[-1]["id"]
    counts = storyindex.summary(db)
    writer.close()  # one commit: readers see the old groups until the new ones are complete
    unfiled = f"; {counts['unfiled']} not filed yet (run archiver stories --rebuild)" if counts["unfiled"] else ""
    click.echo(f"{plural(counts['articles'], 'article', 'articles')} in {plural(counts['stories'], 'story', 'stories')} "
               f"({counts['multi']} of several articles), {plural(counts['copies'], 'copy', 'copies')}{unfiled}.")
