"""The ``archiver`` command: work on an existing archive without the network.

    archiver reextract [--db archive.db] [--warc-dir warcs] [--site HOST] [--since DATE]
    archiver serve [archive.db] [--port 8001] [--warc-dir DIR] [--writable] [-- DATASETTE OPTIONS]
    archiver stories [--db archive.db] [--rebuild] [--workers N]

Named exceptions become one-line errors here, at the command-line edge.
"""

from __future__ import annotations

import json
import tempfile
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import click
from w3lib.encoding import html_to_unicode

from .chrome import blocks
from .config import SETTINGS
from .dates import iso_utc, parse_since
from .errors import CodingError, WarcError
from .extraction import NoArticle, SiteRules, extract_article, rules_for, site_rules
from .stories import Signature, signature
from .storage import Storage
from .warc import read_response

COMPARED = ("title", "author", "date", "sitename", "language", "description", "text")
BATCH = 200
DB_OPTION = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
                         default=SETTINGS["DB"].default, show_default=True, help="The archive database (ARCHIVER_DB).")


@click.group()
@click.version_option(package_name="archiver")
def cli() -> None:
    """Work on an archive made by the archiver's spiders."""


def _extract(job: tuple[str, str, SiteRules | None]) -> Any:
    html, url, rules = job
    try:
        return extract_article(html, url, rules=rules)
    except NoArticle as exc:
        return exc


def _require(db_path: Path) -> None:
    if not db_path.exists():
        raise click.ClickException(f"No archive at {db_path}; give its path with --db.")


def _open(db_path: Path) -> Storage:
    """The archive at ``db_path``, or a one-sentence error saying what to give instead."""
    _require(db_path)
    try:
        return Storage(db_path)
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{db_path} is not an archive database ({exc}); give the archive's path with --db.") from None


@cli.command()
@DB_OPTION
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path),
              default=SETTINGS["WARC_DIR"].default, show_default=True, help="Its WARC directory (ARCHIVER_WARC_DIR).")
@click.option("--site", help="Only this host (and its subdomains).")
@click.option("--since", help="Only articles captured since: a date (2026-11-01) or an age (48h, 7d).")
@click.option("--chrome-pages", type=click.IntRange(min=0), default=SETTINGS["CHROME_PAGES"].default, show_default=True,
              help="Drop blocks a site shows on this many pages (ARCHIVER_CHROME_PAGES); 0: off.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Extraction processes (default: the cores).")
def reextract(db_path: Path, warc_dir: Path, site: str | None, since: str | None, chrome_pages: int, workers: int | None) -> None:
    """Extract the articles again from their WARC records, and update the rows that change.

    No network: each article's capture is read back from its WARC record.  Use it
    after the site chrome memory has learnt new blocks, after adding a row to
    ``site_rules``, or after upgrading the extractor.
    """
    _require(db_path)
    if not warc_dir.is_dir():
        raise click.ClickException(f"No WARC directory at {warc_dir}; give it with --warc-dir.")
    try:
        cutoff = iso_utc(parse_since(since), "auto") if since else None
    except ValueError:
        raise click.ClickException(f"--since {since} is neither a date (2026-11-01) nor an age (48h, 7d).") from None
    storage = _open(db_path)
    rules, problems = site_rules(storage.site_rules())
    for problem in problems:
        click.echo(problem, err=True)
    rows = storage.articles_to_reextract(site, cutoff)
    counts = {"re-extracted": 0, "changed": 0, "no article now": 0, "unreadable": 0}
    with ProcessPoolExecutor(workers) as pool:
        for start in range(0, len(rows), BATCH):  # a batch of pages in memory at a time
            batch, jobs = [], []
            for row in rows[start : start + BATCH]:
                try:
                    response = read_response(warc_dir / row["warc_filename"], row["warc_offset"], row["warc_length"])
                except (WarcError, CodingError) as exc:  # the article stays as it is
                    counts["unreadable"] += 1
                    why = f"body could not be decoded ({exc}); the row is kept" if isinstance(exc, CodingError) else exc
                    click.echo(f"{row['url']}: {why}", err=True)
                    continue
                batch.append(row)
                jobs.append((html_to_unicode(response.content_type, response.body)[1], row["url"], rules_for(rules, row["site"] or "")))
            for row, result in zip(batch, pool.map(_extract, jobs, chunksize=4)):
                _update(storage, row, result, chrome_pages, counts)
            storage.commit()
    storage.close()
    click.echo(", ".join(f"{n} {label}" for label, n in counts.items()) + f" (of {len(rows)} articles).")


