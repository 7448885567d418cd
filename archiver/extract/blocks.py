"""Site chrome memory: text blocks that one site shows on pages of different stories are furniture.

A newsletter box, a contact block, a comment prompt or a copyright line that
the extractor keeps appears, word for word, on page after page of the same
site, whatever their story; an article's own paragraphs do not, and a line
that pages of one story share (a quote, a wire paragraph) is the story's.
Each extracted line is a block; the archive keeps, per site, on which pages
each block appears (``site_block_pages``), and a block seen on pages of
``ARCHIVER_CHROME_PAGES`` (:data:`CHROME_STORIES`) different stories is
dropped from ``articles.text``, never from the WARC records; so is a block
on that many pages of a site whose stories other sites wrote up, none of
them with it (a promo on every page of a site whose pages all cover one
story).  A line that several sites' write-ups of a story share stays.  This module
names blocks; the counting is SQL, in storage, and the dropping is
:meth:`archiver.extract.article.Article.without_blocks`.
"""

from __future__ import annotations

import hashlib

# A block a site shows on pages of this many different stories is chrome: the
# default of ARCHIVER_CHROME_PAGES (bench/chrome_memory.py measures 2 and 3).
CHROME_STORIES = 2


def block_key(line: str) -> str:
    """A block's identity: its text with case and white space folded, hashed."""
    return hashlib.sha1(" ".join(line.lower().split()).encode("utf-8")).hexdigest()[:20]


def blocks(text: str) -> dict[str, str]:
    """The text's distinct blocks, key -> line."""
    return {block_key(line): line for line in text.splitlines() if line.strip()}

