"""How the archive's values read on a page: dates, descriptions, the text under its headline, the site's name.

Pure functions of stored values, which may be anything (nothing read back is
trusted): each gives a readable form or falls back to the value as stored.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from markupsafe import Markup

from archiver.extract.headline import SITENAME_MAX_WORDS

DESCRIPTION_CHARS = 300  # longer descriptions are cut, at a word
# A description this long that does not end a sentence was cut by its source (og:description
# at 150 or 160 characters is common), maybe mid-word; a shorter one may be a phrase, left whole.
CUT_BY_SOURCE_CHARS = 100
_ENDS = tuple(".!?\"”’')]»")
_ELLIPSES = ("…", "...")
_TRAILING = " \t,;:-–—…."  # what a cut leaves dangling before its ellipsis
_HAS_TIME = re.compile(r"\d[T ]\d{1,2}:\d{2}")


def folded(text: str | None) -> str:
    """Text as compared: spaces folded, case folded."""
    return " ".join((text or "").split()).casefold()


def _parsed(value: str) -> date | datetime | None:
    text = value.strip()
    try:
        return datetime.fromisoformat(text) if _HAS_TIME.search(text) else date.fromisoformat(text[:10])
    except ValueError:
        return None


def readable_date(value: str | None) -> str:
    """``7 Dec 2026, 05:41 UTC`` for an ISO 8601 date-time (in UTC when it has a zone), ``7 Dec 2026`` for a date."""
    if not value:
        return ""
    moment = _parsed(str(value))
    if moment is None:
        return str(value)
    if not isinstance(moment, datetime):
        return f"{moment.day} {moment:%b %Y}"
    zone = ""
    if moment.tzinfo is not None:
        try:
            moment, zone = moment.astimezone(timezone.utc), " UTC"
        except OverflowError:  # a year-1 date with a positive offset
            return str(value)
    return f"{moment.day} {moment:%b %Y}, {moment:%H:%M}{zone}"


def time_tag(value: str | None) -> Markup:
    """A ``<time>`` element: the readable date, the stored value on hover and as ``datetime``."""
    if not value:
        return Markup("")
    return Markup('<time datetime="{0}" title="{0}">{1}</time>').format(str(value), readable_date(value))


def short_description(description: str | None, limit: int = DESCRIPTION_CHARS) -> str | None:
    """The description on one line, cut at a word with an ellipsis when too long or cut short by its source.

    A source that cut it (an ellipsis at the end, or a long text that ends no
    sentence) may have cut its last word in half: that word goes, so that only
    whole words are shown.
    """
    text = " ".join((description or "").split())
    cut = text.endswith(_ELLIPSES) or (len(text) >= CUT_BY_SOURCE_CHARS and not text.endswith(_ENDS))
    if text.endswith(_ELLIPSES):
        text = text.removesuffix("...").removesuffix("…")
    if len(text) > limit:
        cut, text = True, text[: limit + 1]
    if cut:
        # the last word, whole or not (a single long word is kept to the limit)
        text = text[: text.rfind(" ")] if " " in text else text[:limit]
        text = text.rstrip(_TRAILING)
    if not text:
        return None
    return text + "…" if cut else text


def paragraphs_under(title: str | None, text: str | None) -> list[str]:
    """The text's non-empty lines, without a first line that only repeats the headline."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if lines and title and folded(lines[0]) == folded(title):
        return lines[1:]
    return lines


def site_name(sitename: str | None, title: str | None, host: str | None) -> str:
    """The publication's name as stored (``og:site_name``, JSON-LD publisher), else the host.

    Never the page's own headline: a stored name that is the headline, part of
    it or as long as one (a guess from the page's title) gives way to the host.
    """
    name = " ".join((sitename or "").split())
    headline = folded(title)
    words = len(name.split())
    if not name or words > SITENAME_MAX_WORDS or folded(name) == headline or (words > 2 and folded(name) in headline):
        return host or ""
    return name
