"""The docs (docs/*.md) document every setting, spider argument, command, table column, stat, canned query and
file; the README stays short, its links resolve, and CI runs its test command."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from markdown.extensions.toc import slugify
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from archiver.config import SETTINGS
from archiver.storage import Storage

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def row(text: str, name: str) -> bool:
    """Whether a table row of ``text`` starts with `name` in code."""
    return re.search(rf"^\|\s*`{re.escape(name)}`", text, re.MULTILINE) is not None


@pytest.mark.parametrize("name", sorted(f"ARCHIVER_{n}" for n in SETTINGS))
def test_every_setting_is_in_the_settings_table(name: str) -> None:
    assert row(page("settings.md"), name), f"docs/settings.md has no row for {name}"


def spiders() -> dict[str, type]:
    loader = SpiderLoader.from_settings(get_project_settings())
    return {name: loader.load(name) for name in loader.list()}


def test_every_spider_and_its_arguments_are_documented() -> None:
    text = page("spiders.md")
    for name, cls in spiders().items():
        assert row(text, name), name
        arguments = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "args", "kwargs")]
        assert arguments, name
        for argument in arguments:
            assert re.search(rf"^\|\s*`{argument}`\s*\|\s*`{name}`", text, re.MULTILINE), (name, argument)


def test_every_command_is_documented() -> None:
    from archiver.cli import cli

    text = page("commands.md")
    for module in (ROOT / "archiver" / "crawl" / "commands").glob("[!_]*.py"):
        assert re.search(rf"^\|\s*`scrapy {module.stem}\b", text, re.MULTILINE), module.stem
    for name, command in cli.commands.items():
        found = re.search(rf"^\|\s*`archiver {name}\b(.*?)`", text, re.MULTILINE)
        assert found, name
        for option in (o for p in command.params for o in p.opts if o.startswith("--")):
            assert option in found.group(1), (name, option)


def documented_columns(table: str) -> set[str]:
    """Names in the first column of the table that follows the docs/schema.md line "`TABLE`, ..."."""
    after = page("schema.md").split(f"\n`{table}`,", 1)[1]
    rows = re.search(r"\n((?:\|.*\|\n)+)", after).group(1)
    return set(re.findall(r"`([a-z_]+)`", "".join(line.split("|")[1] for line in rows.splitlines())))


def test_every_table_column_is_documented(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "archive.db")
    # the migrations' own bookkeeping and the full-text index's shadow tables are SQLite's, not the archive's
    tables = [t for t in storage.db.table_names() if t != "_sqlite_migrations" and not t.startswith("articles_fts")]
    assert {"captures", "articles", "crawls", "versions", "stories", "retries"} <= set(tables)
    for table in tables:
        assert f"\n`{table}`," in page("schema.md"), f"docs/schema.md has no table of {table}'s columns"
        missing = set(storage.db[table].columns_dict) - documented_columns(table)
        assert not missing, (table, missing)
    storage.close()


def test_every_stat_is_documented() -> None:
    text = page("stats.md")
    source = "\n".join(p.read_text() for p in (ROOT / "archiver").rglob("*.py"))
    stats = set(re.findall(r'"(archiver/[a-z_/]+)"', source))
    stats |= {f"archiver/errors/{kind}" for kind in re.findall(r'(?:report|attempt)\("([a-z]+)"', source)}
    assert stats
    for stat in stats:
        # a prefix ("archiver/cpu_ms/io/") is documented as a row with a placeholder (`archiver/cpu_ms/io/CALL`)
        placeholder = stat.endswith("/") and re.search(rf"^\|\s*`{re.escape(stat)}[A-Z]+`", text, re.MULTILINE)
        assert row(text, stat) or placeholder, f"docs/stats.md has no row for {stat}"


def test_every_canned_query_is_documented() -> None:
    metadata = yaml.safe_load((ROOT / "archiver" / "web" / "metadata.yml").read_text())
    queries = [q for database in metadata["databases"].values() for q in database.get("queries", {})]
    assert queries
    for query in queries:
        assert row(page("datasette.md"), query), f"docs/datasette.md has no row for the canned query {query}"


def test_the_layout_table_matches_the_tree() -> None:
    table = page("architecture.md").split("\n## Layout\n", 1)[1]
    listed = set(re.findall(r"^\| `([^`]+)`", table, re.MULTILINE))
    for path in listed:
        assert (ROOT / path).exists(), f"docs/architecture.md's Layout lists {path}, which is not in the tree"
    for module in (ROOT / "archiver").rglob("*.py"):
        relative = module.relative_to(ROOT)
        if module.name in ("__init__.py", "__main__.py"):
            continue  # a package's own description is its folder's row, or its modules' rows
        covered = str(relative) in listed or any(f"{parent}/" in listed for parent in relative.parents)
        assert covered, f"{relative} is not in docs/architecture.md's Layout table"


@pytest.mark.crawl
@pytest.mark.parametrize("case, arguments, status", [
    ("an unknown spider", ["nosuch"], 2),
    ("a component that fails to load", ["article", "-a", "url=http://127.0.0.2/", "-s", 'EXTENSIONS={"nosuch.Extension": 10}'], 1),
])
def test_the_exit_status_table_says_what_scrapy_crawl_exits_with(tmp_path: Path, case: str, arguments: list[str], status: int) -> None:
    table = page("scheduling.md").split("\n## Exit statuses\n", 1)[1]
    documented = re.search(rf"^\| `{status}` \|(.*)$", table, re.MULTILINE)
    assert documented and case in documented.group(1), f"docs/scheduling.md: {case} should be under exit status {status}"
    settings = ["-s", f"ARCHIVER_DB={tmp_path / 'archive.db'}", "-s", f"ARCHIVER_WARC_DIR={tmp_path / 'warcs'}"]
    crawl = subprocess.run([sys.executable, "-m", "scrapy", "crawl", *arguments, *settings],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert crawl.returncode == status, crawl.stderr[-2000:]


def test_ci_runs_the_readme_test_command() -> None:
    command = re.search(r"Set up and run the whole suite.*?```sh\n(.+?)\n```", README, re.DOTALL).group(1)
    assert command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_the_readme_is_short() -> None:
    # a newcomer reads it in five minutes; the reference lives in docs/
    assert len(README.splitlines()) <= 250


def headings(text: str) -> set[str]:
    """The anchors MkDocs gives a page's headings (outside code blocks)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    titles = re.findall(r"^#{1,6} (.+?)\s*$", text, re.MULTILINE)
    return {slugify(re.sub(r"[`*_]", "", title), "-") for title in titles}


def test_every_docs_link_in_the_readme_resolves() -> None:
    links = re.findall(r"\]\((docs/[^)\s#]*)(?:#([^)\s]+))?\)", README)
    assert len(links) >= 10
    for target, anchor in links:
        path = ROOT / target
        assert path.is_file(), f"README links to {target}, which does not exist"
        if anchor:
            assert anchor in headings(path.read_text(encoding="utf-8")), f"README links to {target}#{anchor}: no such heading"
