"""The packages' layer order (docs/architecture.md), held by walking every module's imports.

A module may import its own package and the packages of lower layers; packages
of one layer do not import one another.  Imports are read from the ASTs (every
``import`` and ``from ... import``, also those inside functions), so an import
made lazily to dodge a cycle is caught as well.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# bottom to top; a unit is a package of archiver/, a top-level module of it, or the spiders/ folder
LAYERS: list[tuple[str, ...]] = [
    ("archiver", "errors"),  # the package's face (its version) and the named exceptions
    ("values", "text", "runtime"),
    ("formats",),
    ("extract",),
    ("storage",),
    ("archive", "distributed"),
    ("config",),
    ("crawl", "settings", "web", "demo"),
    ("cli", "spiders"),
]
LAYER = {unit: number for number, units in enumerate(LAYERS) for unit in units}
# only these units may import Scrapy, and only storage/ holds SQL statements
SCRAPY = {"crawl", "settings", "config", "spiders"}
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b\s+(\w+\s+)*?(FROM|INTO|OR|\w+\s+SET)\b|CREATE TABLE")


def unit_of(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("").parts
    if relative[0] == "spiders":
        return "spiders"
    if relative[1:] == ("__init__",):
        return "archiver"
    return relative[1]


def modules() -> list[Path]:
    return sorted([*ROOT.joinpath("archiver").rglob("*.py"), *ROOT.joinpath("spiders").glob("*.py")])


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, relative ones resolved."""
    return imports_in(path.read_text(), list(path.relative_to(ROOT).with_suffix("").parts[:-1]))


def imports_in(source: str, package: list[str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, *([node.module] if node.module else [])])
            found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names] if not node.module else [(node.lineno, name)]
    return found


def target_unit(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] == "spiders":
        return "spiders"
    if parts[0] != "archiver":
        return None
    return parts[1] if len(parts) > 1 else "archiver"


def test_every_unit_has_a_layer() -> None:
    units = {unit_of(path) for path in modules()}
    assert units - set(LAYER) == set(), "a new package needs its place in LAYERS and in docs/architecture.md"
    assert set(LAYER) - units == set(), "LAYERS names a package that is gone"


def test_no_import_runs_up_or_across() -> None:
    wrong = []
    for path in modules():
        unit = unit_of(path)
        for line, name in imported(path):
            target = target_unit(name)
            if target is None or target == unit or target == "archiver" and name == "archiver":
                continue
            if LAYER[target] >= LAYER[unit]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name} (layer {LAYER[target]} from {LAYER[unit]})")
    assert wrong == []


def test_scrapy_and_sql_stay_in_their_layers() -> None:
    scrapy, sql = [], []
    for path in modules():
        unit = unit_of(path)
        if unit not in SCRAPY and any(name.split(".")[0] in {"scrapy", "scrapy_redis", "scrapy_playwright"}
                                      for _, name in imported(path)):
            scrapy.append(str(path.relative_to(ROOT)))
        if unit != "storage":
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                    sql.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert scrapy == [] and sql == []


def test_the_checker_sees_an_import_running_up() -> None:
    """The walk is not vacuous: a lazy import of the archive service inside storage is caught."""
    source = "def late():\n    from ..archive import writer\n    return writer\n"
    (line, name), = imports_in(source, ["archiver", "storage"])
    assert (line, name) == (2, "archiver.archive")
    assert LAYER[target_unit(name)] > LAYER["storage"]


def test_the_architecture_page_draws_the_same_layers() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text().split("\n## Layers\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in page.splitlines() if re.match(r"\| \d+\.", line)]
    drawn = [tuple(re.findall(r"`(?:archiver/)?([\w]+)(?:/|\.py)?`", row.split("|")[2])) for row in rows]
    assert drawn == list(reversed(LAYERS)), drawn
