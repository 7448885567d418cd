"""Clean text and metadata from an HTML page: the stages around the extractor.

Knows nothing of Scrapy or SQLite: :func:`extract_article` takes HTML text,
its URL, the site's rules and the extractor's dotted path, and returns an
:class:`~archiver.extract.article.Article`, so it runs in a worker process;
:func:`extract_page` takes the page's bytes (cut by :func:`page_head`), reads
a long page without what no extractor uses (:mod:`~archiver.extract.lean`),
and decodes them there.
The stages, the same whatever the extractor:

1. parse once, and read the page-level facts before anything prunes the
   tree: structured metadata (:mod:`~archiver.extract.structured`), the
   visible ``<h1>`` and title candidates (:mod:`~archiver.extract.headline`),
   language, link texts;
2. the site's own :class:`~archiver.extract.rules.SiteRules` and the promo
   rules prune that tree; the extractor (``ARCHIVER_EXTRACTOR``, trafilatura
   by default) reads a copy of it (``Page.tree()``, copying costs a quarter
   of parsing again) or, if it changes nothing, the tree itself
   (``Page.view``: trafilatura);
3. chrome lines leave the text; with ``vote`` (``ARCHIVER_VOTE``), other
   extractors vote on its short lines and long paragraphs
   (:mod:`~archiver.extract.voting`) on the pruned tree (jusText a copy,
   Resiliparse its serialisation; readability's lines come from
   trafilatura's own pass), the cheapest first and only while the vote is
   undecided;
4. the headline by agreement of the title candidates; structured data wins
   over the extractor's metadata field by field;
5. flags (:mod:`~archiver.extract.flags`), blocks for the site chrome memory
   and the signature for copies and stories.

The site chrome memory acts later, in the archive writer, where the
site's history is.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, replace
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from archiver.formats.charsets import page_text
from archiver.formats.codings import not_text
from archiver.runtime.cpu import CpuMeter
from archiver.values.dates import iso_utc
from archiver.text.similarity import signature
from archiver.text.words import count as count_words
from archiver.extract.article import Article, NoArticle
from archiver.extract.backend import DEFAULT_EXTRACTOR, Page, load_extractor
from archiver.extract.blocks import blocks
from archiver.extract.embedded import Carried
from archiver.extract.flags import interstitial, link_share, link_texts
from archiver.extract.rules import SiteRules, apply_rules, clean_text, prune_chrome
from archiver.extract.headline import headline, meta_titles, visible_h1s
from archiver.extract.lean import SCAN_FACTOR, ascii_compatible, lean
from archiver.extract.structured import JSON_DEPTH, plain, structured_metadata
from archiver.extract.voting import RULE, voted_text


def _parser() -> lxml_html.HTMLParser:
    """lxml.html's parser, choosing its element classes in C.

    lxml.html chooses the class of each element (forms, inputs and the like
    by tag, the rest ``HtmlElement``) in a Python method, run every time a
    walk of the tree meets an element: 5 million times over the corpus's 945
    pages, about 1 ms a page.  The lookups below give the same classes
    without calling Python.
    """
    parser = lxml_html.HTMLParser(encoding="utf-8", huge_tree=True, remove_comments=True, remove_pis=True,
                                  collect_ids=False)
    lookup = etree.ElementNamespaceClassLookup(etree.ElementDefaultClassLookup(
        element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment, pi=lxml_html.HtmlProcessingInstruction,
        entity=lxml_html.HtmlEntity))
    by_tag = lookup.get_namespace(None)  # HTML elements have no namespace
    by_tag.update({"form": lxml_html.FormElement, "input": lxml_html.InputElement, "label": lxml_html.LabelElement,
                   "select": lxml_html.SelectElement, "textarea": lxml_html.TextareaElement})
    parser.set_element_class_lookup(lookup)
    return parser


_PARSER = _parser()
# ARCHIVER_EXTRACT_MAX_BYTES's default: what a worker reads of a page when not told otherwise
MAX_BYTES = 5_000_000
# the parse of last resort, for a page nested past lxml's limit (2,048 levels): tags nested deeper than this
# are dropped, their text kept
FLAT_DEPTH = 256


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


def _stopped(log: Any) -> str | None:
    """Why libxml2 stopped parsing before the end of the page (its nesting limit), if it did."""
    for error in log:
        if error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            return error.message.strip()
    return None


def parse_page(html: str) -> tuple[Any, str | None]:
    """An lxml tree of the page, and a sentence when it had to be read again flattened; :class:`NoArticle` when it cannot be parsed.

    libxml2 stops at its nesting limit and the rest of the page (the story
    after 700 nested tables) is lost: such a page is read again with tags
    nested past :data:`FLAT_DEPTH` levels dropped (:func:`~archiver.extract.lean.lean`), their text kept.
    """
    from trafilatura.utils import repair_faulty_html  # here: the crawl process imports this module, never calls this

    try:
        # trafilatura's own repairs first (a doctype line libxml2 mis-parses, control
        # characters); then bytes with the parser's encoding, so that an XHTML page's
        # <?xml encoding=...?> is no obstacle, and huge_tree keeps large text nodes whole
        repaired = repair_faulty_html(html, html[:50].lower()).encode("utf-8", "surrogatepass")
        tree = lxml_html.document_fromstring(repaired, parser=_PARSER)
        stopped = _stopped(_PARSER.error_log)
        if stopped is None:
            return tree, None
        flat = lean(repaired, len(repaired), max_depth=FLAT_DEPTH)
        tree = lxml_html.document_fromstring(flat.body, parser=_PARSER)
        again = _stopped(_PARSER.error_log)
        return tree, (f"lxml stopped ({stopped}): read again with tags nested deeper than {FLAT_DEPTH} levels "
                      f"dropped, their text kept" + (f", and it stopped again ({again})" if again else ""))
    except (ValueError, etree.ParserError) as exc:
        raise NoArticle(f"HTML could not be parsed: {exc}") from None


def parse_html(html: str) -> Any:
    """An lxml tree of the page (:func:`parse_page`), or :class:`NoArticle` when it cannot be parsed."""
    return parse_page(html)[0]


def prune(tree: Any, rules: SiteRules | None) -> Any:
    """Apply the site's rules and the promo rules to a parsed page, in place: what extractors read."""
    if rules is not None:
        apply_rules(tree, rules)
    prune_chrome(tree)
    return tree


