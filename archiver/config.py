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
from typing import Any, Callable
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from . import schedule
from .errors import ConfigError

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*((?:[kmgt]i?)?b?)\s*$", re.IGNORECASE)
_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def parse_size(value: Any) -> int:
    """``1000000``, ``"500MB"``, ``"1GB"`` or ``"64MiB"`` as a number of bytes."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(value)
    number, unit = match.groups()
    unit = (unit or "").lower()
    base = 1024 if "i" in unit else 1000
    power = "kmgt".find(unit[:1]) + 1 if unit else 0
    return int(float(number) * base**power)


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


def _count(value: Any) -> int:
    number = int(str(value).strip())
    if number < 0:
        raise ValueError(value)
    return number


def _seconds(value: Any) -> float:
    number = float(str(value).strip())
    if number < 0:
        raise ValueError(value)
    return number


def _flag(value: Any) -> bool:
    text = str(value).strip().lower()
    if text not in ("1", "0", "true", "false", "on", "off"):
        raise ValueError(value)
    return text in ("1", "true", "on")


def _positive_size(value: Any) -> int:
    size = parse_size(value)
    if size <= 0:
        raise ValueError(value)
    return size


@dataclass(frozen=True)
class _Setting:
    default: Any
    parse: Callable[[Any], Any]
    expects: str


# name (without the ARCHIVER_ prefix) -> how to read it.  README.md documents
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
        None, _count, "a whole number of processes (0 extracts in a thread instead)"
    ),
    "RETRY_AFTER_MAX": _Setting(600, _seconds, "a number of seconds, such as 600"),
    "CHROME_PAGES": _Setting(
        4, _count, "a whole number of pages (0 turns the site chrome memory off)"
    ),
    "PROGRESS_INTERVAL": _Setting(60, _seconds, "a number of seconds (0 turns the progress line off)"),
    "RECHECK": _Setting(
        schedule.DEFAULT, schedule.RecheckSchedule.parse,
        "AGE:INTERVAL steps such as 1d:1h,7d:1d,30d:7d (ages growing), or off",
    ),
    "LOCK": _Setting(True, _flag, "1 or 0 (0 lets crawls of one spider on one archive overlap)"),
}


@dataclass(frozen=True)
class ArchiverConfig:
    """Validated ``ARCHIVER_*`` settings."""

    db: Path
    warc_dir: Path
    warc_prefix: str
    warc_max_size: int
    extract_workers: int
    retry_after_max: float
    progress_interval: float
    chrome_pages: int
    recheck: schedule.RecheckSchedule
    lock: bool

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
            if raw is None and name == "EXTRACT_WORKERS":
                raw = os.cpu_count() or 1
            try:
                values[name.lower()] = spec.parse(raw)
            except (TypeError, ValueError):
                raise ConfigError(
                    f"ARCHIVER_{name} must be {spec.expects}, not {raw!r}."
                ) from None
        return cls(**values)



_BY_CRAWLER: "WeakKeyDictionary[Crawler, ArchiverConfig]" = WeakKeyDictionary()
