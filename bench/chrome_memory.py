"""Choose ARCHIVER_CHROME_PAGES: chrome left and story lost for each threshold, on a synthetic site.

    python bench/chrome_memory.py

Uses the test suite's 5-template x 20-page site (tests/chromesite.py): story
paragraphs of its own on every page, one paragraph shared by two articles and
a quote shared by three, and each template's chrome blocks inside the story
container, where stock extraction keeps them.  Pages go through extraction
and the chrome memory in crawl order; then every article is cleaned again
with what the memory learnt (what ``archiver reextract`` does).  For each
threshold N it prints the chrome lines still in the text after the first
pass and after re-extraction, and the story lines lost.

Then the story-aware rule (``CHROME_STORIES``), on the test suite's petition
site (tests/chromesite.py ``PETITION_PAGES``): seed 002's petition promo
inline on pages of three stories, and a quote shared by three write-ups of
one story.  Pages are filed through the archive writer, stories included,
in crawl order and then again (``archiver reextract``), for each number of
different stories that makes a block chrome.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from chromesite import (  # noqa: E402
    PAGES_PER_TEMPLATE, PETITION_PAGES, PETITION_QUOTE, TEMPLATES, paragraphs, petition_page, petition_promo, render,
)

from archiver.core.writer import ArchiveWriter, FilingRules  # noqa: E402

from archiver.extract import extract_article  # noqa: E402
from archiver.storage import Storage
from archiver.storage.articles import learn_blocks  # noqa: E402


def main() -> None:
    pages = [(t, p) for p in range(PAGES_PER_TEMPLATE) for t in TEMPLATES]  # crawl order: templates interleaved
    articles = {page: extract_article(render(*page).decode(), f"https://news.example/{page[0]}/{page[1]}") for page in pages}
    texts = {page: article.text for page, article in articles.items()}
    stock_chrome = sum(line in texts[p] for p in pages for line in TEMPLATES[p[0]])
    total = sum(len(TEMPLATES[t]) for t, _ in pages)
    print(f"{len(pages)} pages; stock extraction keeps {stock_chrome} of their {total} chrome lines\n")
    print("| N | chrome lines left, first pass | left after re-extraction | story lines lost |")
    print("|---|---|---|---|")
    for threshold in (2, 3, 4, 5, 6, 8, 10):
        with tempfile.TemporaryDirectory() as tmp:
            storage = Storage(Path(tmp) / "archive.db")
            first = {}
            for page in pages:
                url = f"https://news.example/{page[0]}/{page[1]}"
                with storage.write() as db:
                    chrome = learn_blocks(db, "news.example", url, articles[page].blocks, "now", threshold)
                first[page] = articles[page].without_blocks(chrome).text
            # a second pass (what archiver reextract does) sees every block's final count
            with storage.write() as db:
                final = {page: articles[page].without_blocks(learn_blocks(
                    db, "news.example", f"https://news.example/{page[0]}/{page[1]}", articles[page].blocks, "now",
                    threshold)).text for page in pages}
            storage.close()
        left_first = sum(line in first[p] for p in pages for line in TEMPLATES[p[0]])
        left_final = sum(line in final[p] for p in pages for line in TEMPLATES[p[0]])
        lost = sum(paragraph not in final[p] for p in pages for paragraph in paragraphs(*p))
        print(f"| {threshold} | {left_first} | {left_final} | {lost} |")


def stories() -> None:
    """Chrome lines left and quotes lost on the petition site, for each number of stories that makes chrome."""
    pages = {path: extract_article(petition_page(path).decode(), f"https://petition.example{path}") for path in PETITION_PAGES}
    promo, carrying = petition_promo(), [p for p in PETITION_PAGES if p.startswith("/other") or p == "/peskov.html"]
    quoted = [p for p in PETITION_PAGES if "peskov" in p]
    print(f"\npetition site: {len(pages)} pages; the promo ({len(promo)} lines) on {len(carrying)} pages of "
          f"{len(carrying)} stories, a quote on {len(quoted)} write-ups of one story\n")
    print("| stories | promo lines left, first pass | left after re-extraction | quotes lost |\n|---|---|---|---|")
    for threshold in (0, 2, 3):
        with tempfile.TemporaryDirectory() as tmp:
            writer = ArchiveWriter(Path(tmp) / "archive.db", rules=FilingRules(chrome_stories=threshold))
            texts = [{}, {}]
            for run in range(2):
                for path, article in pages.items():
                    saved, _ = writer.file_here(f"https://petition.example{path}", None, article)
                    texts[run][path] = writer.storage.db.execute("SELECT text FROM articles WHERE id = ?",
                                                                 [saved.article_id]).fetchone()[0]
            writer.close()
        left = [sum(line in texts[run][p] for p in carrying for line in promo) for run in range(2)]
        lost = sum(PETITION_QUOTE not in texts[1][p] for p in quoted)
        print(f"| {threshold or 'off'} | {left[0]} | {left[1]} | {lost} |")


if __name__ == "__main__":
    main()
    stories()
