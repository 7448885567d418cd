"""What extraction reads of a page too big to read whole: its bytes without what no extractor uses.

A page past ``ARCHIVER_EXTRACT_MAX_BYTES`` is not simply cut there: 20 MB
of inline image or 10 MB of JSON-LD before the story would leave extraction
nothing but them.  :func:`lean` reads the page's bytes once, front to back,
and drops what no extractor reads:

- inline ``data:`` URIs and attribute values longer than
  :data:`ATTRIBUTE_MAX` bytes (emptied: the attribute stays);
- the bodies of ``<style>`` elements and of scripts that are not JSON
  (``<script>`` and ``</script>`` stay);
- comments (the parser drops them anyway);
- JSON scripts (JSON-LD, ``application/json`` embedded data) past
  :data:`JSON_SHARE` of the limit, all of them together: each one that
  fits is kept whole, the others are emptied;

and stops when what it keeps reaches the limit.  It is a single pass: the
scanner finds its next stop with regular expressions whose every
repetition is possessive (no backtracking), jumps over what it drops with
``bytes.find``, and never goes back, so its work grows with the bytes it
reads.  With ``max_depth`` it also drops start and end tags nested deeper
than that (their text stays): the parse of last resort for a page nested
past lxml's limit (:func:`archiver.extract.pipeline.parse_page`).

It runs where extraction runs (the extraction worker processes), on the
page's bytes, before they are decoded: it reads only ASCII (``<``, tag
and attribute names, quotes), which every encoding a page can declare in
a ``<meta>`` tag keeps as it is; pages in UTF-16 or UTF-32 are cut, as
before (:func:`ascii_compatible`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from w3lib.encoding import http_content_type_encoding, read_bom

# Extraction gets at most this many times ARCHIVER_EXTRACT_MAX_BYTES of a page's bytes to read: a story
# behind 20 MB of inline images is found, and a worker holds a bounded page (40 MB at the default).
SCAN_FACTOR = 8
ATTRIBUTE_MAX = 2048  # bytes: an attribute value longer than this (a data URI, a JSON blob) is no extractor's
JSON_SHARE = 0.5  # of the limit: what JSON scripts may keep together, the rest is the page's
KINDS = ("inline data: URIs", "oversized attributes", "scripts", "styles", "comments", "JSON scripts past their share",
         "tags nested too deep")

# where the scanner stops: a comment, a start tag, an end tag (counted for depth)
_STOP = re.compile(rb"<(?:(!--)|(/)?([a-zA-Z]))")
# a start tag: its name, then pieces up to '>': '=' and a quoted value (which may hold '>'), '=', or a
# run of anything else (a quote that opens no value is a character of a name, as HTML has it)
_TAG = re.compile(rb"""([a-zA-Z][^\s/>\x00]*+)((?:=\s*+(?:"[^"]*+"|'[^']*+')|=|[^>=]++)*+)>""")
_END_TAG = re.compile(rb"[a-zA-Z][^\s/>\x00]*+[^>]*+>")
_COMMENT_END = re.compile(rb"--!?>")
# inside a tag: '=' and its value, a run of other characters, white space (each starts differently:
# a match never fails part way, so the attributes of a tag are read in one pass)
_ATTRIBUTE = re.compile(rb"""(=\s*+)("[^"]*+"|'[^']*+'|[^\s"'>]*+)|[^\s=]++|\s++""")
_DATA_URI = re.compile(rb"""=\s*+["']?\s*+data:""", re.IGNORECASE)
_TYPE = re.compile(rb"""\stype\s*+=\s*+["']?\s*+([^\s"'>;]*+)""", re.IGNORECASE)
_RAW = {b"script": re.compile(rb"</script", re.IGNORECASE), b"style": re.compile(rb"</style", re.IGNORECASE)}
# elements that never hold others: no depth of their own
_VOID = frozenset(b"area base basefont bgsound br col embed frame hr img input keygen link meta param source track "
                  b"wbr".split())
_WIDE = ("utf-16", "utf-32", "utf_16", "utf_32")


@dataclass
class Lean:
    """What extraction reads (``body``), how many bytes of the input it read, and what it dropped."""

    body: bytes
    read: int
    dropped: dict[str, int] = field(default_factory=dict)  # bytes by kind (:data:`KINDS`)

    def note(self) -> dict[str, int]:
        """The bytes dropped, by kind, for the article's ``extractor`` column."""
        return {kind: self.dropped[kind] for kind in KINDS if self.dropped.get(kind)}


def ascii_compatible(body: bytes, content_type: str | None) -> bool:
    """Whether the page's bytes can be read as ASCII: no UTF-16 or UTF-32 byte-order mark or header charset."""
    bom, _ = read_bom(body)
    declared = bom or http_content_type_encoding(content_type or "") or ""
    return not declared.lower().startswith(_WIDE)


class _Full(Exception):
    """The limit is reached: ``read`` bytes of the input were read."""

    def __init__(self, read: int):
        super().__init__(read)
        self.read = read


class _Scanner:
    """One pass over ``body``: kept pieces in ``out`` up to ``limit`` bytes, drops counted by kind."""

    def __init__(self, body: bytes, limit: int, json_budget: int, max_depth: int | None):
        self.body, self.limit, self.json_left, self.max_depth = body, limit, json_budget, max_depth
        self.out: list[bytes] = []
        self.size = 0
        self.depth = 0
        self.dropped: dict[str, int] = {}

    def keep(self, start: int, end: int, piece: bytes | None = None) -> None:
        """Keep ``body[start:end]`` (or ``piece``, what it became); raise :class:`_Full` past the limit."""
        piece = self.body[start:end] if piece is None else piece
        room = self.limit - self.size
        if len(piece) > room:
            self.out.append(piece[:room])
            self.size = self.limit
            raise _Full(start + room if end - start == len(piece) else end)
        self.out.append(piece)
        self.size += len(piece)

    def drop(self, kind: str, size: int) -> None:
        if size:
            self.dropped[kind] = self.dropped.get(kind, 0) + size

    def run(self) -> int:
        """Scan; return how many bytes of the input were read."""
        body, pos, end = self.body, 0, len(self.body)
        try:
            while pos < end:
                stop = _STOP.search(body, pos)
                if stop is None:
                    self.keep(pos, end)
                    break
                at = stop.start()
                self.keep(pos, at)
                if stop[1]:
                    pos = self.comment(stop.end())
                    self.drop("comments", pos - at)
                elif stop[2]:
                    pos = self.end_tag(stop.start(3), at)
                else:
                    pos = self.start_tag(stop.start(3), at)
        except _Full as full:
            return full.read
        return end

    def comment(self, inside: int) -> int:
        """Where a comment ends: ``<!-->``, ``<!--->``, or up to ``-->`` (or ``--!>``), else at the end."""
        for opening_end in (b">", b"->"):
            if self.body.startswith(opening_end, inside):
                return inside + len(opening_end)
        found = _COMMENT_END.search(self.body, inside)
        return found.end() if found else len(self.body)

    def rest(self, at: int) -> int:
        """A tag that never closes: the parser reads the rest of the page into it; kept as it is."""
        self.keep(at, len(self.body))
        return len(self.body)

    def end_tag(self, name_at: int, at: int) -> int:
        tag = _END_TAG.match(self.body, name_at)
        if tag is None:
            return self.rest(at)
        if self.max_depth is not None:
            self.depth = max(self.depth - 1, 0)
            if self.depth >= self.max_depth:
                self.drop("tags nested too deep", tag.end() - at)
                return tag.end()
        self.keep(at, tag.end())
        return tag.end()

    def attribute(self, match: re.Match[bytes]) -> bytes:
        """An attribute piece of a tag, its value emptied when it is a data URI or oversized."""
        value = match[2]
        if value is None:  # a name or white space
            if len(match[0]) > ATTRIBUTE_MAX:
                self.drop("oversized attributes", len(match[0]))
                return b" "
            return match[0]
        if value.strip(b"\"'").lstrip()[:5].lower() == b"data:":
            self.drop("inline data: URIs", len(value))
        elif len(value) > ATTRIBUTE_MAX:
            self.drop("oversized attributes", len(value))
        else:
            return match[0]
        return match[1] + b'""'

    def start_tag(self, name_at: int, at: int) -> int:
        """Keep a start tag (its attributes slimmed) and, for a script or style, what it may keep of its body."""
        body = self.body
        tag = _TAG.match(body, name_at)
        if tag is None:
            return self.rest(at)
        close, name, attributes = tag.end(), tag[1].lower(), tag[2]
        if len(attributes) > ATTRIBUTE_MAX or _DATA_URI.search(attributes):
            attributes = _ATTRIBUTE.sub(self.attribute, attributes)
        if self.max_depth is not None and name not in _VOID and not attributes.endswith(b"/"):
            self.depth += 1
        if self.max_depth is not None and self.depth > self.max_depth and name not in _VOID:
            self.drop("tags nested too deep", close - at)
        else:
            self.keep(at, close, b"<" + tag[1] + attributes + b">")
        if name not in _RAW:
            return close
        found = _RAW[name].search(body, close)
        stop = found.start() if found else len(body)
        json = name == b"script" and self.json(tag[2])
        if json and stop - close <= self.json_left:
            self.json_left -= stop - close
            self.keep(close, stop)
        else:
            self.drop("styles" if name == b"style" else "JSON scripts past their share" if json else "scripts",
                      stop - close)
        return stop

    @staticmethod
    def json(attributes: bytes) -> bool:
        """Whether a script's type is JSON (``application/ld+json``, ``application/json``...)."""
        kind = _TYPE.search(attributes)
        return kind is not None and kind[1].lower().endswith(b"json")


def lean(body: bytes, limit: int, max_depth: int | None = None) -> Lean:
    """``body`` without what no extractor reads, up to ``limit`` bytes (see the module's docstring)."""
    scanner = _Scanner(body, limit, int(limit * JSON_SHARE), max_depth)
    read = scanner.run()
    return Lean(b"".join(scanner.out), read, scanner.dropped)
