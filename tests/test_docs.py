"""README.md documents every setting, spider argument, command, table column and stat; CI runs its test command."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from archiver.config import SETTINGS
from archiver.storage import Storage

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def documented(name: str) -> bool:
    return re.search(rf"^\|\s*`{re.escape(name)}`", README, re.MULTILINE) is not None


@pytest.mark.parametrize("name", sorted(f"ARCHIVER_{n}" for n in SETTINGS))
def test_every_setting_is_in_the_settings_table(name: str) -> None:
    assert documented(name)


def spiders() -> dict[str, type]:
    loader = SpiderLoader.from_settings(get_project_settings())
    return {name: loader.load(name) for name in loader.list()}


def test_every_spider_and_its_arguments_are_documented() -> None:
    for name, cls in spiders().items():
        assert documented(name), name
        arguments = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "args", "kwargs")]
        assert arguments, name
        for argument in arguments:
            assert re.search(rf"^\|\s*`{argument}`\s*\|\s*`{name}`", README, re.MULTILINE), (name, argument)


def test_every_command_is_documented() -> None:
    from archiver.cli import cli

    for module in (ROOT / "archiver" / "crawl" / "commands").glob("[!_]*.py"):
        assert re.search(rf"^\|\s*`scrapy {module.stem}\b", README, re.MULTILINE), module.stem
    for name, command in cli.commands.items():
        row = re.search(rf"^\|\s*`archiver {name}\b(.*?)`", README, re.MULTILINE)
        assert row, name
        for option in (o for p in command.params for o in p.opts if o.startswith("--")):
            assert option in row.group(1), (name, option)


def documented_columns(table: str) -> set[str]:
    """Names in the first column of the table that follows the README line "`TABLE`, ..."."""
    after = README.split(f"\n`{table}`,", 1)[1]
    rows = re.search(r"\n((?:\|.*\|\n)+)", after).group(1)
    return set(re.findall(r"`([a-z_]+)`", "".join(line.split("|")[1] for line in rows.splitlines())))


def test_every_table_column_is_documented(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "archive.db")
    for table in ("captures", "articles", "crawls", "sources", "retries", "site_rules", "stories"):
        assert set(storage.db[table].columns_dict) <= documented_columns(table), table
    storage.close()


def test_every_stat_is_documented() -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "archiver").rglob("*.py"))
    stats = set(re.findall(r'"(archiver/[a-z_/]+)"', source))
    stats |= {f"archiver/errors/{kind}" for kind in re.findall(r'(?:report|attempt)\("([a-z]+)"', source)}
    assert stats
    for stat in stats:
        # a prefix ("archiver/cpu_ms/io/") is documented as a row with a placeholder (`archiver/cpu_ms/io/CALL`)
        assert documented(stat) or (stat.endswith("/") and re.search(rf"^\|\s*`{re.escape(stat)}[A-Z]+`", README, re.M)), stat


def test_ci_runs_the_readme_test_command() -> None:
    command = re.search(r"Set up and run the whole suite.*?```sh\n(.+?)\n```", README, re.DOTALL).group(1)
    assert command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_the_layout_table_matches_the_tree() -> None:
    table = README.split("\n## Layout\n", 1)[1]
    listed = set(re.findall(r"^\| `([^`]+)`", table, re.MULTILINE))
    for path in listed:
        assert (ROOT / path).exists(), f"README's Layout lists {path}, which is not in the tree"
    for module in (ROOT / "archiver").rglob("*.py"):
        relative = module.relative_to(ROOT)
        if module.name in ("__init__.py", "__main__.py"):
            continue  # a package's own description is its folder's row, or its modules' rows
        covered = str(relative) in listed or any(f"{parent}/" in listed for parent in relative.parents)
        assert covered, f"{relative} is not in README's Layout table"
