"""Clean text: every body paragraph of each seed kept, every piece of its site's chrome gone."""

from __future__ import annotations

import json
import re

import pytest

from conftest import Crawl
from newssite import FOOTERS, READER_COMMENTS, SITE_NAMES
from seeds import load_stories

pytestmark = pytest.mark.crawl

STORIES = load_stories()


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def article(archived: Crawl, url: str) -> dict:
    rows = list(archived.db.query("select * from articles where url = ?", [url]))
    assert len(rows) == 1, f"no article row for {url}"
    return rows[0]


@pytest.mark.parametrize("key", sorted(STORIES))
def test_every_body_paragraph_is_kept(archived: Crawl, crawl_urls: dict, key: str) -> None:
    text = norm(article(archived, crawl_urls[key])["text"])
    story = STORIES[key]
    missing = [p for p in story.body + story.subheads + story.bullets if norm(p) not in text]
    assert missing == []


@pytest.mark.parametrize("key", sorted(STORIES))
def test_site_chrome_is_gone(archived: Crawl, crawl_urls: dict, key: str) -> None:
    text = article(archived, crawl_urls[key])["text"]
    lines = {norm(line) for line in text.splitlines()}
    story = STORIES[key]
    chrome = story.chrome_lines() + FOOTERS.get(key, [])
    kept = [c for c in chrome if norm(c) in lines or (len(c) > 25 and norm(c) in norm(text))]
    assert kept == []
    # header and navigation of every template
    for furniture in ("Weather Centre", "Opinion & Analysis", "Independent news since 1998", "Privacy policy"):
        assert furniture not in text


def test_comments_prompts_and_source_lines_never_reach_the_text(archived: Crawl) -> None:
    texts = "\n".join(row["text"] for row in archived.db.query("select text from articles"))
    for phrase in ("Leave a Reply", "LEAVE A REPLY", "Your email address will not be published",
                   "Please enter your comment!", "Read Full Article", "The Independent has a proud history",
                   "Previous post", "Next post", "RELATED ARTICLES", "MAILING ADDRESS",
                   "thoughts on this story", *(comment for _, comment in READER_COMMENTS)):
        assert phrase not in texts


@pytest.mark.parametrize("key", sorted(STORIES))
def test_metadata(archived: Crawl, crawl_urls: dict, key: str) -> None:
    row = article(archived, crawl_urls[key])
    story = STORIES[key]
    assert row["title"] == story.title
    assert row["author"] == story.author
    assert row["date"].startswith(story.date)  # ISO 8601, with the time the page gives
    assert row["sitename"] == SITE_NAMES[key]
    assert row["language"] == "en"
    assert row["word_count"] == len(row["text"].split())
    extractor = json.loads(row["extractor"])
    assert extractor["name"] == "trafilatura" and extractor["version"] and extractor["options"]["include_comments"] is False
    assert row["extracted_at"].startswith("20")


def test_full_text_search_finds_an_article_by_a_word_of_its_body(archived: Crawl, crawl_urls: dict) -> None:
    hits = list(archived.db["articles"].search("Borodyanka"))
    assert [hit["url"] for hit in hits] == [crawl_urls["daily"]]
    hits = list(archived.db["articles"].search("Filkina"))
    assert [hit["url"] for hit in hits] == [crawl_urls["mailwire"]]


def test_redirected_url_is_stored_under_its_final_url(archived: Crawl, crawl_urls: dict) -> None:
    urls = {row["url"] for row in archived.db.query("select url from articles")}
    assert crawl_urls["redirect"] not in urls
    assert crawl_urls["herald"] in urls


def test_a_listing_page_is_stored_but_flagged(archived: Crawl, crawl_urls: dict) -> None:
    row = article(archived, crawl_urls["index"])
    assert row["flag_mostly_links"] == 1 and row["flag_interstitial"] is None
    story = article(archived, crawl_urls["herald"])
    assert (story["flag_mostly_links"], story["flag_no_date"], story["flag_no_title"], story["flag_too_short"]) == (0, 0, 0, 0)
    assert json.loads(story["authors"]) == [STORIES["herald"].author] and story["site"] == "127.0.0.1"
