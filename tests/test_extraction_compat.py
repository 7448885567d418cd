"""Every patch of trafilatura and jusText, and the faster paths through lxml, give the libraries' own answers.

The fences are :mod:`archiver.extract.trafilatura_compat` and
:mod:`archiver.extract.justext_compat`, each library pinned below its next
minor release: trafilatura's XPath expressions test regular expressions
behind guards; readability's pass is kept for the vote; the metadata is
trafilatura's search without the steps the archive does not use; jusText's
paragraphs keep their text and path, and its stop words are one shared set.
The parser chooses lxml.html's element classes in C (``pipeline._parser``),
and trafilatura reads the pipeline's tree without a copy of its own
(``Page.view``).  Each is compared here with the library's own way, on
crafted markup and on corpus pages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from archiver.formats.charsets import page_text
from archiver.extract import justext_compat, parse_html, trafilatura_backend  # noqa: F401 - importing it installs the guards
from archiver.extract.structured import plain
from archiver.extract.trafilatura_compat import GUARDED, REGEXP_NS, guarded, literals

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


def test_the_libraries_are_the_minor_releases_the_patches_were_compared_on() -> None:
    """An upgrade past the pin in pyproject.toml must come with this file passing again, and TESTED moved."""
    import importlib.metadata

    from archiver.extract import trafilatura_compat

    assert importlib.metadata.version("trafilatura").startswith(trafilatura_compat.TESTED + ".")
    assert importlib.metadata.version("justext").startswith(justext_compat.TESTED + ".")


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


def _justext_compat(tree: object) -> list[tuple[str, str, str, str]]:
    from justext.core import ParagraphMaker, classify_paragraphs, revise_paragraph_classification
    from trafilatura.external import JT_STOPLIST, jt_stoplist_init

    paragraphs = ParagraphMaker.make_paragraphs(tree)
    classify_paragraphs(paragraphs, JT_STOPLIST or jt_stoplist_init(), 50, 150, 0.1, 0.2, 0.25, True)
    revise_paragraph_classification(paragraphs, 150)
    return [(p.text, p.dom_path, p.xpath, p.class_type) for p in paragraphs]


def test_justext_finds_the_same_paragraphs_with_its_text_and_path_kept() -> None:
    import justext.core
    import justext.paragraph

    pages = sorted(CORPUS.glob("*.html"))[5::40]
    assert len(pages) >= 20
    try:
        for page in pages:
            html = page_text(page.read_bytes(), "text/html")
            justext.core.Paragraph, justext.core.PathInfo = justext.paragraph.Paragraph, justext_compat.PathInfo.__base__
            theirs = _justext_compat(parse_html(html))
            justext_compat.install()
            ours = _justext_compat(parse_html(html))
            assert ours == theirs, page.name
            assert sum(cls == "good" for *_, cls in ours) >= 1, page.name
    finally:
        justext_compat.install()


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


@pytest.mark.slow
def test_metadata_without_the_unused_steps_is_trafilaturas_own_on_corpus_pages() -> None:
    """Every field the archive keeps, as the pipeline keeps it (``plain``), equals ``extract_metadata``'s."""
    from trafilatura.metadata import extract_metadata

    from archiver.extract.trafilatura_compat import metadata

    pages = sorted(CORPUS.glob("*.html"))[2::5]
    assert len(pages) >= 180
    for page in pages:
        html = page_text(page.read_bytes(), "text/html")
        url = f"https://example.org/{page.stem}"
        ours, theirs = metadata(parse_html(html), url), extract_metadata(parse_html(html), url)
        for field in ("title", "author", "date", "sitename", "description", "url"):
            assert plain(getattr(ours, field)) == plain(getattr(theirs, field)), (page.name, field)


def test_readability_kept_for_the_vote_changes_nothing_trafilatura_finds() -> None:
    import trafilatura

    from archiver.extract.trafilatura_compat import readability_kept
    from archiver.extract.voting import element_lines

    kept_some = 0
    for page in sorted(CORPUS.glob("*.html"))[3::60]:
        html = page_text(page.read_bytes(), "text/html")
        plain_run = trafilatura.bare_extraction(parse_html(html), with_metadata=False, **trafilatura_backend.OPTIONS)
        with readability_kept(element_lines) as kept:
            kept_run = trafilatura.bare_extraction(parse_html(html), with_metadata=False, **trafilatura_backend.OPTIONS)
        assert (kept_run and kept_run.text) == (plain_run and plain_run.text), page.name
        kept_some += bool(kept and kept[0])
    assert kept_some >= 10
    from trafilatura import external

    assert external.try_readability.__name__ == "try_readability"  # put back after each extraction


def test_the_shared_stop_words_are_those_jusText_would_make_of_trafilaturas() -> None:
    import justext.core
    from trafilatura.external import jt_stoplist_init

    frozen = justext_compat.frozen_stoplists()
    assert frozen == frozenset(w.lower() for w in jt_stoplist_init())
    assert justext.core.define_stoplist(frozen) is frozen  # taken as it is, not copied
    assert justext.core.define_stoplist(("The", "a")) == frozenset({"the", "a"})
