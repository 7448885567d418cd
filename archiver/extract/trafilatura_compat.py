"""Every patch and private use of trafilatura, in one place.

trafilatura is pinned below its next minor release (pyproject.toml,
:data:`TESTED`); ``tests/test_extraction_compat.py`` compares each patched
result with trafilatura's own on the shared corpus, so an upgrade that moves
or changes one fails there, by name.

| patched or used | why |
|---|---|
| the ``etree.XPath`` objects in ``trafilatura.*`` modules (replaced in place by :func:`install`) | their ``re:test`` behind guards: the same answers, 3.4 ms a corpus page less |
| ``trafilatura.external.try_readability`` (wrapped during one extraction, :func:`readability_kept`) | readability's pass kept for the vote instead of run twice |
| ``trafilatura.external.try_readability``, ``justext_rescue`` and ``trafilatura.settings.Extractor`` (:func:`readability`, :func:`justext_body`) | the vote's readability and jusText, with trafilatura's cleaning |
| ``trafilatura.external.JT_STOPLIST`` (set by :func:`use_stoplist`) | the stop words of pages that declare no language, one shared set |
| ``trafilatura.metadata``'s steps (:func:`metadata`) | ``extract_metadata`` without the searches whose answer the archive does not use |

**The guards.** trafilatura finds chrome, comments, bylines and content blocks with XPath
expressions that test ``@class`` and ``@id`` against regular expressions
(EXSLT's ``re:test``).  lxml answers each such test by calling Python's
``re`` from C, about 1.6 µs a call, for every element the expression
visits: about 3.4 ms of trafilatura's CPU a corpus page.  Each test here gets
a guard in XPath itself, which libxml2 evaluates without calling Python,
and which is false only where the test is false too:

- ``@class and re:test(@class, P)``, when ``P`` cannot match an empty
  string (an element without the attribute gives the test an empty string);
- ``contains(@class, 'author') and re:test(@class, 'author-?name')`` when
  every match of ``P`` contains one of at most :data:`MAX_LITERALS` literal
  strings (read from Python's own parse of ``P``), the test is
  case-sensitive, and its argument is one attribute (``contains`` reads the
  first of a union in document order, which ``re:test`` need not).

More literals than that cost more in ``contains`` calls than the test
they spare.  :func:`install` puts the guarded expressions where trafilatura
holds its own (its module-level lists, changed in place, and single
expressions); the answers are the same on all 945 corpus pages.
"""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager
from re import _constants as sre  # type: ignore[attr-defined]  # the parse tree's opcodes
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, Callable, Iterator

from htmldate import find_date
from lxml import etree
from trafilatura import external
from trafilatura.metadata import (
    META_URL, Document, examine_meta, extract_author, extract_meta_json, extract_sitename, extract_title, extract_url,
    set_date_params,
)

TESTED = "2.3"  # the minor release these patches were compared on (tests/test_extraction_compat.py)

REGEXP_NS = "http://exslt.org/regular-expressions"
MAX_LITERALS = 4
# re:test(ARG, 'PATTERN'[, 'FLAGS']) with ARG one attribute or a union of them (XPath literals hold no quote of their own)
_TEST = re.compile(r"re:test\(\s*(@[\w-]+(?:\s*\|\s*@[\w-]+)*)\s*,\s*'([^']*)'\s*(?:,\s*'([^']*)'\s*)?\)")
GUARDED: dict[str, str] = {}  # what install() replaced: each original expression and its guarded one
_installed = False


def _required(items: Any) -> set[str] | None:
    """Literal strings one of which every match of a parsed sequence contains (the most selective found), or None."""
    found: list[set[str]] = []
    run = ""
    for op, value in items:
        if op is sre.LITERAL:
            run += chr(value)
            continue
        if run:
            found.append({run})
            run = ""
        if op is sre.SUBPATTERN and not value[1] & re.IGNORECASE:  # (group, added flags, removed flags, items)
            found.append(_required(value[3]) or set())
        elif op is sre.BRANCH:
            branches = [_required(branch) for branch in value[1]]
            found.append(set().union(*branches) if all(branches) else set())  # type: ignore[arg-type]
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and value[0] >= 1:  # (min, max, items)
            found.append(_required(value[2]) or set())
    if run:
        found.append({run})
    found = [{literal for literal in literals if not any(other != literal and other in literal for other in literals)}
             for literals in found if literals]  # "author" in a set spares testing "authorName"
    # a set within MAX_LITERALS (each literal is a contains() call) first, then the one whose shortest is longest
    return max(found, key=lambda literals: (len(literals) <= MAX_LITERALS, min(map(len, literals))), default=None)


def literals(pattern: str) -> set[str] | None:
    """Literal strings one of which every match of a case-sensitive ``pattern`` contains, or None."""
    parsed = sre_parse.parse(pattern)
    if parsed.state.flags & re.IGNORECASE:
        return None
    return _required(parsed)


