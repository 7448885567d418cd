"""Clean text and metadata from an HTML page: the stages around the extractor.

Knows nothing of Scrapy or SQLite: :func:`extract_article` takes HTML text,
its URL, the site's rules and the extractor's dotted path, and returns an
:class:`~archiver.extract.article.Article`, so it runs in a worker process.
The stages, the same whatever the extractor:

1. parse once for the page-level reads: structured metadata
   (:mod:`~archiver.extract.structured`), language, link texts;
2. the site's own :class:`~archiver.extract.rules.SiteRules` and the promo
   rules prune a fresh tree that the extractor (``ARCHIVER_EXTRACTOR``,
   trafilatura by default) reads;
3. chrome lines leave the text; structured data wins over the extractor's
   metadata field by field;
4. flags (:mod:`~archiver.extract.flags`), blocks for the site chrome memory
   and the signature for copies and stories.

The site chrome memory acts later, in the archive writer, where the
site's history is.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from lxml import etree
from lxml import html as lxml_html
from trafilatura.utils import repair_faulty_html

from ..core.codings import not_text
from ..core.dates import iso_utc
from ..core.similarity import signature
from ..core.words import count as count_words
from .article import Article, NoArticle
from .backend import DEFAULT_EXTRACTOR, Page, load_extractor
from .blocks import blocks
from .flags import interstitial, link_share, link_texts
from .rules import SiteRules, apply_rules, clean_text, prune_chrome
from .structured import clean_title, structured_metadata

_PARSER = lxml_html.HTMLParser(
    encoding="utf-8", huge_tree=True, remove_comments=True, remove_pis=True, collect_ids=False
)


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


def parse_html(html: str) -> Any:
    """An lxml tree of the page, or :class:`NoArticle` when it cannot be parsed."""
    try:
        # trafilatura's own repairs first (a doctype line libxml2 mis-parses, control
        # characters); then bytes with the parser's encoding, so that an XHTML page's
        # <?xml encoding=...?> is no obstacle, and huge_tree keeps large text nodes whole
        repaired = repair_faulty_html(html, html[:50].lower())
        return lxml_html.document_fromstring(repaired.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except (ValueError, etree.ParserError) as exc:
        raise NoArticle(f"HTML could not be parsed: {exc}") from None


def _pruned_tree(html: str, rules: SiteRules | None) -> Any:
    tree = parse_html(html)
    if rules is not None:
        apply_rules(tree, rules)
    prune_chrome(tree)
    return tree


def extract_article(html: str, url: str, rules: SiteRules | None = None, extractor: str = DEFAULT_EXTRACTOR) -> Article:
    """Extract one page's article; raise :class:`NoArticle` when there is none."""
    if not html.strip():
        raise NoArticle("empty page")
    if (binary := not_text(html)) is not None:
        raise NoArticle(f"not text ({binary})")
    backend = load_extractor(extractor)
    tree = parse_html(html)
    structured = structured_metadata(tree, url)
    language = structured.language or _language(tree)
    links = link_texts(tree)
    found = backend.main_text(Page(html, url, lambda: _pruned_tree(html, rules)))
    described = backend.describe()
    if found is None or not found.text.strip():
        raise NoArticle(f"no main text found ({described.get('name', extractor)})")
    text = clean_text(found.text)
    if not text:
        raise NoArticle("only site chrome found")
    # structured data first, the extractor's reading of the page where it says nothing
    sitename = structured.sitename or found.sitename
    title = clean_title(structured.title or found.title, sitename, url)
    words = count_words(text)
    text_blocks = blocks(text)
    return Article(
        title=title,
        authors=structured.authors or [a.strip() for a in (found.author or "").split(";") if a.strip()],
        date=structured.date or found.date,
        sitename=sitename,
        language=language.lower().replace("_", "-") if language else None,
        description=structured.description or found.description,
        text=text,
        word_count=words,
        extractor={**described, **({"site_rules": asdict(rules)} if rules else {})},
        extracted_at=iso_utc(),
        interstitial=interstitial(title, text, words),
        link_share=link_share(text, links),
        blocks=text_blocks,
        signature=signature(text_blocks),
    )