def pruned_tree(html: str, rules: SiteRules | None) -> Any:
    """A fresh tree of the page with the site's rules and the promo rules applied."""
    return prune(parse_html(html), rules)


def extract_article(html: str, url: str, rules: SiteRules | None = None, extractor: str = DEFAULT_EXTRACTOR,
                    vote: bool = True) -> Article:
    """Extract one page's article; raise :class:`NoArticle` when there is none.

    ``vote`` (``ARCHIVER_VOTE``): other extractors vote on the extractor's text.
    """
    if not html.strip():
        raise NoArticle("empty page")
    if (binary := not_text(html)) is not None:
        raise NoArticle(f"not text ({binary})")
    meter = CpuMeter()
    backend = load_extractor(extractor)
    with meter.stage("parse"):
        tree, flattened = parse_page(html)
        structured = structured_metadata(tree)
        h1s, titles = visible_h1s(tree), meta_titles(tree)
        language = structured.language or _language(tree)
        links = link_texts(tree)
        carried = Carried.read(tree)  # before pruning and the extractor strip scripts; parsed only if needed
        # the page-level reads are done: the same tree, pruned, is what every extractor reads (or a copy of it)
        prune(tree, rules)

    def pruned() -> Any:
        with meter.stage("parse"):
            return copy.deepcopy(tree)

    known = frozenset(name for name, value in (("author", structured.authors), ("date", structured.date)) if value)
    with meter.stage("main_text"):
        found = backend.main_text(Page(html, url, pruned, known, lambda name: meter.stage(f"main_text/{name}"),
                                        view=tree))
    described = backend.describe()
    found, source = carried.main_text(found, f"no main text found ({described.get('name', extractor)})")
    vote = vote and source == "html"  # the other extractors read the markup, which lacks the data's text
    with meter.stage("vote"):
        text = clean_text(found.text)
        if vote:
            text = voted_text(tree, url, text, language, meter=meter, read=found.ballots)  # each voter reads its own copy
    if not text:
        raise carried.no_article("only site chrome found")
    with meter.stage("metadata"):
        # structured data first, the extractor's reading of the page where it says nothing
        sitename = structured.sitename or plain(found.sitename)
        title = headline([structured.title, *titles, found.title], h1s, sitename, url)
        words = count_words(text)
    with meter.stage("signature"):
        text_blocks = blocks(text)
        text_signature = signature(text_blocks)
    warnings = [flattened] if flattened else []
    if structured.too_deep:
        warnings.append(f"{structured.too_deep} JSON-LD script(s) nested deeper than {JSON_DEPTH} levels ignored")
    return Article(
        title=title,
        authors=structured.authors or [a for a in map(plain, (found.author or "").split(";")) if a],
        date=structured.date or found.date,
        sitename=sitename,
        language=language.lower().replace("_", "-") if language else None,
        description=structured.description or plain(found.description),
        text=text,
        word_count=words,
        extractor={**described, **({"site_rules": asdict(rules)} if rules else {}),
                   "vote": asdict(RULE) if vote else False, **({"warnings": warnings} if warnings else {})},
        extracted_at=iso_utc(),
        interstitial=interstitial(title, text, words),
        link_share=link_share(text, links),
        blocks=text_blocks,
        signature=text_signature,
        cpu=dict(meter.seconds),
        source=source,
        shell=carried.shell,
    )


