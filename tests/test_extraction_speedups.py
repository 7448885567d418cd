"""Faster paths through lxml, trafilatura and jusText that must give the same answers as the slow ones.

The parser chooses lxml.html's element classes in C (``pipeline._parser``);
trafilatura's XPath expressions test regular expressions behind guards
(:mod:`archiver.extract.xpathguard`); jusText's paragraphs keep their text
and path (:mod:`archiver.extract.justext_paragraphs`); trafilatura reads the
pipeline's tree without a copy of its own (``Page.view``).  Each is compared
here with the library's own way, on crafted markup and on corpus pages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from archiver.core.charsets import page_text
from archiver.extract import parse_html, trafilatura_backend  # noqa: F401 - importing it installs the guards
from archiver.extract.xpathguard import GUARDED, REGEXP_NS, guarded, literals

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-pages" / "html"
MARKUP = """<html><body>
<div class="author-name">Ana</div><div id="byline" class="x">B</div><div class="AuthorName">C</div>
<span id="comments" class="author">D</span><span class="" id="">E</span><p>no attributes</p>
<div class="COOKIE-banner">F</div><div class="cookie_consent">G</div><div id="bottom" class="link">H</div>
<form class="comment-list"><input name="q" value="1"><label>l</label><select><option>o</option></select>
<textarea>t</textarea></form></body></html>"""
PATTERNS = [
    ("@class", "author-?name|AuthorName|authorName", ""), ("@class", "^[Cc]omments|author", ""),
    ("@id|@class", "comment-?list", ""), ("@id|@class", "(^|\\s)bottom|bottom(\\s|$)", ""),
    ("@class", "cookie[-_]?(?:banner|bar|consent)|notice[-_]{0,2}cookie", "i"), ("@id", "^(?:byl|comm)", ""),
    ("@class", "x*", ""),
]


def test_the_parser_gives_lxml_html_classes_without_a_python_lookup() -> None:
    ours = parse_html(MARKUP)
    theirs = lxml_html.document_fromstring(MARKUP)
    assert [(e.tag, type(e)) for e in ours.iter()] == [(e.tag, type(e)) for e in theirs.iter()]
    assert ours.find(".//form").inputs["q"].value == "1"  # FormElement's own API still works
    assert type(ours.find(".//textarea")).__name__ == "TextareaElement"


def test_literals_are_those_every_match_contains() -> None:
    assert literals("author-?name|AuthorName|authorName") == {"author", "AuthorName"}
    assert literals("^comment[s-]") == {"comment"}
    assert literals("[Aa]uthor") == {"uthor"}
    assert literals("a*|b") is None  # the first branch needs no literal
    assert literals("(?i)author") is None  # case-insensitive: not by contains()
    assert literals("x(?i:abc)y") in ({"x"}, {"y"})


@pytest.mark.parametrize("argument, pattern, flags", PATTERNS)
def test_a_guarded_test_selects_the_same_elements(argument: str, pattern: str, flags: str) -> None:
    tree = parse_html(MARKUP)
    test = f"re:test({argument}, '{pattern}'{f', {chr(39)}{flags}{chr(39)}' if flags else ''})"
    plain = etree.XPath(f"//*[{test}]", namespaces={"re": REGEXP_NS})
    fast = etree.XPath(guarded(plain.path), namespaces={"re": REGEXP_NS})
    assert fast(tree) == plain(tree)
    # a pattern that matches an empty string is left as it is; the others get a guard
    assert (guarded(plain.path) == plain.path) == bool(re.search(pattern, "", re.I if flags else 0))


def test_trafilatura_expressions_are_guarded_and_answer_as_before_on_corpus_pages() -> None:
    import trafilatura.settings

    assert len(GUARDED) >= 15
    assert trafilatura.settings.BASIC_CLEAN_XPATH.path in GUARDED.values()  # held alone, not in a list
    pairs = [(etree.XPath(original, namespaces={"re": REGEXP_NS}), etree.XPath(path, namespaces={"re": REGEXP_NS}))
             for original, path in GUARDED.items()]
    pages = sorted(CORPUS.glob("*.html"))[::40]
    assert len(pages) >= 20
    for page in pages:
        tree = parse_html(page_text(page.read_bytes(), "text/html"))
        for original, fast in pairs:
            assert fast(tree) == original(tree), (page.name, original.path[:80])


def _justext_paragraphs(tree: object) -> list[tuple[str, str, str, str]]:
    from justext.core import ParagraphMaker, classify_paragraphs, revise_paragraph_classification
    from trafilatura.external import JT_STOPLIST, jt_stoplist_init

    paragraphs = ParagraphMaker.make_paragraphs(tree)
    classify_paragraphs(paragraphs, JT_STOPLIST or jt_stoplist_init(), 50, 150, 0.1, 0.2, 0.25, True)
    revise_paragraph_classification(paragraphs, 150)
    return [(p.text, p.dom_path, p.xpath, p.class_type) for p in paragraphs]


def test_justext_finds_the_same_paragraphs_with_its_text_and_path_kept() -> None:
    import justext.core
    import justext.paragraph

    from archiver.extract import justext_paragraphs

    pages = sorted(CORPUS.glob("*.html"))[5::40]
    assert len(pages) >= 20
    try:
        for page in pages:
            html = page_text(page.read_bytes(), "text/html")
            justext.core.Paragraph, justext.core.PathInfo = justext.paragraph.Paragraph, justext_paragraphs.PathInfo.__base__
            theirs = _justext_paragraphs(parse_html(html))
            justext_paragraphs.install()
            ours = _justext_paragraphs(parse_html(html))
            assert ours == theirs, page.name
            assert sum(cls == "good" for *_, cls in ours) >= 1, page.name
    finally:
        justext_paragraphs.install()


def test_trafilatura_reads_the_shared_tree_without_changing_it() -> None:
    from archiver.extract.backend import Page
    from archiver.extract.trafilatura_backend import TrafilaturaExtractor

    for page in sorted(CORPUS.glob("*.html"))[7::60]:
        html = page_text(page.read_bytes(), "text/html")
        tree = parse_html(html)
        before = etree.tostring(tree)
        found = TrafilaturaExtractor().main_text(Page(html, "https://example.org/a", lambda: None, view=tree))
        assert found is not None and found.text, page.name
        assert etree.tostring(tree) == before, page.name  # the voters read this tree next
