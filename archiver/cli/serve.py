"""``archiver serve``: Datasette over the archive, with the shipped metadata and the archiver's plugin."""

from __future__ import annotations

import json
import signal
import tempfile
from pathlib import Path

import click

from archiver.config import SETTINGS
from archiver.cli import cli


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("db_path", type=click.Path(dir_okay=False, path_type=Path), default=SETTINGS["DB"].default)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The archive's WARC directory, for raw captures (default: warcs beside the database).")
@click.option("--writable", is_flag=True, help="Let plugins and canned queries write to the archive (default: read-only).")
@click.argument("datasette_options", nargs=-1, type=click.UNPROCESSED)
def serve(db_path: Path, host: str, port: int, warc_dir: Path | None, writable: bool, datasette_options: tuple[str, ...]) -> None:
    """Browse, search and replay the archive in Datasette.

    Runs datasette serve over the archive with the archiver's metadata
    (descriptions, facets, canned queries) and its plugin (article pages, raw
    captures served inert).  Options after -- go to Datasette, for instance:

    \b
    archiver serve archive.db -- --setting sql_time_limit_ms 5000
    """
    # imported here: only this command needs Datasette (and its plugins, ours among them)
    from datasette.cli import serve as datasette_serve

    from archiver.web.metadata import metadata

    if not db_path.is_file():
        raise click.ClickException(f"No archive at {db_path}; give its path: archiver serve PATH.")
    if warc_dir is not None and not warc_dir.is_dir():
        raise click.ClickException(f"No WARC directory at {warc_dir}; give it with --warc-dir.")
    # uvicorn re-raises a SIGTERM after its graceful shutdown, which would kill the process
    # before the temporary metadata is removed; as SystemExit it unwinds through the with
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="archiver-serve-") as tmp:
        metadata_file = Path(tmp) / "metadata.json"
        metadata_file.write_text(json.dumps(metadata(db_path.stem, warc_dir, writable)), encoding="utf-8")
        args = [str(db_path), "--metadata", str(metadata_file), "--host", host, "--port", str(port), *datasette_options]
        datasette_serve.main(args=args, prog_name="archiver serve", standalone_mode=False)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
