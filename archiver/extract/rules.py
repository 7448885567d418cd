"""Chrome rules that act around any extractor: a site's own rules, promo boxes, furniture lines.

- :class:`SiteRules` (the ``site_rules`` table) prune nodes or keep only the story's, before extraction;
- :data:`PRUNE_XPATHS`: containers that sit *inside* story bodies (promo boxes, "read full article"
  source lines) and that extractors keep;
- :data:`CHROME_LINES`: whole lines that are site furniture wherever they appear, dropped after extraction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from lxml import etree

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
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

_NS = {"re": "http://exslt.org/regular-expressions"}


@dataclass(frozen=True)
class SiteRules:
    """A site's own extraction rules (the ``site_rules`` table): XPaths to prune, XPaths of the story."""

    prune: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()


def rules_for(rules: dict[str, SiteRules], host: str) -> SiteRules | None:
    """The rules of a host, or of the nearest domain above it that has some."""
    parts = host.split(".")
    return next((rules[".".join(parts[i:])] for i in range(len(parts)) if ".".join(parts[i:]) in rules), None)


def site_rules(rows: list[dict[str, Any]]) -> tuple[dict[str, SiteRules], list[str]]:
    """Rules by site from ``site_rules`` rows, and a sentence for each XPath that does not compile."""
    found: dict[str, dict[str, list[str]]] = {}
    problems = []
    for row in rows:
        site = (row.get("site") or "").strip().lower()
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
    return {site: SiteRules(tuple(r["prune"]), tuple(r["keep"])) for site, r in found.items()}, problems


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


def clean_text(text: str) -> str:
    """Drop chrome lines and blank runs from extracted text, in Unicode NFC (as trafilatura's own output)."""
    lines = [line.strip() for line in unicodedata.normalize("NFC", text).splitlines()]
    return "\n".join(line for line in lines if line and not CHROME_LINES.match(line))
