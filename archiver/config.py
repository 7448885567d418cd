"""The one place where ``ARCHIVER_*`` settings are read and validated.

Every component gets its configuration from :class:`ArchiverConfig`, built
once per crawler from Scrapy settings (``settings.py``, ``-s NAME=VALUE``,
a spider's ``custom_settings``).  A misspelt or malformed setting stops the
crawl at start with one sentence that says what to fix.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from archiver.values import schedule
from archiver.values.addresses import parse_networks
from archiver.runtime.pool import Limits
from archiver.values.values import parse_count, parse_render, parse_seconds, parse_size, parse_switch
from archiver.errors import ConfigError
from archiver.extract.backend import BUILTIN_EXTRACTORS, DEFAULT_EXTRACTOR, ExtractorError, load_extractor
from archiver.extract.blocks import CHROME_STORIES

_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

T = TypeVar("T", int, float)


def _path(value: Any) -> Path:
    text = str(value).strip()
    if not text:
        raise ValueError(value)
    return Path(text).expanduser()


def _prefix(value: Any) -> str:
    text = str(value)
    if not _PREFIX.match(text):
        raise ValueError(value)
    return text


def _positive(parse: Callable[[Any], T]) -> Callable[[Any], T]:
    """A parser that refuses zero and negative values besides what ``parse`` refuses."""
    def parse_positive(value: Any) -> T:
        parsed = parse(value)
        if parsed <= 0:
            raise ValueError(value)
        return parsed

    return parse_positive


_positive_size = _positive(parse_size)
_positive_seconds = _positive(parse_seconds)
_positive_count = _positive(parse_count)


def _extractor(value: Any) -> str:
    if str(value).strip() in BUILTIN_EXTRACTORS:
        return str(value).strip()  # ours: not imported here, so that trafilatura stays out of the crawl process
    try:
        load_extractor(str(value).strip())
    except ExtractorError as exc:
        raise ValueError(str(exc)) from None
    return str(value).strip()


def _chrome_stories(value: Any) -> int:
    stories = parse_count(value)
    if stories == 1:  # the stories of a page's other pages: one would be any block seen twice, a quote too
        raise ValueError(value)
    return stories


def _redis_url(value: Any) -> str:
    text = str(value or "").strip()
    if text and urlsplit(text).scheme not in ("redis", "rediss", "unix"):
        raise ValueError(value)
    return text


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")


def _schemes(value: Any) -> tuple[str, ...]:
    """URL schemes separated by spaces or commas, at least one (lower case: schemes are read in any case)."""
    names = tuple(dict.fromkeys(re.split(r"[\s,]+", str(value).strip().lower())))
    if not names or not all(_SCHEME.match(name) for name in names):
        raise ValueError(value)
    return names


@dataclass(frozen=True)
class _Setting:
    default: Any
    parse: Callable[[Any], Any]
    expects: str


# name (without the ARCHIVER_ prefix) -> how to read it.  docs/settings.md documents
# each of these; tests/test_docs.py keeps the two in step.
SETTINGS: dict[str, _Setting] = {
    "DB": _Setting("archive.db", _path, "a path to an SQLite file"),
    "WARC_DIR": _Setting("warcs", _path, "a directory path"),
    "WARC_PREFIX": _Setting(
        "archiver", _prefix, "letters, digits, '.', '_' or '-' (used in file names)"
    ),
    "WARC_MAX_SIZE": _Setting(
        "1GB", _positive_size, "a positive size in bytes, such as 1000000000 or 1GB"
    ),
    "EXTRACT_WORKERS": _Setting(
        os.cpu_count() or 1, parse_count, "a whole number of processes (0 extracts in a thread instead)"
    ),
    "EXTRACT_TIMEOUT": _Setting(Limits.seconds, parse_seconds, "a number of seconds (0: no limit)"),
    "EXTRACT_MEMORY": _Setting(Limits.memory, parse_size, "a size in bytes, such as 2000000000 or 2GiB (0: no limit)"),
    "EXTRACT_MAX_BYTES": _Setting(
        "5MB", _positive_size, "a positive size in bytes, such as 5000000 or 5MB"
    ),
    "EXTRACTOR": _Setting(
        DEFAULT_EXTRACTOR, _extractor, f"the dotted path of an extractor class, such as {DEFAULT_EXTRACTOR}"
    ),
    "SOURCE_MAX_ENTRIES": _Setting(
        50_000, _positive_count, "a positive whole number of entries, such as 50000"
    ),
    # off by default: the vote is the dearest gain per ms of CPU measured (docs/performance.md, bench/tradeoffs.py)
    "VOTE": _Setting(False, parse_switch, "1 or 0 (0: the extractor's text without the other extractors' vote)"),
    "RETRY_AFTER_MAX": _Setting(600, parse_seconds, "a number of seconds, such as 600"),
    "CHROME_PAGES": _Setting(  # (named when it counted pages)
        CHROME_STORIES, _chrome_stories, "a number of different stories from 2 up, or 0 (the site chrome memory off)"
    ),
    # what a crawl says (archiver/crawl/progress.py): the progress line in a log, and only warnings and the report
    "PROGRESS_INTERVAL": _Setting(60, parse_seconds, "a number of seconds (0 turns the progress line off)"),
    "QUIET": _Setting(False, parse_switch, "1 or 0 (1: only warnings, errors and the crawl's report)"),
    "RECHECK": _Setting(
        schedule.DEFAULT, schedule.RecheckSchedule.parse,
        "AGE:INTERVAL steps such as 1d:1h,7d:1d,30d:7d (ages growing), or off",
    ),
    "LOCK": _Setting(True, parse_switch, "1 or 0 (0 lets crawls of one spider on one archive overlap)"),
    "FRONTIER": _Setting("", _redis_url, "a redis:// URL such as redis://127.0.0.1:6379/0 (empty: a crawl of one process)"),
    "WORKER_TIMEOUT": _Setting(60, _positive_seconds, "a positive number of seconds, such as 60"),
    "ALLOW_NETWORKS": _Setting(
        "", parse_networks, "networks separated by commas, such as 10.0.0.0/8,192.168.1.0/24 (empty: none)"
    ),
    # what a source or a server may make the crawl do (archiver/crawl/schemes.py, politeness.py)
    "ALLOW_SCHEMES": _Setting("http https", _schemes, "URL schemes separated by spaces, such as http https"),
    "CRAWL_DELAY_MAX": _Setting(300, parse_seconds, "a number of seconds, such as 300"),
    # pages that need JavaScript (archiver/crawl/render.py)
    "RENDER": _Setting("auto", parse_render, "never, auto or always"),
    "RENDER_PAGES": _Setting(2, _positive_count, "a positive whole number of browser pages at once, such as 2"),
    "RENDER_TIMEOUT": _Setting(30, _positive_seconds, "a positive number of seconds, such as 30"),
    "BROWSER": _Setting("chromium", _path, "the path or command name of a Chromium browser, such as /usr/bin/chromium"),
}


@dataclass(frozen=True)
class ArchiverConfig:
    """Validated ``ARCHIVER_*`` settings."""

    db: Path
    warc_dir: Path
    warc_prefix: str
    warc_max_size: int
    extract_workers: int
    extract_timeout: float
    extract_memory: int
    extract_max_bytes: int
    extractor: str
    source_max_entries: int
    vote: bool
    retry_after_max: float
    progress_interval: float
    quiet: bool
    chrome_pages: int
    recheck: schedule.RecheckSchedule
    lock: bool
    frontier: str
    worker_timeout: float
    allow_networks: tuple
    allow_schemes: tuple[str, ...]
    crawl_delay_max: float
    render: str
    render_pages: int
    render_timeout: float
    browser: Path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArchiverConfig":
        """The crawler's config, read once and shared by all its components."""
        if crawler not in _BY_CRAWLER:
            _BY_CRAWLER[crawler] = cls.from_settings(crawler.settings)
        return _BY_CRAWLER[crawler]

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> "ArchiverConfig":
        """Read every ``ARCHIVER_*`` setting; raise :class:`ConfigError` on the first bad one."""
        known = {f"ARCHIVER_{name}" for name in SETTINGS}
        for name in settings:
            if name.startswith("ARCHIVER_") and name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f"; did you mean {close[0]}?" if close else "."
                raise ConfigError(f"Unknown setting {name}{hint}")
        values = {}
        for name, spec in SETTINGS.items():
            raw = settings.get(f"ARCHIVER_{name}", spec.default)
            try:
                values[name.lower()] = spec.parse(raw)
            except (TypeError, ValueError) as exc:
                why = f" ({exc})" if name == "EXTRACTOR" else ""
                raise ConfigError(f"ARCHIVER_{name} must be {spec.expects}, not {raw!r}{why}.") from None
        return cls(**values)


# ARCHIVER_* settings with their defaults, for archiver/settings.py (so that
# `scrapy settings --get ARCHIVER_DB` prints the real default)
DEFAULTS = {f"ARCHIVER_{name}": spec.default for name, spec in SETTINGS.items()}

_BY_CRAWLER: "WeakKeyDictionary[Crawler, ArchiverConfig]" = WeakKeyDictionary()