def page_head(body: bytes, max_bytes: int) -> tuple[bytes, int | None]:
    """What an extraction worker gets of a body, and its size if cut: its first :data:`~archiver.extract.lean.SCAN_FACTOR`
    times ``max_bytes`` (``ARCHIVER_EXTRACT_MAX_BYTES``), of which :func:`extract_page` reads ``max_bytes`` at most."""
    scan = SCAN_FACTOR * max_bytes
    return (body[:scan], len(body)) if len(body) > scan else (body, None)


def extract_page(body: bytes, content_type: str | None, url: str, rules: SiteRules | None = None,
                 extractor: str = DEFAULT_EXTRACTOR, vote: bool = True, whole: int | None = None,
                 max_bytes: int = MAX_BYTES) -> Article:
    """:func:`extract_article` on a page's bytes, decoded by :func:`~archiver.formats.charsets.page_text`.

    A body longer than ``max_bytes`` (``ARCHIVER_EXTRACT_MAX_BYTES``) is
    read without what no extractor uses (:func:`~archiver.extract.lean.lean`:
    inline data URIs, script and style bodies, comments, oversized
    attributes) up to ``max_bytes``; a page in UTF-16 or UTF-32 is cut there.
    ``whole`` is the body's size when ``body`` is only its first part
    (:func:`page_head`).  The article's ``extractor`` says what was read
    (``input``) and dropped (``dropped``, bytes by kind).
    """
    size, read, dropped = whole or len(body), len(body), {}
    if len(body) > max_bytes:
        if ascii_compatible(body, content_type):
            slim = lean(body, max_bytes)
            body, read, dropped = slim.body, slim.read, slim.note()
        else:
            body, read = body[:max_bytes], max_bytes
    try:
        article = extract_article(page_text(body, content_type), url, rules, extractor, vote)
    except NoArticle as exc:
        if read < size:
            raise NoArticle(f"{exc} (in the first {read:,} bytes of {size:,})") from None
        raise
    said = {**({"input": f"the first {read:,} bytes of {size:,}"} if read < size else {}),
            **({"dropped": dropped} if dropped else {})}
    return replace(article, extractor={**article.extractor, **said}) if said else article
