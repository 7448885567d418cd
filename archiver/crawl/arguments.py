"""Spider arguments (``-a key=value``): URLs, URL lists, switches, whole numbers, patterns.

Each reader returns the value or raises :class:`~archiver.errors.SpiderArgumentError`
with one sentence that says what to give instead.
"""

from __future__ import annotations

import difflib
import inspect
import re
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from archiver.values.values import RENDER_MODES, parse_count, parse_render, parse_switch
from archiver.errors import SpiderArgumentError


def check_url(url: str, where: str = "") -> str:
    """Return ``url`` stripped, or raise if it is not an absolute http(s) URL we can fetch."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port  # both raise ValueError on a malformed netloc
    except ValueError:
        host = None
    if not host or parts.scheme not in ("http", "https") or any(c.isspace() for c in url):
        raise SpiderArgumentError(
            f"{url!r}{where} is not an http(s) URL; give full URLs such as https://example.org/news/story.html."
        )
    if parts.username is not None:
        raise SpiderArgumentError(
            f"{url!r}{where} carries a user name or password; remove it (use Scrapy's HTTP auth settings instead)."
        )
    return url


def read_url_list(path: str) -> list[str]:
    """URLs from a file, one a line; blank lines and ``#`` comments are skipped."""
    try:
        lines = Path(path).expanduser().read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SpiderArgumentError(
            f"Cannot read the URL list {path!r} ({exc.strerror or exc}); check the path given to -a urls=."
        ) from None
    except UnicodeDecodeError:
        raise SpiderArgumentError(f"The URL list {path!r} is not UTF-8 text; save it as plain UTF-8.") from None
    urls = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            urls.append(check_url(line, f" (line {number} of {path})"))
    if not urls:
        raise SpiderArgumentError(
            f"The URL list {path!r} holds no URL; put one URL a line (blank lines and # comments are ignored)."
        )
    return urls


def switch(name: str, value: str | None) -> bool:
    """``-a name=1`` style switches (absent: off)."""
    if value is None:
        return False
    try:
        return parse_switch(value if value.strip() else "0")
    except ValueError:
        raise SpiderArgumentError(f"-a {name}={value} is not a switch; give {name}=1 or {name}=0.") from None


def whole_number(name: str, value: str | None, default: int) -> int:
    """``-a name=N``, N a whole number (absent: ``default``)."""
    if value is None:
        return default
    try:
        return parse_count(value)
    except ValueError:
        raise SpiderArgumentError(f"-a {name}={value} is not a whole number; give for example {name}={default}.") from None


def render_mode(value: str | None) -> str | None:
    """``-a render=never|auto|always`` (absent: None, the site rule's or ARCHIVER_RENDER's)."""
    if value is None:
        return None
    try:
        return parse_render(value)
    except ValueError:
        raise SpiderArgumentError(f"-a render={value} is not a render mode; give render={' or render='.join(RENDER_MODES)}.") from None


def pattern(name: str, value: str | None) -> list[str]:
    """``-a name=REGEX`` as a list of one pattern (absent: none)."""
    if value is None:
        return []
    try:
        re.compile(value)
    except re.error as exc:
        raise SpiderArgumentError(f"-a {name}={value} is not a valid regular expression ({exc}).") from None
    return [value]


# Scrapy's components read these spider attributes, and -a sets them (deprecated for settings, still working)
SCRAPY_ATTRIBUTES = ("user_agent", "http_user", "http_pass", "http_auth_domain", "download_timeout",
                     "download_maxsize", "download_warnsize")


def spider_arguments(spider: type) -> list[str]:
    """The ``-a`` names a spider class takes: the parameters of its and its bases' ``__init__`` (Scrapy's own aside)."""
    names: set[str] = set()
    for cls in spider.__mro__:
        init = vars(cls).get("__init__")
        if init is None or cls.__module__.startswith("scrapy"):
            continue
        names.update(name for name, parameter in inspect.signature(init).parameters.items()
                     if name != "self" and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY))
    return sorted(names)


def check_names(spider: type, name: str, given: Iterable[str]) -> None:
    """Raise if an ``-a`` name is none the spider takes: a misspelt one would be ignored without a word.

    Names starting with ``_`` pass (scrapyd gives every crawl ``-a _job=ID``), and so do the spider
    attributes Scrapy's components read (:data:`SCRAPY_ATTRIBUTES`).
    """
    known = spider_arguments(spider)
    for key in given:
        if key.startswith("_") or key in known or key in SCRAPY_ATTRIBUTES:
            continue
        close = difflib.get_close_matches(key, known, n=1)
        hint = f": did you mean -a {close[0]}?" if close else ""
        raise SpiderArgumentError(f"The {name} spider takes no -a {key}{hint} (it takes -a {', '.join(known)}).")
