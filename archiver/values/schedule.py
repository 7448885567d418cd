"""When an archived article is checked again: by its age, and sooner after it changed.

``ARCHIVER_RECHECK`` lists ``AGE:INTERVAL`` steps, youngest first: the
default ``1d:1h,7d:1d,30d:7d`` checks an article every hour while it is under
a day old, daily until a week, weekly until 30 days, and never after that.
An article that changed at its last check is checked again after the
shortest interval, whatever its age (a story being updated is likely to be
updated again).  ``off`` never re-checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from archiver.values.dates import parse_duration

DEFAULT = "1d:1h,7d:1d,30d:7d"


@dataclass(frozen=True)
class RecheckSchedule:
    """``(age under, check every)`` steps, youngest first; empty: never re-check."""

    steps: tuple[tuple[timedelta, timedelta], ...]

    @classmethod
    def parse(cls, value: object) -> "RecheckSchedule":
        """``"1d:1h,7d:1d,30d:7d"`` or ``"off"``; ValueError if it is neither."""
        text = str(value).strip().lower()
        if text in ("off", "0", "none", ""):
            return cls(())
        steps = []
        for part in text.split(","):
            age, _, interval = part.partition(":")
            steps.append((parse_duration(age), parse_duration(interval)))
        if any(later[0] <= earlier[0] for earlier, later in zip(steps, steps[1:])):
            raise ValueError(value)
        return cls(tuple(steps))

    def next_check(self, now: datetime, born: datetime, changed: bool) -> datetime | None:
        """When to check an article first seen or published at ``born`` again; None: never."""
        if not self.steps:
            return None
        if changed:
            return now + min(interval for _, interval in self.steps)
        age = now - born
        for under, interval in self.steps:
            if age < under:
                return now + interval
        return None
