"""Feed exports get the articles: `scrapy crawl article -O articles.jsonl` (or .csv) writes one line per article, no page."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import Crawl, run_crawl
from newssite import NewsSite

pytestmark = pytest.mark.crawl

FIELDS = ["url", "title", "author", "authors", "date", "site", "sitename", "language", "description", "text",
          "word_count", "flags", "article_id", "capture_id", "story_id", "copy_of"]


@pytest.fixture(scope="module")
def exported(crawl_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """A crawl of every kind of URL (articles, front page, redirect, 404, PDF, refused) exporting to JSON lines and CSV."""
    tmp = tmp_path_factory.mktemp("exported")
    crawl = run_crawl(tmp, "article", {"url": ",".join(crawl_urls.values())},
                      options=("-O", str(tmp / "articles.jsonl"), "-O", str(tmp / "articles.csv")))
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    return crawl


def test_json_lines_hold_the_articles_as_filed(exported: Crawl, news_site: NewsSite) -> None:
    out = exported.db_path.parent / "articles.jsonl"
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    stored = {row["url"]: row for row in exported.db.query("select * from articles")}
    # one item per article: the five stories and the front page; no redirect, 404, PDF or failed request
    assert sorted(item["url"] for item in items) == sorted(stored) == sorted([*news_site.article_urls().values(), news_site.url("/")])
    for item in items:
        assert list(item) == FIELDS  # no raw HTML, no content type: the article
        row = stored[item["url"]]
        assert (item["title"], item["text"], item["word_count"], item["article_id"], item["capture_id"]) == \
               (row["title"], row["text"], row["word_count"], row["id"], row["capture_id"])
        assert item["authors"] == json.loads(row["authors"])
        # the story as filed: a story's id is its first article's; a later write-up may merge two stories
        assert item["story_id"] in {r["id"] for r in stored.values()}
    stories = {stored[url]["story_id"] for url in news_site.article_urls().values()}
    assert len(stories) == 1  # the five write-ups of one event end in one story
    herald = next(item for item in items if item["url"] == news_site.article_urls()["herald"])
    assert herald["title"] == "Peskov admits Russia has suffered significant losses of troops"
    assert herald["flags"] == []
    front = next(item for item in items if item["url"] == news_site.url("/"))
    # a list of headlines; "too_short" too when three stories were filed before it (the site's average then
    # counts), which the crawl's order decides: either way the line says what the row says
    assert "mostly_links" in front["flags"]
    assert ("too_short" in front["flags"]) == bool(stored[front["url"]]["flag_too_short"])
    assert out.stat().st_size < 60_000  # the text, not the pages (which weigh 40 kB together)


def test_csv_has_a_column_per_field(exported: Crawl, news_site: NewsSite) -> None:
    with open(exported.db_path.parent / "articles.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == FIELDS
        rows = {row["url"]: row for row in reader}
    assert len(rows) == 6
    daily = rows[news_site.article_urls()["daily"]]
    stored = next(exported.db.query("select * from articles where url = ?", [daily["url"]]))
    assert (daily["title"], daily["text"], daily["word_count"]) == (stored["title"], stored["text"], str(stored["word_count"]))
    assert daily["authors"] == ",".join(json.loads(stored["authors"]))


def test_pages_without_an_article_are_dropped_quietly(exported: Crawl) -> None:
    # no line per page dropped (Scrapy's "Dropped: URL gave no article: ..."): the report counts them
    assert "Dropped" not in exported.stderr and " gave no article: " not in exported.stderr
    stats = json.loads(exported.crawl_row()["stats"])
    assert stats["item_scraped_count"] == 6
    assert stats["item_dropped_count"] == stats["archiver/articles/none"]
