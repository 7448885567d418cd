"""Values as people write them in settings and spider arguments: switches, whole numbers, sizes.

Spider arguments (``-a recrawl=1``) and settings (``-s ARCHIVER_LOCK=0``) read
the same words the same way; each function raises ValueError for anything
else, and the caller turns that into a sentence that says what to give.
"""

from __future__ import annotations

import re
from typing import Any

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*((?:[kmgt]i?)?b?)\s*$", re.IGNORECASE)


def parse_switch(value: Any) -> bool:
    """``1``/``true``/``yes``/``on`` or ``0``/``false``/``no``/``off`` (any case); a bool as itself."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


RENDER_MODES = ("never", "auto", "always")  # when a browser renders a page (ARCHIVER_RENDER, -a render=, site_rules)


def parse_render(value: Any) -> str:
    """``never``, ``auto`` or ``always`` (any case)."""
    text = str(value).strip().lower()
    if text not in RENDER_MODES:
        raise ValueError(value)
    return text


def parse_count(value: Any) -> int:
    """A whole number, zero or more."""
    if isinstance(value, bool):
        raise ValueError(value)
    number = int(str(value).strip())
    if number < 0:
        raise ValueError(value)
    return number


def parse_seconds(value: Any) -> float:
    """A number of seconds, zero or more."""
    number = float(str(value).strip())
    if not number >= 0:  # also refuses NaN
        raise ValueError(value)
    return number


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


def format_size(size: int) -> str:
    """A number of bytes as people read it: ``812 bytes``, ``4.2 MB``, ``1.3 GB`` (powers of 1000, as ``parse_size``)."""
    if size < 1000:
        return f"{size} byte{'' if size == 1 else 's'}"
    for unit in ("kB", "MB", "GB", "TB"):
        size /= 1000
        if size < 1000 or unit == "TB":
            return f"{size:.1f} {unit}"
    raise AssertionError("unreachable")


def plural(number: int, one: str, many: str) -> str:
    """``1 story``, ``2 stories``."""
    return f"{number} {one if number == 1 else many}"
