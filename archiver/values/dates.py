"""Dates as sitemaps, feeds and users write them, read into aware UTC datetimes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_AGO = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def parse_date(text: str | None) -> datetime | None:
    """ISO 8601 (``2026-11-01``, ``2026-11-01T10:00:00+02:00``, ``…Z``) or RFC 822; None if unreadable.

    A date without a time is midnight UTC; a time without a zone is UTC.
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    try:
        return _utc(datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")))
    except ValueError:
        pass
    try:
        return _utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def parse_duration(text: str) -> timedelta:
    """A length of time as users write it: ``30m``, ``48h``, ``7d``, ``2w``; ValueError otherwise."""
    match = _AGO.match(text)
    if not match:
        raise ValueError(text)
    amount, unit = match.groups()
    return timedelta(**{_UNIT[unit.lower()]: int(amount)})


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``since`` as users give it: a date (``2026-11-01``) or an age (``48h``, ``30m``, ``7d``, ``2w``)."""
    if _AGO.match(text):
        return (now or datetime.now(timezone.utc)) - parse_duration(text)
    moment = parse_date(text)
    if moment is None:
        raise ValueError(text)
    return moment


def iso_utc(moment: datetime | None = None, timespec: str = "milliseconds") -> str:
    """ISO 8601 UTC with a Z (now by default), as every table stores timestamps."""
    return _utc(moment or datetime.now(timezone.utc)).isoformat(timespec=timespec).replace("+00:00", "Z")