def _guard(test: re.Match[str]) -> str:
    argument, pattern, flags = test[1], test[2], test[3] or ""
    attributes = [name.strip() for name in argument.split("|")]
    ignore_case = "i" in flags
    try:
        if re.search(pattern, "", re.IGNORECASE if ignore_case else 0):
            return test[0]  # an element without the attribute may pass: no guard
        found = None if ignore_case or len(attributes) > 1 else literals(pattern)
    except re.error:
        return test[0]  # lxml will say what is wrong with it, as before
    if found and len(found) <= MAX_LITERALS and not any("'" in literal for literal in found):
        guard = " or ".join(f"contains({argument}, '{literal}')" for literal in sorted(found))
    else:
        guard = " or ".join(attributes)
    return f"(({guard}) and {test[0]})"


def guarded(path: str) -> str:
    """An XPath expression with each ``re:test`` on attributes behind a guard that libxml2 evaluates itself."""
    return _TEST.sub(_guard, path)


def install() -> int:
    """Replace trafilatura's expressions that test regular expressions by guarded ones (:data:`GUARDED`); return how many.

    Call it after importing trafilatura (its modules hold the expressions);
    calling it again changes nothing.
    """
    global _installed
    if _installed:
        return 0
    modules = [module for name, module in list(sys.modules.items())
               if module is not None and (name == "trafilatura" or name.startswith("trafilatura."))]
    faster: dict[int, etree.XPath] = {}
    for module in modules:
        for value in list(vars(module).values()):
            for expression in value if isinstance(value, list) else [value]:
                if isinstance(expression, etree.XPath) and id(expression) not in faster:
                    path = guarded(expression.path)
                    if path != expression.path:
                        faster[id(expression)] = etree.XPath(path, namespaces={"re": REGEXP_NS})
                        GUARDED[expression.path] = path
    for module in modules:
        for name, value in list(vars(module).items()):
            if isinstance(value, list) and any(id(expression) in faster for expression in value):
                value[:] = [faster.get(id(expression), expression) for expression in value]  # shared by importers
            elif id(value) in faster:
                setattr(module, name, faster[id(value)])
    _installed = True
    return len(faster)


def use_stoplist(words: frozenset[str]) -> None:
    """The stop words trafilatura's jusText pass uses for a page that declares no language."""
    external.JT_STOPLIST = words


def readability(tree: Any) -> Any:
    """readability's main content (the copy vendored in trafilatura) of ``tree``, which it changes."""
    return external.try_readability(tree)


def justext_body(tree: Any, url: str | None, language: str | None) -> Any:
    """jusText's non-boilerplate paragraphs of ``tree`` (which it changes), as trafilatura's fallback cleans and finds them."""
    from trafilatura.settings import Extractor

    body, _ = external.justext_rescue(tree, Extractor(url=url, lang=language))
    return body


@contextmanager
def readability_kept(lines: Callable[[Any], list[str]]) -> Iterator[list[list[str]]]:
    """Keep ``lines`` of readability's pass inside ``bare_extraction`` (its fallback), for the vote.

    trafilatura runs its copy of readability on every page, on the tree it
    was given less comment sections; the vote would otherwise run it again
    on the whole tree (2.9 ms a corpus page, with every corpus text the same
    either way).  Its result is read at once: trafilatura may go on to
    change it.
    """
    kept: list[list[str]] = []
    original = external.try_readability

    def keeping(tree: Any) -> Any:
        result = original(tree)
        if not kept:
            kept.append(lines(result))
        return result

    external.try_readability = keeping  # compare_extraction looks it up in trafilatura.external
    try:
        yield kept
    finally:
        external.try_readability = original


def metadata(tree: Any, url: str | None, known: frozenset[str] = frozenset()) -> Document:
    """trafilatura's metadata of the page, without searching for the fields in ``known``.

    The steps of ``trafilatura.metadata.extract_metadata`` (2.x), in its
    order, for title, author, date, site name and description; its last step
    (whitespace and entities) is the pipeline's ``plain``.  The date
    (htmldate's extensive search) and the author (a search on a copy of the
    whole tree) are skipped when the page's structured data gives them, and
    categories, tags and licence, which the archive does not keep, always:
    those steps were about a third of trafilatura's CPU per page.
    """
    found = examine_meta(tree)
    if found.author and " " not in found.author:  # a handle, not a name (as trafilatura does)
        found.author = None
    try:
        found = extract_meta_json(tree, found)
    except Exception:  # noqa: BLE001 - trafilatura, too, goes on without the JSON-LD (its bugs)
        pass
    found.title = found.title or extract_title(tree)
    if "author" not in known and not found.author:
        found.author = extract_author(tree)
    found.url = found.url or extract_url(tree, url)
    if "date" not in known:
        found.date = find_date(tree, **{**set_date_params(True), "url": found.url})
    found.sitename = found.sitename or extract_sitename(tree)
    if found.sitename:
        found.sitename = found.sitename.lstrip("@")
        if found.sitename and "." not in found.sitename and not found.sitename[0].isupper():
            found.sitename = found.sitename.title()
    elif found.url and (match := META_URL.match(found.url)):
        found.sitename = match[1]
    return found
