"""The README's quick start, run verbatim on a fresh clone: a venv, the project installed from PyPI, the demo."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

QUICK_START = re.compile(
    r"^Set up and run the demo \(Python 3\.11\+, offline; one command, from this folder\):\n\n```sh\n(.+?)\n```",
    re.MULTILINE | re.DOTALL)


def quick_start() -> str:
    return QUICK_START.search((ROOT / "README.md").read_text(encoding="utf-8")).group(1)


def test_the_quick_start_is_one_command() -> None:
    assert quick_start() == "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/archiver demo"


@pytest.mark.slow
@pytest.mark.crawl
def test_the_quick_start_works_on_a_fresh_clone(tmp_path: Path) -> None:
    clone = tmp_path / "archiver"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=300)  # what is committed
    # as a new user's shell: none of this test run's Python environment
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "SCRAPY_SETTINGS_MODULE")}
    done = subprocess.run(["sh", "-c", quick_start()], cwd=clone, env=env, capture_output=True, text=True,
                          timeout=3600)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-5000:])
    said = re.search(r"^Demo done: (\d+) articles archived in demo/archive\.db ", done.stdout, re.MULTILINE)
    assert said, done.stdout[-3000:]
    assert "Browse it:  archiver serve demo/archive.db" in done.stdout
    db = sqlite3.connect(clone / "demo" / "archive.db")
    archived = db.execute("select count(*) from articles where length(text) > 500").fetchone()[0]
    assert archived == int(said.group(1)) == 11
