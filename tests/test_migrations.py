"""Migrations never change once shipped, and a new archive and one migrated step by step end up alike."""

from __future__ import annotations

import ast
import builtins
import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from archiver.storage import Storage, migrations

SCHEMA = Path(__file__).resolve().parents[1] / "archiver" / "storage" / "schema.py"

# The source of every shipped migration, hashed when it shipped. A new migration gets its line here
# in the commit that adds it; a changed hash means a shipped migration was edited: add a new step instead.
SHIPPED = {
    "m001_core_tables": "86e87a4f574b1205",
    "m002_discovery": "b5dc84054db42527",
    "m003_metadata_and_flags": "983b3bc4ebc12b8d",
    "m004_site_chrome_memory_and_rules": "9b3a4af8b2f8774d",
    "m005_hosts_and_crawls_for_browsing": "967da1a08b7d71c5",
    "m006_rechecks_and_versions": "722373c16258ab86",
    "m007_stories": "5b54d1b9ca716f91",
    "m008_record_lookups": "47e8008e1ef494a4",
    "m009_block_pages_by_page": "c51b3476c8c8dcfa",
    "m010_retries": "73b22848d23f363b",
    "m011_articles_by_first_seen": "2ea90298d22e28be",
    "m012_rendering": "06d0752716724d09",
    "m013_sites_by_registered_domain": "9ec19139eeec8ce0",
}


def migration_functions() -> tuple[str, list[ast.FunctionDef]]:
    """The schema module's source and its ``@migrations()`` functions, in order."""
    source = SCHEMA.read_text(encoding="utf-8")
    found = [
        node for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
        and any(isinstance(d, ast.Call) and getattr(d.func, "id", None) == "migrations" for d in node.decorator_list)
    ]
    return source, found


def fingerprint(source: str, node: ast.FunctionDef) -> str:
    return hashlib.sha256(ast.get_source_segment(source, node).encode()).hexdigest()[:16]


def schema(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("select type, name, sql from sqlite_master where name not like 'sqlite_%'"))


def test_every_migration_is_frozen_and_none_was_edited() -> None:
    source, functions = migration_functions()
    assert [f.name for f in functions] == [m.name for m in migrations.pending(sqlite_utils.Database(memory=True))]
    found = {f.name: fingerprint(source, f) for f in functions}
    assert list(found)[: len(SHIPPED)] == list(SHIPPED), "migrations were renamed, removed or reordered"
    edited = [name for name, digest in SHIPPED.items() if found[name] != digest]
    assert not edited, f"shipped migrations edited (add a new migration instead): {edited}"
    unfrozen = [f"{name}: {digest}" for name, digest in found.items() if name not in SHIPPED]
    assert not unfrozen, f"new migrations: add their lines to SHIPPED: {unfrozen}"


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_the_fingerprint_sees_an_edit(name: str) -> None:
    """An edit of a single character in a migration's body changes its fingerprint."""
    source, functions = migration_functions()
    node = next(f for f in functions if f.name == name)
    segment = ast.get_source_segment(source, node)
    edited = source.replace(segment, segment.replace("(", "( ", 1), 1)
    node_after = next(f for f in ast.parse(edited).body if isinstance(f, ast.FunctionDef) and f.name == name)
    assert fingerprint(edited, node_after) != SHIPPED[name]


def test_migrations_use_only_their_own_names_and_imports() -> None:
    """A migration that read a module-level list (of flags, counters...) would change when the list does."""
    source, functions = migration_functions()
    tree = ast.parse(source)
    imported = {alias.asname or alias.name.split(".")[0]
                for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    allowed = imported | set(dir(builtins)) | {"migrations"}
    for function in functions:
        local = {n.arg for n in ast.walk(function) if isinstance(n, ast.arg)}
        local |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        local |= {n.name for n in ast.walk(function) if isinstance(n, ast.FunctionDef)}
        used = {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        assert used <= allowed | local, (function.name, sorted(used - allowed - local))


def test_a_fresh_archive_and_one_migrated_step_by_step_have_the_same_schema(tmp_path: Path) -> None:
    Storage(tmp_path / "fresh.db").close()
    names = [m.name for m in migrations.pending(sqlite_utils.Database(memory=True))]
    assert names[0] == "m001_core_tables"
    stepped = sqlite_utils.Database(tmp_path / "stepped.db")
    for name in names[1:] + [None]:
        migrations.apply(stepped, stop_before=name) if name else migrations.apply(stepped)
        if name == "m002_discovery":  # an archive with rows in it, as m001 left it
            stepped["crawls"].insert({"spider": "article", "started_at": "2026-01-01T00:00:00Z"})
    stepped.close()
    assert schema(tmp_path / "fresh.db") == schema(tmp_path / "stepped.db")
    applied = [m.name for m in migrations.applied(sqlite_utils.Database(tmp_path / "stepped.db"))]
    assert applied == names
