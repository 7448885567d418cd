"""Choose ARCHIVER_CHROME_PAGES: chrome left and story lost for each rule, on the test suite's synthetic sites.

    python bench/chrome_memory.py

First the chrome site (tests/chromesite.py): 5 templates x 20 pages, each
template's chrome blocks inside the story container, where stock extraction
keeps them; 100 pages of 92 stories (a wire paragraph shared by the two
articles of one story, a quote by the three of another, a quote by the six
follow-ups of a third).  Pages are filed by the archive service, stories
included, in crawl order, then all again (what ``archiver reextract`` does).
For each rule it prints the chrome lines still in the text after the first
pass and after re-extraction, the story lines lost (a page's own paragraphs
and the lines its story's pages share) after each, and the stories found
after re-extraction.  The rules:

* ``N stories``: a block on pages of N different stories is chrome (the rule,
  ``ARCHIVER_CHROME_PAGES=N``);
* ``2 stories and N pages``: the same, and on N pages at least (a minimum of
  pages on top, measured against it: not a setting);
* ``N pages``: a block on N distinct pages is chrome, whatever their stories
  (the rule before; counted here, the writer filing with the memory off).

The first pass is a crawl's whose stories keep up with its articles; in a
busy crawl they are filed behind them, and pages waiting for theirs do not
count yet (more chrome left at first, the same after re-extraction).

Then the petition site (tests/chromesite.py ``PETITION_PAGES``): seed 002's
petition promo inline on pages of three stories, and a quote shared by three
write-ups of one story, filed the same way for each number of stories.

Last the one-story sites (tests/onestorysite.py): five sites, nine pages
each, every page a write-up of the seeds' one story; the daily repeats its
petition promo inline on all nine, and three sites repeat one quote on all
theirs.  Filed in a crawl's order (page 1 of each site, then page 2...),
then again: the promo lines left on the daily's pages, the daily pages
still carrying it, the quotes and write-up paragraphs lost.
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlite_utils

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from chromesite import (  # noqa: E402
    LINES_IN, PAGES_PER_TEMPLATE, PETITION_PAGES, PETITION_QUOTE, TEMPLATES, paragraphs, petition_page, petition_promo,
    render, story_of,
)

from onestorysite import HOSTS, PROMO_SITE, QUOTE, QUOTED_BY, body, crawl_order, promo  # noqa: E402
from onestorysite import render as story_page  # noqa: E402
from onestorysite import path as story_path  # noqa: E402

from archiver.archive.service import Archive  # noqa: E402
from archiver.archive.writer import FilingRules  # noqa: E402
from archiver.extract import Article, extract_article  # noqa: E402
from archiver.storage import articles as article_rows  # noqa: E402

PAGES = [(t, p) for p in range(PAGES_PER_TEMPLATE) for t in TEMPLATES]  # crawl order: templates interleaved


def url(page: tuple[str, int]) -> str:
    return f"https://news.example/{page[0]}/{page[1]}"


@contextmanager
def at_least(pages: int) -> Iterator[None]:
    """The chrome memory's rule with a minimum of distinct pages on top."""
    learn, seen = article_rows.learn_blocks, defaultdict(set)

    def learn_blocks(db, site, page_url, blocks, now, stories):  # noqa: ANN001, ANN202
        for block in blocks:
            seen[block].add(page_url)
        return {block for block in learn(db, site, page_url, blocks, now, stories) if len(seen[block]) >= pages}

    article_rows.learn_blocks = learn_blocks
    try:
        yield
    finally:
        article_rows.learn_blocks = learn


