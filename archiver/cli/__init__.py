"""The ``archiver`` command: the demo, and work on an existing archive without the network.

    archiver demo [--dir demo]
    archiver status [--db archive.db] [--warc-dir DIR] [--json]
    archiver reextract [--db archive.db] [--warc-dir warcs] [--site HOST] [--since DATE] [--chrome-pages N] [--workers N]
    archiver serve [archive.db] [--port 8001] [--warc-dir DIR] [--writable] [-- DATASETTE OPTIONS]
    archiver stories [--db archive.db] [--rebuild] [--workers N]
    archiver cdxj [--db archive.db] [--warc-dir warcs] [-o FILE]
    archiver wacz OUT.wacz [--db archive.db] [--warc-dir warcs] [--crawl ID] [--since DATE] [--site HOST]
    archiver merge INTO.db SHARD.db... [--warc-dir DIR] [--workers N]
    archiver import WARC_OR_DIR... [--db archive.db] [--warc-dir warcs] [--extractor PATH] [--no-vote] [--workers N]

One module a command; named exceptions become one-line errors here, at the
command-line edge, and so do click's usage errors (:class:`PlainGroup`); help
texts are shown without their reST markup.  Commands that write open the archive through
the archive service (:class:`~archiver.archive.service.Archive`, with :func:`open_archive`),
which first puts right what a killed crawl left (:mod:`archiver.archive.recovery`).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any, Callable

import click

from archiver.config import SETTINGS
from archiver.values.dates import iso_utc, parse_since
from archiver.values.values import plural  # noqa: F401  (the commands' counts)
from archiver.archive.extraction import Extraction
from archiver.archive.service import Archive
from archiver.archive.writer import FilingRules

BATCH = 200  # pages in memory at a time
DB_OPTION = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
                         default=SETTINGS["DB"].default, show_default=True, help="The archive database (ARCHIVER_DB).")
WARC_DIR_OPTION = click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path),
                               default=SETTINGS["WARC_DIR"].default, show_default=True,
                               help="Its WARC directory (ARCHIVER_WARC_DIR).")
WORKERS_OPTION = click.option("--workers", type=click.IntRange(min=1), default=None,
                              help="Worker processes (default: one per core).")


def as_setting(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback that reads an option as the setting ``ARCHIVER_<name>`` is read."""
    spec = SETTINGS[name]

    def parse(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        try:
            return spec.parse(value)
        except ValueError:
            raise click.BadParameter(f"must be {spec.expects}, not {value!r}.") from None

    return parse


# how a command extracts, as a crawl's settings say it (reextract, import)
EXTRACTOR_OPTION = click.option("--extractor", default=SETTINGS["EXTRACTOR"].default, show_default=True,
                                callback=as_setting("EXTRACTOR"), help="The extractor class's dotted path (ARCHIVER_EXTRACTOR).")
VOTE_OPTION = click.option("--vote/--no-vote", default=SETTINGS["VOTE"].default, show_default=True,
                           help="Let other extractors vote on the extractor's text (ARCHIVER_VOTE).")


# reStructuredText and Markdown in the docstrings the help is made from: ``literal``, `code`, :role:`x`, **strong**
_MARKUP = re.compile(r"(?::[a-z]+:)?(`{1,2})([^`\n]+?)\1|\*\*([^*\n]+)\*\*")


def unmarked(text: str) -> str:
    """Help text as a terminal shows it: the words of reST and Markdown markup without its signs."""
    return _MARKUP.sub(lambda m: (m.group(2) or m.group(3)).lstrip("~"), text)


def _plain(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A command's help texts (its own and its options') without markup."""
    for key in ("help", "short_help", "epilog"):
        if kwargs.get(key):
            kwargs[key] = unmarked(kwargs[key])
    for param in kwargs.get("params") or ():
        if isinstance(param, click.Option) and param.help:
            param.help = unmarked(param.help)
    return kwargs


class PlainCommand(click.Command):
    """A command whose help reads as plain text, whatever markup its docstring and options use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **_plain(kwargs))


def _one_sentence(exc: click.UsageError, where: str) -> click.UsageError:
    """A usage error as one line that says where the help is (click prints the usage and a hint first)."""
    where = exc.ctx.command_path if exc.ctx is not None and exc.ctx.parent is not None else where
    plain = click.UsageError(f"{exc.format_message().rstrip('.')}; see {where} -h.")
    plain.exit_code = exc.exit_code
    return plain


class PlainGroup(click.Group):
    """The ``archiver`` group: its commands' help reads as plain text, a bad argument is one line."""

    command_class = PlainCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **_plain(kwargs))

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            raise _one_sentence(exc, "archiver") from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a subcommand's arguments, or no such command
            where = " ".join(filter(None, [ctx.command_path, ctx.invoked_subcommand]))
            raise _one_sentence(exc, where) from None


@click.group(cls=PlainGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="archiver")
def cli() -> None:
    """Work on an archive made by the archiver's spiders.

    Start with archiver demo (a crawl of a small news site served on this
    machine), then archiver status and archiver serve.
    """


def open_archive(db_path: Path, warc_dir: Path | None = None, rules: FilingRules = FilingRules(),
                 extraction: Extraction = Extraction(), create: bool = False, recover: bool = True) -> Archive:
    """The archive at ``db_path`` (a new one if ``create``), tidied after any crash (unless not ``recover``: a crawl
    may be writing it), or a one-sentence error."""
    if not db_path.exists() and not create:
        raise click.ClickException(f"No archive at {db_path}; give its path with --db.")
    try:
        archive = Archive(db_path, rules=rules, extraction=extraction, recover=recover, warc_dir=warc_dir)
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{db_path} is not an archive database ({exc}); give the archive's path with --db.") from None
    if archive.recovered:
        click.echo(f"After an earlier crash: {archive.recovered.summary()}.", err=True)
    return archive


def require_warc_dir(warc_dir: Path) -> None:
    """A one-sentence error unless ``warc_dir`` is a directory."""
    if not warc_dir.is_dir():
        raise click.ClickException(f"No WARC directory at {warc_dir}; give it with --warc-dir.")


def cutoff(since: str | None) -> str | None:
    """``--since`` as the ISO time to compare stored times with, or a one-sentence error."""
    try:
        return iso_utc(parse_since(since), "auto") if since else None
    except ValueError:
        raise click.ClickException(f"--since {since} is neither a date (2026-11-01) nor an age (48h, 7d).") from None


from archiver.cli import cdxj, demo, importing, merge, reextract, serve, status, stories, wacz  # noqa: E402,F401  (each registers its command)
