"""The article a JavaScript page already carries as data, and the signs that a page is an empty shell.

An app page (Next.js, Nuxt, a Redux store, a headless CMS) often sends its
article twice: as markup its scripts build in the browser, and as the data
they build it from, in the page itself.  When extraction finds no main text,
:class:`Carried` looks in that data before anyone starts a browser:

- ``<script id="__NEXT_DATA__">``, ``<script id="__NUXT_DATA__">`` (Nuxt 3's
  flattened payload, values as indexes into one array) and any other
  ``<script type="application/json">``;
- ``window.__NUXT__ = {...}``, ``window.__INITIAL_STATE__ = {...}``,
  ``var __PRELOADED_STATE__ = JSON.parse("...")`` and the like: an assignment
  of a JSON literal (or of ``JSON.parse`` of a JSON string) at the start of a
  script;
- JSON-LD ``articleBody``.

The article body is the longest text under a body-like key (``articleBody``,
``body``, ``content``, ``text``, ``html``...): a string (an HTML fragment is
read as text, a paragraph a line) or a list of blocks (portable text, CMS
blocks) whose texts are joined.  Every walk is bounded (depth, nodes, bytes)
and iterative; no regular expression here can backtrack.  Knows nothing of
Scrapy or SQLite: it runs in the extraction worker.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from lxml import etree
from lxml import html as lxml_html

from archiver.text.words import count as count_words
from archiver.extract.article import NoArticle
from archiver.extract.backend import MainText
from archiver.extract.flags import INTERSTITIALS
from archiver.extract.rules import clean_text

MAX_SCRIPT_CHARS = 8_000_000  # a script's text parsed at most (the page itself is cut at ARCHIVER_EXTRACT_MAX_BYTES)
MAX_DEPTH = 64  # nesting followed in a document
MAX_NODES = 200_000  # values visited in all a page's documents
MIN_WORDS = 30  # a shorter text is a teaser or a label, not the article
SHELL_MAX_WORDS = 50  # the "text" of a page with shell signs, under this, is its header and spinner (flags.SHORT_WORDS)
APP_ROOT_MAX_CHARS = 200  # an app root with less text than this is empty (a spinner, "Loading...")
# normalised (lower case, no "_" or "-"): keys whose value is the article's body
BODY_KEYS = frozenset({"articlebody", "body", "bodyhtml", "bodytext", "content", "contenthtml", "contenttext",
                       "text", "html", "articlehtml", "articletext", "storybody", "story", "fulltext", "maincontent",
                       "rendered", "markdown", "richtext", "paragraphs", "blocks"})
TITLE_KEYS = ("headline", "title", "name")
# where an app renders itself: React, Next.js, Vue, Nuxt, Gatsby, Angular, Svelte
# (the elements of such id attributes: libxml2 walks the id attributes alone, where "//*[@id='root' or ...]"
# tests six predicates on every element, 1 ms a page)
APP_ROOTS = ("//@id[.='root' or .='app' or .='__next' or .='__nuxt' or .='___gatsby' or .='svelte']/.."
             "|//app-root")
# the start of a script assigning a JSON literal: "window.__STATE__ =", "var data =", "self.__X__="
_ASSIGNMENT = re.compile(r"\s*(?:(?:window|self|globalThis)\s*\.\s*|(?:var|let|const)\s+)?([A-Za-z_$][\w$]{0,100})\s*=\s*")
_JSON_PARSE = re.compile(r"JSON\.parse\(\s*")
_TAG = re.compile(r"<(?:p|div|br|h[1-6]|li|section|article|span|em|strong|a)\b", re.IGNORECASE)
_BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "figcaption", "dd", "dt")
_JAVASCRIPT = INTERSTITIALS["javascript"]
_DECODER = json.JSONDecoder(strict=False)


class EmptyShell(NoArticle):
    """No main text, and no article in the page's data: a page a browser may render (the message says why)."""


