"""Clean text and metadata from an HTML page, with trafilatura.

This module knows nothing of Scrapy or SQLite: :func:`extract_article` takes
HTML text, its URL and the site's rules and returns plain values, so it can
run in a worker process.  Metadata comes from structured data first
(:mod:`archiver.metadata`); flags from :mod:`archiver.flags`.  These layers
strip the chrome:

1. the site's own :class:`SiteRules` (the ``site_rules`` table), pruning
   nodes or keeping only the story's;
2. :data:`PRUNE_XPATHS`: containers that sit *inside* story bodies (promo
   boxes, "read full article" source lines) and that trafilatura keeps;
3. trafilatura with the options in :data:`OPTIONS`, chosen by measurement on
   the annotated corpus (``bench/extraction.py``); comments are off, since
   with them on trafilatura appends the comment form to the article;
4. :data:`CHROME_LINES`: whole lines that are site furniture wherever they
   appear ("Leave a Reply", "Source: Read Full Article", ...);
5. after extraction, in the crawl process, the site chrome memory
   (:mod:`archiver.chrome`, :meth:`Article.without_blocks`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.utils import repair_faulty_html

from .chrome import blocks
from .codings import not_text
from .dates import iso_utc
from .flags import MOSTLY_LINKS, interstitial, link_share, link_texts
from .metadata import clean_title, display_authors, structured_metadata
from .stories import Signature, signature
from .words import count as count_words

NAME = "trafilatura"

# Chosen with bench/extraction.py; README.md has the table.  A page where
# these find fewer than RECALL_BELOW_WORDS words is read again with
# favor_recall, which finds the text of some pages the default pass misses.
RECALL_BELOW_WORDS = 50
# The site chrome memory never takes more than half of a text: more, and
# the page is a copy of one already seen.
COPY_SHARE = 0.5
OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "favor_precision": False,
    "favor_recall": False,
    "deduplicate": False,
}


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
_PARSER = lxml_html.HTMLParser(
    encoding="utf-8", huge_tree=True, remove_comments=True, remove_pis=True, collect_ids=False
)


class NoArticle(Exception):
    """The page holds no article text; the message says why."""


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


@dataclass(frozen=True)
class Article:
    """What extraction keeps of a page."""

    title: str | None
    authors: list[str]
    date: str | None  # ISO 8601, a date-time when the page gives one
    sitename: str | None
    language: str | None
    description: str | None
    text: str
    word_count: int
    extractor: dict[str, Any]
    extracted_at: str
    interstitial: str | None = None
    link_share: float = 0.0
    blocks: dict[str, str] = field(default_factory=dict)  # the text's blocks, for the site chrome memory
    # computed here, in the worker, so that the crawl process only looks signatures up
    signature: Signature = field(default_factory=Signature)  # for copies and stories

    @property
    def author(self) -> str | None:
        """The authors as one display string."""
        return display_authors(self.authors)

    def as_row(self) -> dict[str, Any]:
        """The article as an ``articles`` row (without url, capture_id and the site-relative flags)."""
        # not asdict(): it would deep-copy the blocks and the signature, which are not columns
        row = {f.name: getattr(self, f.name) for f in fields(self)
               if f.name not in ("interstitial", "link_share", "blocks", "signature")}
        row.update(
            author=self.author,
            flag_interstitial=self.interstitial,
            flag_mostly_links=int(self.link_share > MOSTLY_LINKS),
            flag_no_date=int(self.date is None),
            flag_no_title=int(self.title is None),
        )
        return row

    def without_blocks(self, chrome: set[str]) -> "Article":
        """The same article without the lines of these blocks (site chrome).

        A page made mostly of blocks seen elsewhere is a copy of another page
        (the same story at a second URL), not chrome: it keeps its text.
        """
        lines = {self.blocks[key] for key in chrome if key in self.blocks}
        text = "\n".join(line for line in self.text.splitlines() if line not in lines)
        if count_words(text) < COPY_SHARE * self.word_count:
            return self
        return replace(self, text=text, word_count=count_words(text),
                       blocks={k: v for k, v in self.blocks.items() if k not in chrome},
                       signature=self.signature.without(chrome))

    def with_hints(self, hints: dict[str, Any]) -> "Article":
        """Fill the metadata the page did not give from what its sitemap or feed entry said."""
        gaps: dict[str, Any] = {name: hints[name] for name in ("title", "date") if getattr(self, name) is None and hints.get(name)}
        if not self.authors and hints.get("author"):
            gaps["authors"] = [hints["author"]]
        return replace(self, **gaps) if gaps else self


def _language(tree: Any) -> str | None:
    for value in (
        tree.xpath("string(/html/@lang)"),
        tree.xpath("string(//meta[translate(@http-equiv, 'CONTENTLAG', 'contentlag')='content-language']/@content)"),
        tree.xpath("string(//meta[@property='og:locale']/@content)"),
    ):
        value = value.strip().replace("_", "-")
        if value:
            return value.split(",")[0].strip().lower()
    return None


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


def _parse(html: str) -> Any:
    try:
        # trafilatura's own repairs first (a doctype line libxml2 mis-parses, control
        # characters); then bytes with the parser's encoding, so that an XHTML page's
        # <?xml encoding=...?> is no obstacle, and huge_tree keeps large text nodes whole
        repaired = repair_faulty_html(html, html[:50].lower())
        return lxml_html.document_fromstring(repaired.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except (ValueError, etree.ParserError) as exc:
        raise NoArticle(f"HTML could not be parsed: {exc}") from None


def _main_text(tree: Any, url: str, rules: SiteRules | None, options: dict[str, Any]) -> Any:
    """trafilatura on the tree after the site's rules and the chrome rules have pruned it."""
    if rules is not None:
        apply_rules(tree, rules)
    prune_chrome(tree)
    return trafilatura.bare_extraction(tree, url=url, with_metadata=True, **options)