def file_twice(articles: dict[str, Article], stories: int) -> tuple[list[dict[str, str]], dict[str, int]]:
    """Each article's text after filing them all in order, and after filing them all again; the final stories."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "archive.db"
        texts: list[dict[str, str]] = []
        with Archive(db, rules=FilingRules(chrome_stories=stories)) as archive:
            for _ in range(2):
                for address, article in articles.items():
                    archive.file(address, None, article).result()
                texts.append({r["url"]: r["text"] for r in sqlite_utils.Database(db).query("select url, text from articles")})
        story = {r["url"]: r["story_id"] for r in sqlite_utils.Database(db).query("select url, story_id from articles")}
    return texts, story


def by_pages(articles: dict[str, Article], pages: int) -> list[dict[str, str]]:
    """The texts the page-count rule leaves: first pass (pages seen so far, this one included), then all pages seen."""
    seen: dict[str, set[str]] = defaultdict(set)
    first = {}
    for address, article in articles.items():
        for block in article.blocks:
            seen[block].add(address)
        first[address] = article.without_blocks({b for b in article.blocks if len(seen[b]) >= pages}).text
    final = {address: article.without_blocks({b for b in article.blocks if len(seen[b]) >= pages}).text
             for address, article in articles.items()}
    return [first, final]


def chrome_site() -> None:
    articles = {url(page): extract_article(render(*page).decode(), url(page)) for page in PAGES}
    stock = sum(line in articles[url(p)].text for p in PAGES for line in TEMPLATES[p[0]])
    expected: dict[str, set[str]] = defaultdict(set)
    for page in PAGES:
        expected[story_of(*page)].add(url(page))
    story_lines = sum(len(paragraphs(*page)) for page in PAGES)
    print(f"chrome site: {len(PAGES)} pages of {len(expected)} stories; stock extraction keeps "
          f"{stock} of their {sum(len(TEMPLATES[t]) for t, _ in PAGES)} chrome lines; {story_lines} story lines, "
          f"{sum(len(p) for p in LINES_IN.values())} of them shared by pages of one story (2, 3 and 6 pages)\n")
    print("| rule | chrome lines left, first pass | after re-extraction | story lines lost, first pass "
          "| after re-extraction | stories after re-extraction |")
    print("|---|---|---|---|---|---|")

    def row(rule: str, texts: list[dict[str, str]], story: dict[str, int] | None) -> None:
        left = [sum(line in t[url(p)] for p in PAGES for line in TEMPLATES[p[0]]) for t in texts]
        lost = [sum(line not in t[url(p)] for p in PAGES for line in paragraphs(*p)) for t in texts]
        if story is None:
            found = "(not filed)"
        else:
            groups: dict[int, set[str]] = defaultdict(set)
            for address, number in story.items():
                groups[number].add(address)
            same = sorted(map(sorted, groups.values())) == sorted(map(sorted, expected.values()))
            found = f"{len(groups)}" + (", as written" if same else ", not as written")
        print(f"| {rule} | {left[0]} | {left[1]} | {lost[0]} | {lost[1]} | {found} |")

    for stories in (2, 3):
        row(f"{stories} stories", *file_twice(articles, stories))
    for pages in (4, 6):
        with at_least(pages):
            row(f"2 stories and {pages} pages", *file_twice(articles, 2))
    for pages in (2, 3, 4, 5, 6, 7, 8):
        row(f"{pages} pages", by_pages(articles, pages), None)


def petition_site() -> None:
    """Promo lines left and quotes lost on the petition site, for each number of stories that makes chrome."""
    articles = {f"https://petition.example{p}": extract_article(petition_page(p).decode(), f"https://petition.example{p}")
                for p in PETITION_PAGES}
    promo = petition_promo()
    carrying = [f"https://petition.example{p}" for p in PETITION_PAGES if p.startswith("/other") or p == "/peskov.html"]
    quoted = [f"https://petition.example{p}" for p in PETITION_PAGES if "peskov" in p]
    print(f"\npetition site: {len(articles)} pages; the promo ({len(promo)} lines) on {len(carrying)} pages of "
          f"{len(carrying)} stories, a quote on {len(quoted)} write-ups of one story\n")
    print("| stories | promo lines left, first pass | left after re-extraction | quotes lost |\n|---|---|---|---|")
    for stories in (0, 2, 3):
        texts, _ = file_twice(articles, stories)
        left = [sum(line in t[page] for page in carrying for line in promo) for t in texts]
        lost = sum(PETITION_QUOTE not in t[page] for t in texts for page in quoted)
        print(f"| {stories or 'off'} | {left[0]} | {left[1]} | {lost} |")


def one_story_sites() -> None:
    """The promo left, and the quotes and paragraphs lost, on five sites whose pages all cover one story."""
    pages = {(site, page): f"http://{HOSTS[site]}{story_path(page)}" for site, page in crawl_order()}
    articles = {address: extract_article(story_page(*page).decode(), address) for page, address in pages.items()}
    carrying = [address for (site, _), address in pages.items() if site == PROMO_SITE]
    quoting = [address for (site, _), address in pages.items() if site in QUOTED_BY]
    print(f"\none-story sites: {len(pages)} pages of {len(HOSTS)} sites; the promo ({len(promo())} lines) on the "
          f"{len(carrying)} pages of one, a quote on the {len(quoting)} pages of three\n")
    print("| stories | promo lines left, first pass | pages keeping it, first pass | left after re-extraction "
          "| quotes lost | paragraphs lost | stories |\n|---|---|---|---|---|---|---|")
    for stories in (0, 2, 3):
        texts, story = file_twice(articles, stories)
        left = [sum(line in t[address] for address in carrying for line in promo()) for t in texts]
        keeping = sum(any(line in texts[0][address] for line in promo()) for address in carrying)
        lost = sum(QUOTE not in t[address] for t in texts for address in quoting)
        paragraphs = sum(line not in t[address] for t in texts for page, address in pages.items() for line in body(*page))
        print(f"| {stories or 'off'} | {left[0]} | {keeping} | {left[1]} | {lost} | {paragraphs} | {len(set(story.values()))} |")


if __name__ == "__main__":
    chrome_site()
    petition_site()
    one_story_sites()