@dataclass(frozen=True)
class Found:
    """The article body found in a page's data."""

    text: str
    title: str | None
    kind: str  # where: next_data, nuxt_data, json_ld, state:__INITIAL_STATE__, json:ID...


def _key(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _json(text: str) -> Any:
    """The JSON value at the start of ``text``, or None (raw_decode: what follows it, a ";", is ignored)."""
    try:
        return _DECODER.raw_decode(text)[0]
    except (ValueError, RecursionError):  # json's C parser recurses: a page of "[[[[..." must not stop extraction
        return None


def _assigned(text: str) -> tuple[str, Any] | None:
    """``(name, value)`` when the script starts by assigning a JSON literal (or JSON.parse of a JSON string)."""
    match = _ASSIGNMENT.match(text)
    if match is None:
        return None
    rest = text[match.end():match.end() + MAX_SCRIPT_CHARS]
    parsed = _JSON_PARSE.match(rest)
    if parsed is not None:
        literal = _json(rest[parsed.end():])
        return (match.group(1), _json(literal)) if isinstance(literal, str) else None
    if rest[:1] not in ("{", "["):
        return None
    return match.group(1), _json(rest)


def _fragment_text(value: str) -> str:
    """A string as text: an HTML fragment read a block a line, plain text as it is."""
    if _TAG.search(value[:10_000]) is None:
        return clean_text(value)
    try:
        root = lxml_html.fragment_fromstring(value, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_text(value)
    for junk in root.xpath(".//script|.//style|.//noscript|.//template"):
        junk.drop_tree()
    blocks = [" ".join(node.text_content().split()) for node in root.iter(*_BLOCK_TAGS)
              if not any(parent.tag in _BLOCK_TAGS for parent in node.iterancestors())]
    return clean_text("\n".join(blocks) if blocks else root.text_content())


def _block_texts(value: Any, budget: list[int]) -> Iterator[str]:
    """The strings of a list of blocks, in order (portable text, CMS blocks): under text-like keys, or bare."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack and budget[0] > 0:
        node, depth = stack.pop()
        budget[0] -= 1
        if isinstance(node, str):
            yield node
        elif depth < MAX_DEPTH and isinstance(node, list):
            stack.extend((child, depth + 1) for child in reversed(node))
        elif depth < MAX_DEPTH and isinstance(node, dict):
            stack.extend((child, depth + 1) for key, child in reversed(node.items())
                         if isinstance(key, str) and (_key(key) in BODY_KEYS or _key(key) in ("children", "value")))


def _candidates(document: Any, budget: list[int]) -> Iterator[tuple[str, Any]]:
    """``(text, title)`` of every body-like value in a document, walked without recursion."""
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack and budget[0] > 0:
        node, depth = stack.pop()
        budget[0] -= 1
        if depth >= MAX_DEPTH:
            continue
        if isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
            continue
        if not isinstance(node, dict):
            continue
        title = next((node[k] for k in TITLE_KEYS if isinstance(node.get(k), str)), None)
        for key, child in node.items():
            if isinstance(key, str) and _key(key) in BODY_KEYS:
                if isinstance(child, str):
                    yield child, title
                elif isinstance(child, (list, dict)):
                    yield "\n".join(_block_texts(child, budget)), title
            if isinstance(child, (list, dict)):
                stack.append((child, depth + 1))


def _nuxt_payload(array: Any) -> Any:
    """Nuxt 3's ``__NUXT_DATA__`` (devalue: one array, objects' values are indexes into it) with strings in place."""
    if not isinstance(array, list):
        return array
    size = len(array)

    def at(index: Any) -> Any:
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < size:
            value = array[index]
            return value if isinstance(value, str) else None
        return None

    # one level is enough for the walk: a body key's index names its string
    return [{key: at(value) if at(value) is not None else value for key, value in item.items()}
            if isinstance(item, dict) else item for item in array[:MAX_NODES]]


@dataclass
class Carried:
    """What a page carries besides its markup, read from the parsed page before anything prunes it."""

    documents: list[tuple[str, Any]] = field(default_factory=list)  # (kind, JSON text or parsed value)
    shell: str | None = None  # why the page looks like an empty shell, if it does

    @classmethod
    def read(cls, tree: Any) -> "Carried":
        """The page's data scripts (kept as text: parsed only if extraction finds no main text) and its shell signs."""
        documents: list[tuple[str, Any]] = []
        for script in tree.iter("script"):
            if script.get("src") is not None:
                continue
            text = script.text or ""
            kind = (script.get("type") or "").strip().lower()
            ident = script.get("id") or ""
            if ident == "__NEXT_DATA__":
                documents.append(("next_data", text))
            elif ident == "__NUXT_DATA__":
                documents.append(("nuxt_data", text))
            elif kind == "application/ld+json":
                documents.append(("json_ld", text))
            elif kind == "application/json" or kind.endswith("+json"):
                documents.append((f"json:{ident[:60]}" if ident else "json", text))
            elif kind in ("", "text/javascript", "application/javascript", "module") and _ASSIGNMENT.match(text):
                documents.append(("state", text))
        return cls(documents, _shell(tree))

    def parsed(self) -> Iterator[tuple[str, Any]]:
        for kind, text in self.documents:
            if kind == "state":
                assigned = _assigned(text)
                if assigned is not None:
                    yield f"state:{assigned[0]}", assigned[1]
                continue
            value = _json(text[:MAX_SCRIPT_CHARS].lstrip())
            yield kind, _nuxt_payload(value) if kind == "nuxt_data" else value

    def main_text(self, found: MainText | None, why: str) -> tuple[MainText, str]:
        """The extractor's main text and ``html``, or the data's article and ``embedded:KIND``.

        The data is read when the extractor found nothing, or when the page
        looks like a shell (its "text" may be a spinner, a <noscript>, or
        the data itself, as trafilatura's fallback reads JSON-LD): then the
        data wins unless the extractor's text is longer.  Nothing at all raises :class:`EmptyShell`.
        """
        empty = found is None or not found.text.strip()
        if found is not None and not empty and self.shell is None:
            return found, "html"
        embedded = self.article(0 if found is None or empty else count_words(found.text) - 1)
        if embedded is not None:
            return MainText(embedded.text, title=embedded.title), f"embedded:{embedded.kind}"
        if found is None or empty:
            raise self.no_article(why)
        return found, "html"

    def article(self, more_than: int = 0) -> Found | None:
        """The longest article body in the page's data (of :data:`MIN_WORDS` words and more than ``more_than``)."""
        budget = [MAX_NODES]
        best: Found | None = None
        best_words = max(MIN_WORDS - 1, more_than)
        for kind, document in self.parsed():
            for raw, title in _candidates(document, budget):
                if count_words(raw) <= best_words:  # markup only adds words: a shorter raw value cannot win
                    continue
                text = _fragment_text(raw)
                words = count_words(text)
                if words > best_words:
                    best, best_words = Found(text, title.strip() if title else None, kind), words
            if budget[0] <= 0:
                break
        return best

    def no_article(self, reason: str) -> EmptyShell:
        """The exception for a page without main text, with the shell's signs if any."""
        return EmptyShell(f"{reason}; {self.shell}" if self.shell else reason)


def _shell(tree: Any) -> str | None:
    """Why the page looks like an app shell: an app root with almost no text, or a <noscript> asking for JavaScript."""
    for root in tree.xpath(APP_ROOTS):
        if len(" ".join(root.text_content().split())) < APP_ROOT_MAX_CHARS:
            return f"empty app root <{root.tag} id={root.get('id') or ''}>"
    for noscript in tree.iter("noscript"):
        said = " ".join(noscript.text_content().split()).lower()[:1000]
        if any(phrase in said for phrase in _JAVASCRIPT):
            return "a <noscript> asks for JavaScript"
    return None
