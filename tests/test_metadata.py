"""Metadata from structured data: JSON-LD and OpenGraph win, site names leave titles, dates are ISO 8601."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import html as lxml_html
from w3lib.encoding import html_to_unicode

from archiver.extract import NoArticle, extract_article, parse_html
from archiver.extract.headline import strip_affixes, visible_h1s
from archiver.extract.structured import ARTICLE_TYPES, display_authors, iso_date, json_ld_items, opengraph, plain

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-pages"


@pytest.mark.parametrize("title, sitename, url, expected", [
    ("Russia admits losses | The Independent", "The Independent", "https://www.independent.co.uk/a", "Russia admits losses"),
    ("Putin news - Daily Mail Online", "Mail Online", "https://www.dailymail.co.uk/a", "Putin news"),
    ("BBC News - Ukraine war latest", "BBC News", "https://www.bbc.co.uk/a", "Ukraine war latest"),
    ("Kyiv - Kharkiv - Odesa: the road", "Kyiv Herald", "https://kyivherald.example/a", "Kyiv - Kharkiv - Odesa: the road"),
    ("Budget vote | theguardian", None, "https://www.theguardian.com/a", "Budget vote"),
    ("No site name here", "Example", "https://example.org/a", "No site name here"),
])
def test_site_names_leave_titles(title: str, sitename: str | None, url: str, expected: str) -> None:
    assert strip_affixes(title, sitename, url) == expected


def test_authors_and_dates() -> None:
    assert display_authors(["A"]) == "A" and display_authors(["A", "B", "C"]) == "A, B and C"
    assert display_authors([]) is None
    assert iso_date("2022-04-08") == "2022-04-08"
    assert iso_date("2022-04-08T09:32:14Z") == "2022-04-08T09:32:14+00:00"
    assert iso_date("April 8") is None


def test_json_ld_wins_over_the_page_layout() -> None:
    ld = {"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "Site"}, {
        "@type": "NewsArticle", "headline": "Council approves the budget", "datePublished": "2026-11-03T07:15:00+01:00",
        "author": [{"@type": "Person", "name": "Ana Lopes"}, {"@type": "Person", "name": "Ben Ode"}],
        "publisher": {"@type": "Organization", "name": "Town Crier"}}]}
    body = "".join(f"<p>Paragraph {i}: the council met on Tuesday and voted on next year's budget at length.</p>" for i in range(8))
    html = (f"<html><head><title>Budget | Town Crier</title><script type='application/ld+json'>{json.dumps(ld)}</script>"
            f"</head><body><h1>Some other heading</h1><article>{body}</article></body></html>")
    article = extract_article(html, "https://towncrier.example/budget")
    assert article.title == "Council approves the budget"
    assert article.date == "2026-11-03T07:15:00+01:00"
    assert article.authors == ["Ana Lopes", "Ben Ode"] and article.author == "Ana Lopes and Ben Ode"
    assert article.sitename == "Town Crier"


def test_json_ld_as_sites_write_it_and_opengraph_first_non_blank_value() -> None:
    html = """<html><head>
    <script type="application/ld+json"><!-- seo plugin -->
    {"@type": "NewsArticle", "headline": "Bridge reopens", /* legacy */ "author": {"name": "Ana Lopes"},}</script>
    <script type="application/ld+json">{"broken": </script>
    <script type="application/ld+json">[{"@type": "WebSite", "name": "Town Crier"}, {}]</script>
    <meta property="og:title" content=" "><meta property="og:title" content="Bridge reopens after repairs">
    <meta property="og:title" content="A later title"><meta property="og:site_name" content="Town Crier">
    </head><body><p>Text.</p></body></html>"""
    tree = parse_html(html)
    assert json_ld_items(tree) == [
        {"@type": "NewsArticle", "headline": "Bridge reopens", "author": {"name": "Ana Lopes"}},
        {"@type": "WebSite", "name": "Town Crier"},
    ]
    assert opengraph(tree) == {"og:title": "Bridge reopens after repairs", "og:site_name": "Town Crier"}


def _json_ld_article(html: str) -> dict | None:
    """The first schema.org article object in a page's JSON-LD, read independently of the pipeline."""
    tree = lxml_html.document_fromstring(html.encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8"))
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                kinds = item.get("@type") if isinstance(item.get("@type"), list) else [item.get("@type")]
                if set(map(str, kinds)) & ARTICLE_TYPES and isinstance(item.get("headline"), str):
                    return item
                stack += item.get("@graph") or []
    return None


@pytest.mark.slow
def test_on_corpus_pages_with_json_ld_title_and_date_agree_with_it() -> None:
    annotations = json.loads((CORPUS / "annotations.json").read_text())
    checked = 0
    for name in sorted(annotations):
        raw = (CORPUS / "html" / name).read_bytes()
        if b"application/ld+json" not in raw:
            continue
        html = html_to_unicode("text/html", raw)[1]
        item = _json_ld_article(html)
        if item is None:
            continue
        try:
            article = extract_article(html, annotations[name]["url"])
        except NoArticle:
            continue
        checked += 1
        headline = plain(item["headline"])
        h1s = visible_h1s(parse_html(html))
        # the same title (entities decoded), at most without a " | Site name" piece, or the visible <h1>
        assert article.title and (article.title in headline or article.title in h1s), name
        assert article.title in (headline, *h1s) or re.fullmatch(r".*\s?(\||-|–|—|::|·|•|»|›)\s.*", headline), name
        if isinstance(item.get("datePublished"), str) and re.match(r"\d{4}-\d\d-\d\d", item["datePublished"]):
            assert article.date[:10] == item["datePublished"][:10], name
    assert checked >= 100
