"""Every command's help reads as plain text, and -h is help everywhere."""

from __future__ import annotations

import re

import pytest

from archiver.cli import cli, unmarked
from conftest import run_archiver

MARKUP = re.compile(r"`|\*\*|:[a-z]+:`|^\.\. ", re.MULTILINE)


@pytest.mark.crawl
@pytest.mark.parametrize("name", ["", *sorted(cli.commands)])
def test_help_is_plain_and_h_is_help(name: str) -> None:
    words = [name] if name else []
    done = run_archiver(*words, "-h")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: archiver {name}".rstrip() + " "), done.stdout
    assert not MARKUP.search(done.stdout), done.stdout
    assert "-h, --help" in done.stdout
    assert run_archiver(*words, "--help").stdout == done.stdout


@pytest.mark.crawl
def test_serve_keeps_host_as_a_long_option() -> None:
    done = run_archiver("serve", "-h")
    assert "  --host TEXT" in done.stdout and "-h, --host" not in done.stdout


@pytest.mark.parametrize("marked, plain", [
    ("Runs ``datasette serve`` over it", "Runs datasette serve over it"),
    ("the `site_rules` table", "the site_rules table"),
    ("see :class:`~archiver.archive.writer.ArchiveWriter`", "see archiver.archive.writer.ArchiveWriter"),
    ("**never** twice", "never twice"),
    ("a lone ` backtick and 2 ** 3", "a lone ` backtick and 2 ** 3"),
    ("options after -- go to Datasette", "options after -- go to Datasette"),
])
def test_unmarked(marked: str, plain: str) -> None:
    assert unmarked(marked) == plain


@pytest.mark.crawl
@pytest.mark.parametrize("args, says", [
    (("status", "--bogus"), "No such option '--bogus'; see archiver status -h."),
    (("nosuch",), "No such command 'nosuch'; see archiver -h."),
    (("status", "--db"), "Option '--db' requires an argument; see archiver status -h."),
    (("serve", "--port", "x"), "Invalid value for '-p' / '--port': 'x' is not a valid integer range; see archiver serve -h."),
    (("wacz",), "Missing argument 'OUT'; see archiver wacz -h."),
])
def test_a_bad_argument_is_one_sentence(args: tuple[str, ...], says: str) -> None:
    done = run_archiver(*args)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"Error: {says}\n")


@pytest.mark.crawl
def test_a_missing_archive_is_one_sentence(tmp_path) -> None:
    for command in (("serve", str(tmp_path / "none.db")), ("stories", "--db", str(tmp_path / "none.db"))):
        done = run_archiver(*command)
        assert done.returncode == 1
        line = done.stderr.removesuffix("\n")
        assert line.startswith(f"Error: No archive at {tmp_path / 'none.db'}; give its path") and "\n" not in line, line
