"""Chrome rules that act around any extractor: a site's own rules, promo boxes, furniture lines.

- :class:`SiteRules` (the ``site_rules`` table) prune nodes or keep only the story's, before extraction;
- :data:`PRUNE_XPATHS`: containers that sit *inside* story bodies (promo boxes, "read full article"
  source lines) and that extractors keep;
- :data:`CHROME_LINES`: whole lines that are site furniture wherever they appear, dropped after extraction;
- :data:`PROMPT_LINES` and :data:`COPYRIGHT_LINES`: short lines that begin with a "read also" prompt or
  carry a copyright notice, dropped after extraction (``bench/voting.py`` measured them on the corpus).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from lxml import etree

from archiver.values.values import parse_render
from archiver.text.words import count as count_words

PRUNE_XPATHS: tuple[str, ...] = (
    # promotional boxes embedded in the story body: class or id "promo",
    # "promo-box", "inline-promo"... (a whole word, so Drupal's
    # "node-promoted" articles stay)
    "//*[self::div or self::aside or self::section]"
    "[contains(translate(concat(@class, ' ', @id), 'PROMO', 'promo'), 'promo')]"  # cheap test first
    "[re:test(concat(@class, ' ', @id), '(^|[\\s_-])promo([\\s_-]|$)', 'i')]",
    # "Source: Read Full Article" attribution lines of aggregators
    "//p[a[re:test(normalize-space(.), '^read (the )?(full|original|more) (article|story)', 'i')]]",
)

CHROME_LINES = re.compile(
    r"""^(
        (source:\s*)?read\ (the\ )?(full|original)\ (article|story)\.?
      | leave\ a\ (reply|comment)
      | (cancel\ reply)
      | your\ email\ address\ will\ not\ be\ published\.?(\ required\ fields\ are\ marked\ \*)?
      | please\ enter\ your\ (comment|name\ here|email\ address\ here)!?
      | you\ have\ entered\ an\ incorrect\ email\ address!?
      # a date or a time alone: 27.01.2022, 19:49, 3:59 PM, 2022-01-27
      | \d{1,2}[./]\d{1,2}[./]\d{2,4} | \d{1,2}:\d{2}(\ ?[ap]\.?m\.?)? | \d{4}-\d\d-\d\d
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# "Read more: ...", "Lesen Sie auch", "LE PUEDE INTERESAR: ...": a prompt, at most three words, then
# punctuation or the end of the line (so that "Weitere Informationen finden Sie ..." stays)
PROMPT_LINES = re.compile(
    r"""^(read\ (more|also|next) | see\ also | related(\ articles|\ stories|\ posts)? | more\ (on|about)\ this
      | lesen\ sie\ auch | auch\ interessant | mehr\ (zum\ thema|themen|dazu) | schon\ gelesen | zum\ weiterlesen
      | weitere\ (artikel|beiträge|themen|informationen|infos) | das\ (thema\ )?könnte\ (dich|sie)\ auch\ interessieren
      | (le|te)\ puede\ interesar | puedes\ ver | (lee|lea|vea|ver)\ también | mira | mire | (leia|veja)\ também
      | (à\ |a\ )?lire\ aussi | à\ voir\ aussi | leggi\ anche | czytaj\ (też|także)
    )(\s+[\w’'-]+){0,3}\s*([:?!»›|–—-]|$)""",
    re.IGNORECASE | re.VERBOSE,
)
PROMPT_MAX_WORDS = 15
COPYRIGHT_LINES = re.compile(
    r"©|\(c\)\ ?\d{4}|all rights reserved|alle rechte vorbehalten|todos los derechos reservados|tous droits réservés",
    re.IGNORECASE,
)
COPYRIGHT_MAX_WORDS = 20

_NS = {"re": "http://exslt.org/regular-expressions"}


@dataclass(frozen=True)
class SiteRules:
    """A site's own extraction rules (the ``site_rules`` table): XPaths to prune, XPaths of the story."""

    prune: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    render: str | None = None  # never, auto or always: ARCHIVER_RENDER for this site (None: the setting's)


def rules_for(rules: dict[str, SiteRules], host: str) -> SiteRules | None:
    """The rules of a host, or of the nearest domain above it that has some."""
    parts = host.split(".")
    return next((rules[".".join(parts[i:])] for i in range(len(parts)) if ".".join(parts[i:]) in rules), None)


def site_rules(rows: list[dict[str, Any]]) -> tuple[dict[str, SiteRules], list[str]]:
    """Rules by site from ``site_rules`` rows, and a sentence for each XPath (or render mode) that is not valid."""
    found: dict[str, dict[str, list[str]]] = {}
    render: dict[str, str] = {}
    problems = []
    for row in rows:
        site = (row.get("site") or "").strip().lower()
        mode = (row.get("render") or "").strip()
        if site and mode:
            try:
                render[site] = parse_render(mode)
                found.setdefault(site, {"prune": [], "keep": []})
            except ValueError:
                problems.append(f"site_rules: render {mode!r} for {site} is not never, auto or always; ignored.")
        for kind in ("prune", "keep"):
            xpath = (row.get(f"{kind}_xpath") or "").strip()
            if not site or not xpath:
                continue
            try:
                etree.XPath(xpath)
            except etree.XPathSyntaxError as exc:
                problems.append(f"site_rules: {kind}_xpath {xpath!r} for {site} is not a valid XPath ({exc}); ignored.")
                continue
            found.setdefault(site, {"prune": [], "keep": []})[kind].append(xpath)
    return {site: SiteRules(tuple(r["prune"]), tuple(r["keep"]), render.get(site))
            for site, r in found.items()}, problems


def apply_rules(tree: Any, rules: SiteRules) -> None:
    """Prune the rules' nodes; then, if keep XPaths match, keep only those nodes in the body."""
    for xpath in rules.prune:
        for node in tree.xpath(xpath):
            node.drop_tree()
    kept = [node for xpath in rules.keep for node in tree.xpath(xpath)]
    body = tree.find("body")
    if kept and body is not None:
        for node in kept:
            node.getparent().remove(node)
        for child in list(body):
            body.remove(child)
        body.extend(kept)


def prune_chrome(tree: Any) -> None:
    """Remove the :data:`PRUNE_XPATHS` nodes from a parsed page, in place.

    A node holding a third of the page's text or more is the story itself
    (``<div class="entry-content has-promo">``), never pruned.
    """
    limit = None
    for xpath in PRUNE_XPATHS:
        for node in tree.xpath(xpath, namespaces=_NS):
            if limit is None:  # measured only when something matches: most pages have no promo
                limit = len(tree.text_content()) / 3
            if len(node.text_content()) < limit:
                node.drop_tree()


def chrome_line(line: str) -> bool:
    """Is this line site furniture: a chrome line, a short prompt or a short copyright notice?"""
    if CHROME_LINES.match(line):
        return True
    if PROMPT_LINES.match(line) and count_words(line) <= PROMPT_MAX_WORDS:
        return True
    return COPYRIGHT_LINES.search(line) is not None and count_words(line) <= COPYRIGHT_MAX_WORDS


def clean_text(text: str) -> str:
    """Drop chrome lines and blank runs from extracted text, in Unicode NFC (as trafilatura's own output)."""
    lines = [line.strip() for line in unicodedata.normalize("NFC", text).splitlines()]
    return "\n".join(line for line in lines if line and not chrome_line(line))
