"""A crawl's report: the short block logged when it ends, and whether every page it tried failed.

Built from the crawl's stats and, for the failures by reason, its
``captures`` rows (:func:`archiver.storage.status.crawl_failures`, read on the
``archiver-io`` thread before the archive closes); formatted on the reactor
thread.  It is logged by ``archiver.report``, the one logger that
``ARCHIVER_QUIET`` lets through below WARNING.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from archiver.values.values import format_size, plural

REPORT_LOGGER = "archiver.report"
TOP_REASONS = 3  # reasons shown a kind of failure; the others are counted together
ALL_FAILED_STATUS = 1  # the exit status of `scrapy crawl` when every page it tried failed


def all_failed(stats: Mapping[str, Any]) -> bool:
    """Whether the crawl tried pages and none gave anything: no article, no page kept, no re-check.

    A page robots.txt forbids (or offsite) was not tried: a crawl of those alone did what it should.
    """
    kept = _count(stats, "archiver/articles", "archiver/articles/none", "archiver/rechecks/unchanged")
    return _count(stats, "archiver/failed") > _count(stats, "archiver/not_fetched") and kept == 0


def _reasons(counts: list[tuple[str, int]]) -> str:
    shown = [f"{reason} ({count})" for reason, count in counts[:TOP_REASONS]]
    others = sum(count for _, count in counts[TOP_REASONS:])
    if others:
        shown.append(f"other reasons ({others})")
    return ", ".join(shown)


def _count(stats: Mapping[str, Any], *names: str) -> int:
    return sum(int(stats.get(name, 0)) for name in names)


def summary(stats: Mapping[str, Any], failures: Mapping[str, list[tuple[str, int]]] | None,
            spider: str, db: Path, warc_dir: Path, now: datetime | None = None) -> list[str]:
    """The report's lines (about ten): what was fetched, archived, skipped, failed and refused, and where it went."""
    start = stats.get("start_time")
    seconds = ((now or datetime.now(timezone.utc)) - start).total_seconds() if isinstance(start, datetime) else 0.0
    fetched = _count(stats, "archiver/fetched")
    rate = f"{fetched / seconds:.1f}" if seconds > 0 else "-"
    reason = stats.get("finish_reason", "finished")
    ended = "finished" if reason == "finished" else f"stopped ({reason})"
    lines = [f"Crawl {stats.get('archiver/crawl_id', '?')} ({spider}) {ended} in {seconds:.1f} s: "
             f"{plural(fetched, 'page', 'pages')} fetched, {rate} a second"]
    unchanged = _count(stats, "archiver/rechecks/unchanged", "archiver/versions/same", "archiver/versions/cosmetic")
    lines.append(f"  Articles: {_count(stats, 'archiver/articles/new')} new, "
                 f"{_count(stats, 'archiver/versions/changed')} changed, {unchanged} unchanged; "
                 f"{_count(stats, 'archiver/articles/none')} pages gave no article")
    not_modified, identical = (_count(stats, "archiver/revisits/not-modified"),
                               _count(stats, "archiver/revisits/identical-payload"))
    if _count(stats, "archiver/rechecks"):
        lines.append(f"  Re-checks: {_count(stats, 'archiver/rechecks')} "
                     f"(revisit records: {not_modified} not modified, {identical} identical payload)")
    skipped, old = _count(stats, "archiver/skipped/archived"), _count(stats, "archiver/skipped/old")
    if skipped or old:
        lines.append(f"  Skipped: {skipped} already archived, {old} older than since or the watermark")
    if failures is None:  # the database could not say why: the counter alone
        lines.append(f"  Failed: {plural(_count(stats, 'archiver/failed'), 'URL', 'URLs')}")
    else:
        for kind in ("failed", "refused"):
            counts = failures.get(kind, [])
            total = sum(count for _, count in counts)
            lines.append(f"  {kind.capitalize()}: {plural(total, 'URL', 'URLs')}" + (f": {_reasons(counts)}" if counts else ""))
    files = _count(stats, "archiver/warc/files")
    lines.append(f"  Archive: {db} (WARC files in {warc_dir}: {files} written, "
                 f"{format_size(_count(stats, 'archiver/warc/bytes'))})")
    if all_failed(stats):
        lines.append(f"  Nothing archived: every page failed (exit status {ALL_FAILED_STATUS})")
    return lines
