"""trafilatura's XPath expressions with their regular-expression tests guarded, for the same answers sooner.

trafilatura finds chrome, comments, bylines and content blocks with XPath
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
from re import _constants as sre  # type: ignore[attr-defined]  # the parse tree's opcodes
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from lxml import etree

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
