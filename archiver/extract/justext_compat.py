"""Every patch of jusText, in one place: its paragraphs with their text and path worked out once.

jusText is pinned below its next minor release (pyproject.toml, :data:`TESTED`);
``tests/test_extraction_compat.py`` compares every patched result with
jusText's own, so an upgrade that changes what is patched fails there, by name.

| patched | why |
|---|---|
| ``justext.core.Paragraph``, ``justext.core.PathInfo`` (replaced by subclasses) | the same paragraphs, 2.8 ms a corpus page less |
| ``justext.core.define_stoplist`` (takes a frozen set as it is, :func:`frozen_stoplists`) | every language's stop words in 17 MiB instead of 33, shared by the extraction workers |

jusText (a voter, and trafilatura's last fallback) splits a page into
paragraphs, then classifies them.  Its ``Paragraph.text`` joins and
normalises the paragraph's text nodes on every read, and classifying reads
it about six times a paragraph; and each new paragraph joins the whole
element path into two strings, though most paragraphs (one at every block
element) turn out empty.  :class:`Paragraph` keeps its text until a text
node is added; :class:`PathInfo` keeps the joined path of every open
element, one step longer than its parent's.  jusText's results are the same
(every paragraph's text, path and class on the corpus pages:
``tests/test_extraction_compat.py``), at 2.8 ms a corpus page less.
"""

from __future__ import annotations

from typing import Any

import justext
import justext.core
import justext.paragraph
from justext.utils import normalize_whitespace

TESTED = "3.0"  # the minor release these patches were compared on (tests/test_extraction_compat.py)


class Paragraph(justext.paragraph.Paragraph):
    """jusText's paragraph, its text computed once for the text nodes it has."""

    def __init__(self, path: justext.core.PathInfo):
        super().__init__(path)
        self._text = ""
        self._nodes = -1  # how many text nodes _text was made of

    @property
    def text(self) -> str:
        if self._nodes != len(self.text_nodes):  # text_nodes only grows (append_text)
            self._text = normalize_whitespace("".join(self.text_nodes).strip())
            self._nodes = len(self.text_nodes)
        return self._text


class PathInfo(justext.core.PathInfo):
    """jusText's element path, with the ``dom`` and ``xpath`` strings of every open element kept."""

    def __init__(self) -> None:
        super().__init__()
        self._doms: list[str] = []
        self._xpaths: list[str] = []

    @property
    def dom(self) -> str:
        return self._doms[-1] if self._doms else ""

    @property
    def xpath(self) -> str:
        return "/" + (self._xpaths[-1] if self._xpaths else "")

    def append(self, tag_name: str) -> PathInfo:
        super().append(tag_name)
        tag, order = self._elements[-1][:2]
        self._doms.append(f"{self._doms[-1]}.{tag}" if self._doms else tag)
        self._xpaths.append(f"{self._xpaths[-1]}/{tag}[{order}]" if self._xpaths else f"{tag}[{order}]")
        return self

    def pop(self) -> PathInfo:
        super().pop()
        self._doms.pop()
        self._xpaths.pop()
        return self


def frozen_stoplists() -> frozenset[str]:
    """Every language's stop words in one set, lower-case, which jusText then takes as it is.

    trafilatura keeps them as a tuple, which jusText lower-cases into a new
    set on first use and caches beside it (``define_stoplist``): 33 MiB, and
    the tuple hashed again on every call.  Held as one set, already
    lower-case (``justext.get_stoplist`` lower-cases each list): 17 MiB, the
    same words.  Idempotent.
    """
    original = justext.core.define_stoplist
    if not getattr(original, "takes_frozen", False):
        def define_stoplist(words: Any) -> Any:
            return words if isinstance(words, frozenset) else original(words)

        define_stoplist.takes_frozen = True  # type: ignore[attr-defined]
        justext.core.define_stoplist = define_stoplist
    return frozenset(word for language in justext.get_stoplists() for word in justext.get_stoplist(language))


def install() -> None:
    """Make jusText's paragraph maker build these (it looks both names up in ``justext.core``); idempotent."""
    justext.core.Paragraph = Paragraph
    justext.core.PathInfo = PathInfo
