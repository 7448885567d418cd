"""Site chrome memory: text blocks that many pages of one site share are furniture.

A newsletter box, a contact block, a comment prompt or a copyright line that
the extractor keeps appears, word for word, on page after page of the same
site; an article's own paragraphs do not.  Each extracted line is a block;
the archive counts, per site, on how many distinct pages each block appears
(``site_blocks``), and a block seen on ``ARCHIVER_CHROME_PAGES`` pages or more
is dropped from ``articles.text``, never from the WARC records.  This module
names blocks; the counting is SQL, in storage, and the dropping is
:meth:`archiver.extract.pipeline.Article.without_blocks`.
"""

from __future__ import annotations

import hashlib


def block_key(line: str) -> str:
    """A block's identity: its text with case and white space folded, hashed."""
    return hashlib.sha1(" ".join(line.lower().split()).encode("utf-8")).hexdigest()[:20]


def blocks(text: str) -> dict[str, str]:
    """The text's distinct blocks, key -> line."""
    return {block_key(line): line for line in text.splitlines() if line.strip()}