def extract_article(html: str, url: str, rules: SiteRules | None = None) -> Article:
    """Extract one page's article, applying the site's ``rules`` if any; raise :class:`NoArticle` when there is none."""
    if not html.strip():
        raise NoArticle("empty page")
    if (binary := not_text(html)) is not None:
        raise NoArticle(f"not text ({binary})")
    tree = _parse(html)
    structured = structured_metadata(tree, url)
    language = structured.language or _language(tree)
    links = link_texts(tree)
    document = _main_text(tree, url, rules, OPTIONS)
    if document is None or count_words(document.text or "") < RECALL_BELOW_WORDS:
        # little or nothing found: a second, recall-oriented pass on a fresh tree (rare, so cheap overall)
        second = _main_text(_parse(html), url, rules, {**OPTIONS, "favor_recall": True})
        if second is not None and count_words(second.text or "") > count_words((document and document.text) or ""):
            document = second
    if document is None or not (document.text or "").strip():
        raise NoArticle("no main text found (trafilatura)")
    text = clean_text(document.text)
    if not text:
        raise NoArticle("only site chrome found")
    # structured data first, trafilatura's reading of the page where it says nothing
    sitename = structured.sitename or document.sitename
    title = clean_title(structured.title or document.title, sitename, url)
    words = count_words(text)
    text_blocks = blocks(text)
    return Article(
        title=title,
        authors=structured.authors or [a.strip() for a in (document.author or "").split(";") if a.strip()],
        date=structured.date or document.date,
        sitename=sitename,
        language=language.lower().replace("_", "-") if language else None,
        description=structured.description or document.description,
        text=text,
        word_count=words,
        extractor={"name": NAME, "version": trafilatura.__version__, "options": OPTIONS,
                   **({"site_rules": asdict(rules)} if rules else {})},
        extracted_at=iso_utc(),
        interstitial=interstitial(title, text, words),
        link_share=link_share(text, links),
        blocks=text_blocks,
        signature=signature(text_blocks),
    )
