"""Per-site rules as data (the site_rules table): XPaths to prune or keep, at crawl time and by reextract."""

from __future__ import annotations

from pathlib import Path

import pytest

from chromesite import TEMPLATES, ChromeSite, paragraphs, path, render
from conftest import reextract, run_crawl, texts

from archiver.extract import SiteRules, extract_article, site_rules

SIGN_UP = TEMPLATES["herald"][0]
NO_MEMORY = {"ARCHIVER_CHROME_PAGES": "0"}  # the rule alone, without the chrome memory


@pytest.mark.crawl
def test_a_prune_rule_removes_a_block_stock_extraction_keeps(tmp_path: Path, chrome_site: ChromeSite) -> None:
    first, second = chrome_site.url(path("herald", 0)), chrome_site.url(path("herald", 1))
    crawl = run_crawl(tmp_path, "article", {"url": first}, NO_MEMORY)
    assert SIGN_UP in texts(crawl, chrome_site)[("herald", 0)]  # stock extraction keeps it
    crawl.db["site_rules"].insert({"site": "127.0.0.1", "prune_xpath": "//p[starts-with(normalize-space(.), 'Sign up for')]",
                                   "note": "newsletter box inside the story"})
    crawl = run_crawl(tmp_path, "article", {"url": second}, NO_MEMORY)
    after = texts(crawl, chrome_site)
    assert SIGN_UP not in after[("herald", 1)]  # applied at crawl time
    assert all(p in after[("herald", 1)] for p in paragraphs("herald", 1))
    assert '"site_rules"' in next(crawl.db.query("select extractor from articles where url = ?", [second]))["extractor"]
    reextract(crawl, "--chrome-pages", "0")
    assert SIGN_UP not in texts(crawl, chrome_site)[("herald", 0)]  # and by reextract


def test_a_keep_rule_keeps_only_the_story() -> None:
    html = render("canindia", 2).decode()
    stock = extract_article(html, "https://canindia.example/a").text
    assert TEMPLATES["canindia"][0] in stock
    rules = SiteRules(keep=("//div[@class='entry-content']/p[position() <= 6]",))
    kept = extract_article(html, "https://canindia.example/a", rules=rules).text
    assert not any(line in kept for line in TEMPLATES["canindia"])
    assert all(p in kept for p in paragraphs("canindia", 2))


def test_rules_are_read_by_site_and_bad_xpaths_are_reported() -> None:
    rules, problems = site_rules([
        {"site": "Example.org", "prune_xpath": "//aside", "keep_xpath": None},
        {"site": "example.org", "prune_xpath": None, "keep_xpath": "//article"},
        {"site": "other.org", "prune_xpath": "//div[", "keep_xpath": ""},
    ])
    assert rules == {"example.org": SiteRules(prune=("//aside",), keep=("//article",))}
    assert problems == ["site_rules: prune_xpath '//div[' for other.org is not a valid XPath (Invalid expression); ignored."]
