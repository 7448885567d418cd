"""A crawl process loads only what it uses: not Redis (distributed crawls), the remote control, the feed parser,
nor the extraction code its worker processes run (memory: each is megabytes in every crawl)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_crawl

pytestmark = pytest.mark.crawl

# Python runs a sitecustomize module it finds on the path at start-up: this one says, as the
# crawl process ends (not the workers' fork server), which of these packages it loaded
PROBE = """import atexit, sys
WATCHED = ("redis", "scrapy_redis", "aiohttp", "trafilatura", "htmldate", "wordfreq")
if "crawl" in sys.argv:
    atexit.register(lambda: sys.stderr.write(f"LOADED {sorted(m for m in WATCHED if m in sys.modules)}\\n"))
"""


def _loaded(tmp_path: Path, urls: str, settings: dict[str, str] | None = None) -> tuple[str, str]:
    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "sitecustomize.py").write_text(PROBE)
    crawl = run_crawl(tmp_path, "article", {"url": urls}, settings, pythonpath=tmp_path / "probe")
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.db["articles"].count == 2
    loaded = re.search(r"^LOADED (.*)$", crawl.log, re.MULTILINE)
    assert loaded, crawl.log[-3000:]
    return loaded[1], crawl.log


def test_a_crawl_of_one_process_loads_no_redis_remote_control_feed_parser_or_extractor(
        tmp_path: Path, crawl_urls: dict) -> None:
    loaded, _ = _loaded(tmp_path, f"{crawl_urls['herald']},{crawl_urls['observer']}")
    assert loaded == "[]"


def test_the_remote_control_still_turns_on(tmp_path: Path, crawl_urls: dict) -> None:
    _, log = _loaded(tmp_path, f"{crawl_urls['herald']},{crawl_urls['observer']}",
                     {"REMOTE_CONTROL_ENABLED": "1", "REMOTE_CONTROL_JOBS_DIR": str(tmp_path / "jobs")})
    assert "Remote control HTTP server listening on port" in log
