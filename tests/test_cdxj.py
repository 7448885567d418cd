"""`archiver cdxj`: the archive's CDXJ index from the database, the lines cdxj-indexer reads off the WARC files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Crawl, run_archiver

pytestmark = pytest.mark.crawl

TOOLS = Path(sys.executable).parent  # cdxj-indexer comes with the test extra


def cdxj_indexer(warc_dir: Path) -> str:
    """cdxj-indexer's sorted index of every WARC file, run where the files are (file names without a path)."""
    names = sorted(p.name for p in warc_dir.glob("*.warc.gz"))
    done = subprocess.run([str(TOOLS / "cdxj-indexer"), "--sort", *names], cwd=warc_dir, capture_output=True, text=True, check=True)
    return done.stdout


def test_the_index_is_what_cdxj_indexer_gives_for_the_warc_files(rechecked: Crawl, tmp_path: Path) -> None:
    out = tmp_path / "archive.cdxj"
    done = run_archiver("cdxj", "--db", str(rechecked.db_path), "--warc-dir", str(rechecked.warc_dir), "-o", str(out))
    assert done.returncode == 0, done.stderr
    ours = out.read_text(encoding="utf-8")
    assert ours == cdxj_indexer(rechecked.warc_dir)
    lines = ours.splitlines()
    assert any('"mime": "warc/revisit"' in line for line in lines)  # the re-check's unchanged pages
    assert any('"status": "301"' in line for line in lines)
    files = len(list(rechecked.warc_dir.glob("*.warc.gz")))
    assert done.stderr.strip() == f"Indexed {len(lines)} records in {files} WARC files."


def test_without_output_the_index_goes_to_standard_output(archived: Crawl) -> None:
    done = run_archiver("cdxj", "--db", str(archived.db_path), "--warc-dir", str(archived.warc_dir))
    assert done.returncode == 0, done.stderr
    assert done.stdout == cdxj_indexer(archived.warc_dir)


def test_a_missing_warc_file_is_one_sentence(archived: Crawl, tmp_path: Path) -> None:
    done = run_archiver("cdxj", "--db", str(archived.db_path), "--warc-dir", str(tmp_path))
    assert done.returncode == 1
    name = next(archived.warc_dir.glob("*.warc.gz")).name
    assert done.stderr == f"Error: The WARC file {name} is not in {tmp_path}; give the archive's WARC directory with --warc-dir.\n"