def _update(storage: Storage, row: dict[str, Any], result: Any, chrome_pages: int, counts: dict[str, int]) -> None:
    """Store one re-extracted article, counting whether it changed."""
    if isinstance(result, NoArticle):
        counts["no article now"] += 1
        click.echo(f"{row['url']}: no article now ({result}); the row is kept", err=True)
        return
    hints = json.loads(row["hints"]) if row["hints"] else {}
    article = result.with_hints(hints)
    if chrome_pages:
        chrome = storage.learn_blocks(row["site"] or "", row["url"], article.blocks, iso_utc(), chrome_pages)
        article = article.without_blocks(chrome)
    new = {"url": row["url"], "capture_id": row["capture_id"], **article.as_row(), "hints": hints or None}
    counts["re-extracted"] += 1
    counts["changed"] += any(new[c] != row[c] for c in COMPARED)
    storage.save_filed_article(new, article.signature)


def _signature(text: str) -> Signature:
    return signature(blocks(text))


@cli.command()
@DB_OPTION
@click.option("--rebuild", is_flag=True, help="File every article again, in the order they were archived.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Signature processes (default: the cores).")
def stories(db_path: Path, rebuild: bool, workers: int | None) -> None:
    """Say how the archive's articles group into copies and stories; with --rebuild, recompute the groups.

    Articles are grouped as they are archived.  --rebuild forgets every group
    and files the articles again from their stored text (no network), as if
    they arrived in the order they were archived: run it after upgrading
    the archiver, or on an archive made before stories existed.
    """
    storage = _open(db_path)
    if rebuild:
        storage.clear_stories()
        after = 0
        with ProcessPoolExecutor(workers) as pool:
            while batch := storage.articles_to_file(after, BATCH):
                jobs = [row["text"] or "" for row in batch]
                for row, found in zip(batch, pool.map(_signature, jobs, chunksize=8)):
                    storage.file_story(row["id"], found)
                after = batch[-1]["id"]
    counts = storage.stories_summary()
    storage.close()  # one commit: readers see the old groups until the new ones are complete
    unfiled = f"; {counts['unfiled']} not filed yet (run archiver stories --rebuild)" if counts["unfiled"] else ""
    click.echo(f"{_count(counts['articles'], 'article', 'articles')} in {_count(counts['stories'], 'story', 'stories')} "
               f"({counts['multi']} of several articles), {_count(counts['copies'], 'copy', 'copies')}{unfiled}.")


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("db_path", type=click.Path(dir_okay=False, path_type=Path), default=SETTINGS["DB"].default)
@click.option("-h", "--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The archive's WARC directory, for raw captures (default: warcs beside the database).")
@click.option("--writable", is_flag=True, help="Let plugins and canned queries write to the archive (default: read-only).")
@click.argument("datasette_options", nargs=-1, type=click.UNPROCESSED)
def serve(db_path: Path, host: str, port: int, warc_dir: Path | None, writable: bool, datasette_options: tuple[str, ...]) -> None:
    """Browse, search and replay the archive in Datasette.

    Runs ``datasette serve`` over the archive with the archiver's metadata
    (descriptions, facets, canned queries) and its plugin (article pages, raw
    captures served inert).  Options after ``--`` go to Datasette, e.g.
    ``archiver serve archive.db -- --setting sql_time_limit_ms 5000``.
    """
    # imported here: only this command needs Datasette (and its plugins, ours among them)
    from datasette.cli import serve as datasette_serve

    from .web.metadata import metadata

    if not db_path.is_file():
        raise click.ClickException(f"No archive at {db_path}; give its path: archiver serve PATH.")
    if warc_dir is not None and not warc_dir.is_dir():
        raise click.ClickException(f"No WARC directory at {warc_dir}; give it with --warc-dir.")
    with tempfile.TemporaryDirectory(prefix="archiver-serve-") as tmp:
        metadata_file = Path(tmp) / "metadata.json"
        metadata_file.write_text(json.dumps(metadata(db_path.stem, warc_dir, writable)), encoding="utf-8")
        args = [str(db_path), "--metadata", str(metadata_file), "--host", host, "--port", str(port), *datasette_options]
        datasette_serve.main(args=args, prog_name="archiver serve", standalone_mode=False)


if __name__ == "__main__":
    cli()
