"""Where a crawl's CPU goes: archiver/cpu_ms/... stats by thread and stage, kept in crawls.stats."""

from __future__ import annotations

import json
import time

import pytest
from conftest import Crawl

from archiver.runtime.cpu import CpuMeter, stats


@pytest.mark.crawl
def test_a_crawl_counts_its_cpu_by_thread_and_stage(archived: Crawl) -> None:
    row = next(archived.db.query("select stats from crawls order by id desc limit 1"))
    cpu = {name: value for name, value in json.loads(row["stats"]).items() if name.startswith("archiver/cpu_ms/")}
    # every stage a page goes through took some CPU, on the thread or process docs/architecture.md says
    for stage in ("reactor", "io/capture", "io/warc", "io/article", "io/commit",
                  "extract/parse", "extract/main_text", "extract/main_text/metadata",  # the vote is off by default
                  "extract/signature"):
        assert cpu.get(f"archiver/cpu_ms/{stage}", 0) > 0, (stage, cpu)
    assert all(isinstance(value, int) for value in cpu.values())


def _spin(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_nested_stages_count_once() -> None:
    meter = CpuMeter()
    with meter.stage("outer"):
        _spin(0.02)
        with meter.stage("inner"):
            _spin(0.03)
        _spin(0.02)
    figures = stats(meter.seconds, "archiver/cpu_ms/test/")
    assert set(figures) == {"archiver/cpu_ms/test/outer", "archiver/cpu_ms/test/inner"}
    # the inner stage's time is not counted in the outer one as well
    assert 25 <= figures["archiver/cpu_ms/test/inner"] < 40
    assert 35 <= figures["archiver/cpu_ms/test/outer"] < 50
