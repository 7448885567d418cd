"""One unit of work behind one facade: the crawl, reextract, import, stories --rebuild and merge extract and file
through :class:`archiver.archive.service.Archive`, nobody else reaches the database, and no failure is dropped."""

from __future__ import annotations

import ast
import logging
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from archiver.archive.extraction import Extraction, RawPage
from archiver.archive.service import Archive, Failures  # imports the worker pool: at collection, not in a fast test
from archiver.extract import NoArticle
from made import an_article

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "archiver"
TEXT = " ".join(f"Sentence {i} of the report on the council's vote to close the old bridge." for i in range(40))
PAGE = f"<html><head><title>The bridge</title></head><body><article><p>{TEXT}</p></article></body></html>".encode()


def _modules(*under: str) -> dict[str, ast.Module]:
    return {str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8"))
            for part in under for path in sorted((PACKAGE / part).rglob("*.py"))}


def _attributes(tree: ast.AST) -> set[str]:
    return {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}


def _imported(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def _chains(tree: ast.AST) -> set[str]:
    """Every ``a.b.c`` attribute chain written in the module, as text."""
    return {ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}


def test_nobody_outside_the_archive_and_storage_layers_reaches_the_database() -> None:
    # the edges (crawl, cli, web) and the Redis layer: no `.storage.db`, no `.storage.write()`, no writer's
    # connection, and SQL only through storage's read-only modules (status for `archiver status` and the demo,
    # reading and overview for Datasette's pages)
    read_only = {"archiver.storage.status", "archiver.storage.reading", "archiver.storage.overview"}
    reaching, importing = [], []
    for name, tree in _modules("crawl", "cli", "web", "distributed").items():
        reaching += [(name, chain) for chain in _chains(tree) if ".storage.db" in chain or chain.endswith(".storage.write")
                     or chain.endswith(".storage")]
        importing += [(name, module) for module in _imported(tree) if module.startswith("archiver.storage")
                      and not any(module == allowed or module.startswith(allowed + ".") for allowed in read_only)
                      and module != "archiver.storage"]
    assert reaching == [] and importing == []


def test_one_way_to_extract_and_to_file_and_every_caller_uses_it() -> None:
    edges = _modules("crawl", "cli", "web", "distributed")
    # the extraction function, the worker pool, the story filing steps: only the archive layer calls them
    for name, tree in edges.items():
        names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
        assert not names & {"extract_page", "BoundedPool", "decide", "text_signature", "compare"}, name
        steps = {"file_here", "story_candidates", "file_story", "set_diff", "writer.article", "writer.no_article"}
        assert not {chain for chain in _chains(tree) if chain.endswith(tuple(steps))}, name
    uses = {
        "archiver/crawl/pipeline.py": {"extract", "file", "unchanged"},
        "archiver/cli/reextract.py": {"extract", "file", "to_reextract"},
        "archiver/cli/importing.py": {"extract", "file", "add_record"},
        "archiver/cli/stories.py": {"refile_stories", "story_summary"},
        "archiver/cli/merge.py": {"merge", "story_summary"},
    }
    for name, methods in uses.items():
        assert methods <= _attributes(edges[name]), name
    # merge files its stories again with the facade's refiling, as stories --rebuild does
    service = ast.parse((PACKAGE / "archive" / "service.py").read_text(encoding="utf-8"))
    merge_call = next(node for node in ast.walk(service) if isinstance(node, ast.Call)
                      and ast.unparse(node.func) == "self._on_io" and "merging.merge_into" in ast.unparse(node))
    assert "self._refile_stories" in ast.unparse(merge_call)
    # the crawl's counters: one table, in storage
    assert not any("COUNTER_STATS" in ast.unparse(tree) for tree in edges.values())


def _filed_once(archive: Archive, url: str, text: str = TEXT) -> None:
    filed = archive.file(url, None, an_article(text, title="The bridge")).result()
    assert filed.saved is not None and filed.saved.new and filed.story is not None and filed.row["url"] == url


def test_a_failure_inside_filing_on_the_io_thread_reaches_the_caller_logged_once_and_counted(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db_path, url = tmp_path / "archive.db", "http://news.example/bridge"
    with Archive(db_path) as archive:
        _filed_once(archive, url)
    # a damaged archive: the current version's text stored as bytes, which comparing a new version with fails on
    sqlite_utils.Database(db_path).execute("UPDATE versions SET text = CAST(text AS BLOB)").connection.commit()
    failures = Failures()
    with caplog.at_level(logging.DEBUG, logger="archiver.archive.service"):
        with Archive(db_path, report=failures) as archive:
            for _ in range(2):
                with pytest.raises(TypeError):
                    archive.file(url, None, an_article(TEXT + " A correction.", title="The bridge")).result()
            # the archive goes on: another URL is filed
            _filed_once(archive, "http://news.example/other", " ".join(f"Line {i} about the harbour's new ferry." for i in range(40)))
    assert failures.counts == {"storage": 2}
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None and errors[0].exc_info[0] is TypeError
    assert "archiver storage error (the first; all are counted in archiver/errors/storage)" in errors[0].getMessage()
    # the failed filing left nothing half-done: still one version of the first URL
    assert sqlite_utils.Database(db_path).execute("SELECT count(*) FROM versions WHERE url = ?", [url]).fetchone()[0] == 1


def test_a_failure_refiling_stories_reaches_the_caller_and_is_counted(tmp_path: Path) -> None:
    db_path = tmp_path / "archive.db"
    with Archive(db_path) as archive:
        _filed_once(archive, "http://news.example/bridge")
    # a stored text that is no text: its signature cannot be computed
    sqlite_utils.Database(db_path).execute("UPDATE articles SET text = CAST(text AS BLOB)").connection.commit()
    failures = Failures()
    with Archive(db_path, extraction=Extraction(workers=0), report=failures) as archive:
        with pytest.raises(TypeError):
            archive.refile_stories().result()
    assert failures.counts == {"storage": 1}
    # nothing of the rebuild was committed: the story filed before is still there
    assert sqlite_utils.Database(db_path).execute("SELECT count(*) FROM stories").fetchone()[0] == 1


class BrokenExtractor:
    """An extractor with a bug: every page raises."""

    def describe(self) -> dict[str, str]:
        return {"name": "broken", "version": "1"}

    def main_text(self, page: object) -> None:
        raise RuntimeError("a parser's bug")


def test_an_extraction_bug_is_reported_and_gives_the_reason_its_row_keeps(tmp_path: Path) -> None:
    failures = Failures()
    extraction = Extraction(workers=0, extractor=f"{__name__}.BrokenExtractor", vote=False)
    with Archive(tmp_path / "archive.db", extraction=extraction, report=failures) as archive:
        result = archive.extract(RawPage("http://news.example/bridge", PAGE, "text/html; charset=utf-8")).result()
    assert isinstance(result, NoArticle) and str(result) == "extraction failed: RuntimeError: a parser's bug"
    assert failures.counts == {"extraction": 1}


def test_a_page_is_extracted_and_filed_the_way_a_crawl_does_it(tmp_path: Path) -> None:
    with Archive(tmp_path / "archive.db", extraction=Extraction(workers=0)) as archive:
        article = archive.extract(RawPage("http://news.example/bridge", PAGE, "text/html; charset=utf-8")).result()
        filed = archive.file("http://news.example/bridge", None, article).result()
        nothing = archive.file("http://news.example/empty", None, NoArticle("too short")).result()
    assert filed.row is not None and "Sentence 39 of the report" in filed.row["text"] and filed.story == "new"
    assert nothing.saved is None and nothing.row is None


def test_an_archive_that_cannot_be_opened_says_so_to_its_opener(tmp_path: Path) -> None:
    not_a_database = tmp_path / "archive.db"
    not_a_database.write_bytes(b"not an SQLite file, but long enough to be read as one" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        Archive(not_a_database)
