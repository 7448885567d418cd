"""One way to extract a page: its bytes, the settings it is extracted with, and what its worker's end means.

:meth:`archiver.archive.service.Archive.extract` hands a :class:`RawPage` to
the extraction pool's workers with the :class:`Extraction` settings (a
crawl's ``ARCHIVER_EXTRACT_*``, ``ARCHIVER_EXTRACTOR`` and ``ARCHIVER_VOTE``;
a command's options of the same names); :func:`outcome_of` turns however
the worker ended into the article or the :class:`NoArticle` its capture
row keeps.
"""

from __future__ import annotations

from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from typing import Callable

from archiver.extract import DEFAULT_EXTRACTOR, NoArticle
from archiver.extract.pipeline import MAX_BYTES
from archiver.runtime.pool import CallStopped, Limits, WorkerDied


@dataclass(frozen=True)
class Extraction:
    """How pages are extracted: worker processes (None: one per core; 0: a thread), each page's limits, the
    extractor's dotted path, whether the others vote, and the bytes of a page read at most."""

    workers: int | None = None
    limits: Limits = Limits()
    extractor: str = DEFAULT_EXTRACTOR
    vote: bool = True
    max_bytes: int = MAX_BYTES


@dataclass(frozen=True)
class RawPage:
    """A page to extract: its URL, its body (its first part when ``cut_from``, its whole size, is set) and type."""

    url: str
    body: bytes
    content_type: str | None
    cut_from: int | None = None


class Stopped(NoArticle):
    """No article because the pool stopped the extraction: past its time or memory, or its worker crashed twice."""

    def __init__(self, cause: CallStopped):
        super().__init__(f"extraction {cause}")
        self.cause = cause


def outcome_of(job: Future, outcome: Future, report: Callable[[str, BaseException], None]) -> None:
    """Settle ``outcome`` with the article of a finished extraction ``job``, or the NoArticle saying why not.

    A crashed worker and any other exception (a parser's bug) are reported,
    kind ``extraction``: logged the first time with the traceback, counted.
    """
    try:
        article = job.result()
    except CancelledError:  # the archive closing
        outcome.cancel()
    except NoArticle as exc:
        outcome.set_result(exc)
    except CallStopped as exc:
        if isinstance(exc, WorkerDied):  # out of memory for the system, a crash in lxml: its pool was replaced
            report("extraction", exc)
        outcome.set_result(Stopped(exc))
    except Exception as exc:  # a bug in a parser must not stop the crawl or the command
        report("extraction", exc)
        outcome.set_result(NoArticle(f"extraction failed: {type(exc).__name__}: {exc}"))
    else:
        outcome.set_result(article)
