"""The extractor interface: what finds a page's main text, behind ``ARCHIVER_EXTRACTOR``.

An extractor gets a :class:`Page` (its HTML, URL and a way to parse it with
the site's rules and the chrome rules already applied) and returns the main
text with whatever metadata it reads itself (:class:`MainText`), or None.
Everything around it, the same for every extractor, is
:mod:`archiver.extract.pipeline`: structured metadata, chrome lines, flags,
blocks and signatures.  ``ARCHIVER_EXTRACTOR`` names the class by dotted
path, as Scrapy settings name components; it is built with no arguments, in
each extraction worker.
"""

from __future__ import annotations

import importlib
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Protocol, runtime_checkable

DEFAULT_EXTRACTOR = "archiver.extract.trafilatura_backend.TrafilaturaExtractor"
# the extractors the archiver ships: settings name them without importing them (trafilatura stays out of the crawl
# process; the extraction workers import them)
BUILTIN_EXTRACTORS = frozenset({DEFAULT_EXTRACTOR, *(f"archiver.extract.trafilatura_backend.{name}TrafilaturaExtractor"
                                                      for name in ("Full", "Fast"))})


@dataclass(frozen=True)
class Page:
    """A page to extract: ``tree()`` gives a fresh copy of its parsed tree, with the rules applied, each time.

    ``known`` names the metadata fields (``author``, ``date``) that the page's
    structured data already gives, and that win over the extractor's: an
    extractor may skip searching for them.  ``with stage(NAME):`` counts the
    CPU of a part of its work apart, in the crawl's
    ``archiver/cpu_ms/extract/main_text/NAME`` stat.  ``view`` is the tree
    itself, for an extractor that only reads it (trafilatura copies what it
    changes), sparing a copy; the voters read it next, so it must stay as it is.
    """

    html: str
    url: str
    tree: Callable[[], Any]
    known: frozenset[str] = frozenset()
    stage: Callable[[str], AbstractContextManager[Any]] = lambda name: nullcontext()
    view: Any = None


@dataclass(frozen=True)
class MainText:
    """An extractor's answer: the main text (a paragraph a line) and the metadata it read, if any."""

    text: str
    title: str | None = None
    author: str | None = None  # names separated by ";"
    date: str | None = None
    sitename: str | None = None
    description: str | None = None
    # other extractors' lines the extractor read along the way, on the same pruned tree: the vote
    # reuses them instead of running those extractors again (trafilatura runs readability)
    ballots: dict[str, list[str]] = field(default_factory=dict)


@runtime_checkable
class Extractor(Protocol):
    """Finds a page's main text."""

    def describe(self) -> dict[str, Any]:
        """Name, version and options, as ``articles.extractor`` records them."""

    def main_text(self, page: Page) -> MainText | None:
        """The main text of the page, or None when there is none."""


class ExtractorError(ValueError):
    """``ARCHIVER_EXTRACTOR`` does not name a usable extractor class."""


@lru_cache(maxsize=8)
def load_extractor(path: str) -> Extractor:
    """The extractor class at a dotted path, built once per process."""
    module_name, _, name = path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), name) if module_name else None
    except (ImportError, AttributeError) as exc:
        raise ExtractorError(f"cannot import {path} ({exc})") from None
    if cls is None:
        raise ExtractorError(f"{path} is not a dotted path such as {DEFAULT_EXTRACTOR}")
    extractor = cls()
    if not isinstance(extractor, Extractor):
        raise ExtractorError(f"{path} has no describe() and main_text(page) methods")
    return extractor
