"""What the extraction workers' fork server loads before it forks them (``archiver/runtime/pool.py``).

Extraction loads modules and tables lazily on a worker's first pages: the
voters (readability, jusText and its stop lists, Resiliparse), htmldate and
dateparser.  Loaded here once, in the fork server, every worker starts with
them, sharing their memory pages with the others (copy-on-write) instead
of each loading its own copy (about 30 MiB).
"""

from __future__ import annotations

import gc
import os

import dateparser  # noqa: F401 - htmldate's fallback for dates in running text
import htmldate.extractors
import resiliparse.extract.html2text  # noqa: F401
import resiliparse.parse.html  # noqa: F401
import trafilatura.metadata  # noqa: F401

from archiver.runtime.pool import exit_with
from archiver.extract import justext_compat, trafilatura_compat
from archiver.extract.pipeline import extract_article

_PAGE = """<html lang="en"><head><title>Council approves the budget</title>
<meta property="article:published_time" content="2026-11-28T09:00:00Z"></head><body><article>
<h1>Council approves the budget</h1><p>The council met on Tuesday and voted on next year's budget after a long
debate about the new swimming pool, the roads and the library that the town has wanted for years.</p>
<p>Share</p></article></body></html>"""

exit_with(os.getppid())  # the fork server outlives no crawl (its parent), even one killed with -9
# Every language's stop words, for pages that declare none, held once as a set (17 MiB instead of 33).
trafilatura_compat.use_stoplist(justext_compat.frozen_stoplists())
extract_article(_PAGE, "https://example.org/budget")  # the code paths a page takes, and their caches
# htmldate's last resort, dateparser, tries every locale on a date it cannot place, compiling each one's
# expressions (about 40 MiB): once here, for all workers, rather than in each one as pages ask
htmldate.extractors.get_external_parser().get_date_data("zzz 2021")
# Python's collector writes to every object it visits, which would copy each shared page into the worker
# that touched it: what is loaded so far stays out of its reach (the use gc.freeze's documentation names)
gc.freeze()
