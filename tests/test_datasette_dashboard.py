"""The archive's own pages in Datasette: the landing page, a story, a version, the article page's details."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import lxml.html
import pytest
import sqlite_utils
from datasette.app import Datasette

from dashboardarchive import NEW_PARAGRAPH, DashboardArchive, build
from changingsite import PARAGRAPHS
from newssite import NewsSite
from served import Served

from archiver.storage import Storage
from archiver.web.metadata import metadata

pytestmark = pytest.mark.crawl


@pytest.fixture(scope="module")
def dash(news_site: NewsSite, crawl_urls: dict, tmp_path_factory: pytest.TempPathFactory) -> DashboardArchive:
    return build(tmp_path_factory, news_site, crawl_urls)


@pytest.fixture(scope="module")
def site(dash: DashboardArchive):
    instance = Served(dash.crawl.db_path, "--warc-dir", str(dash.crawl.warc_dir)).start()
    yield instance
    instance.stop()


def html(served: Served, path: str) -> lxml.html.HtmlElement:
    reply = served.get(path)
    assert reply.status == 200, reply.text[-2000:]
    return lxml.html.fromstring(reply.text)


def one(db: sqlite_utils.Database, sql: str, params: list | None = None) -> dict:
    return next(db.query(sql, params or []))


def svg_titles(page: lxml.html.HtmlElement, chart_title: str) -> list[str]:
    """The hover titles of a chart's bars or points, the chart found by its accessible title."""
    for svg in page.xpath("//svg"):
        if svg.xpath("string(title)") == chart_title:
            labelled = svg.get("aria-labelledby").split()
            assert svg.get("role") == "img" and svg.xpath(f"string(*[@id='{labelled[1]}'])")  # a description too
            return [t.text_content() for t in svg.xpath(".//rect/title | .//circle/title")]
    raise AssertionError(f"no chart titled {chart_title!r}")


def test_the_home_page_opens_on_the_archive_and_hides_the_archivers_own_tables(site: Served) -> None:
    home = site.get("/").text
    assert home.index('href="-/archiver/archive"') < home.index('href="/archive"')  # the first link of the page
    index = site.json("/.json")["archive"]
    listed = {t["name"] for t in index["tables_and_views_truncated"]}
    assert listed and not listed & {"site_blocks", "site_block_pages", "site_stats", "sources", "retries"}
    assert index["hidden_tables_count"] >= 10
    for table in ("site_blocks", "site_block_pages", "site_stats", "sources", "retries"):
        assert site.get(f"/archive/{table}").status == 200  # still there, by name
    overview = html(site, "/-/archiver/archive")
    assert overview.xpath("string(//h1)") == "The archive"


def test_the_landing_page_counts_charts_and_lists_what_the_archive_holds(site: Served, dash: DashboardArchive) -> None:
    db = dash.crawl.db
    page = html(site, "/-/archiver/archive")
    figures = {li.xpath("string(.//*[@class='figure'])"): li.text_content() for li in page.xpath("//ul[@class='archiver-totals']/li")}
    totals = {" ".join(text.split()[1:]): int(figure.replace(",", "")) for figure, text in figures.items()}
    assert totals["articles"] == db["articles"].count and totals["captures"] == db["captures"].count
    assert totals["crawls"] == 4 and totals["changed versions"] == 1
    assert totals["sites"] == db["site_stats"].count and totals["stories on 2+ pages"] >= 2
    # articles a day, by site: one bar piece per day and site, as many articles as first archived that day
    pieces = svg_titles(page, "Articles archived per day, by site")
    per_day = {(row["day"], row["site"]): row["n"] for row in db.query(
        "select date(first_seen) as day, site, count(*) as n from articles group by 1, 2")}
    assert sum(int(re.search(r": (\d+) articles", t)[1]) for t in pieces) == db["articles"].count
    # three crawls a day apart stored new articles (the fourth, a version)
    assert len(pieces) == len(per_day) and len({day for day, _ in per_day}) == 3
    # crawl health: fetched and failed, as each crawls row says
    bars = svg_titles(page, "Pages fetched and failed per crawl")
    for crawl in db.query("select id, fetched, failed from crawls"):
        for kind in ("fetched", "failed"):
            if crawl[kind]:
                assert f"#{crawl['id']}: {crawl[kind]} pages {kind}" in bars
    assert any(t.endswith("failed") for t in bars)  # the news site's crawl met its refused address
    # recent stories: the story all five sites told, linked to its page
    story_id = one(db, "select story_id from articles where url = ?", [dash.story_urls["herald"]])["story_id"]
    assert f"/-/archiver/archive/story/{story_id}" in page.xpath("//section[h2='Recent stories']//a/@href")
    problems = page.xpath("string(//section[h2='Problems'])")
    assert "HTTP 404" in problems and "DownloadConnectionRefusedError" in problems
    # nothing to load: no script, no stylesheet, no image from anywhere
    assert not page.xpath("//script[@src] | //img | //link[@rel='stylesheet'][not(starts-with(@href, '/-/static/'))]")


def test_the_story_page_puts_its_articles_on_a_time_line_by_site(site: Served, dash: DashboardArchive) -> None:
    db = dash.crawl.db
    story_id = one(db, "select story_id from articles where url = ?", [dash.story_urls["herald"]])["story_id"]
    articles = list(db.query("select * from articles where story_id = ?", [story_id]))
    page = html(site, f"/-/archiver/archive/story/{story_id}")
    svg = page.xpath("//svg[@class='archiver-chart']")[0]
    links = svg.xpath(".//a/@href")
    assert sorted(links) == sorted(f"/-/archiver/archive/article/{a['id']}" for a in articles)
    rings = svg.xpath(".//a[circle[@fill='#fff']]/@href")  # copies are rings
    assert sorted(rings) == sorted(f"/-/archiver/archive/article/{a['id']}" for a in articles if a["copy_of"])
    assert rings and len(rings) < len(links)
    lanes = [t.text for t in svg.xpath("./text")][: len({a["site"] for a in articles})]
    assert {lane.split(" · ")[-1] for lane in lanes} == {a["site"] for a in articles}
    assert "Kyiv Herald · 127.0.0.12" in lanes
    rows = page.xpath("//table[contains(@class, 'archiver-story-articles')]/tbody/tr")
    assert len(rows) == len(articles)
    assert len(page.xpath("//tr[@class='copy']")) == len(rings)


def test_the_version_page_shows_both_versions_with_the_changes_marked(site: Served, dash: DashboardArchive) -> None:
    db = dash.crawl.db
    second = one(db, "select * from versions where url = ? and number = 2", [dash.changed_url])
    page = html(site, f"/-/archiver/archive/version/{second['id']}")
    changed = page.xpath("//table[@class='archiver-compare']//tr[@class='changed']")
    assert len(changed) == 1
    old, new = changed[0].xpath("./td")
    assert "eighteen" in " ".join(old.xpath(".//del/text()")) and "two" in " ".join(new.xpath(".//ins/text()"))
    assert old.text_content().removeprefix("Before") == PARAGRAPHS[1]  # the label shows at phone width only
    assert new.text_content().removeprefix("After") == NEW_PARAGRAPH
    assert page.xpath("//tr[@class='folded']")  # unchanged paragraphs folded away
    lead = page.xpath("string(//p[@class='lead'])")
    assert f"{second['words_added']} words added, {second['words_removed']} removed" in " ".join(lead.split())
    first = page.xpath("//a[contains(., 'version 1')]/@href")[0]
    assert "first version archived" in site.get(first).text
    # the article links its versions; the canned query too
    article = one(db, "select id from articles where url = ?", [dash.changed_url])
    assert f"/-/archiver/archive/version/{second['id']}" in html(site, f"/-/archiver/archive/article/{article['id']}").xpath("//a/@href")
    versions = site.get(f"/archive/article_versions?url={dash.changed_url}").text
    assert f'href="/-/archiver/archive/version/{second["id"]}"' in versions


def test_the_article_page_reads_cleanly(site: Served, dash: DashboardArchive) -> None:
    db = dash.crawl.db
    article = one(db, "select * from articles where url = ?", [dash.changed_url])
    assert article["text"].splitlines()[0] == article["title"]  # the extracted text repeats the headline
    page = html(site, f"/-/archiver/archive/article/{article['id']}")
    assert page.xpath("string(//article/h1)") == article["title"]
    assert article["title"] not in page.xpath("string(//div[@class='text'])")
    byline = page.xpath("//p[@class='byline']")[0]
    assert byline.xpath("string(.//span[@class='site'])") == "River Gazette"
    time = byline.xpath(".//time")[0]
    assert time.get("datetime") == time.get("title") == article["date"]
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC", time.text)
    # the story's articles, linked
    assert f"/-/archiver/archive/story/{article['story_id']}" in page.xpath("//a/@href")


@pytest.fixture
def edited(dash: DashboardArchive, tmp_path: Path):
    """A copy of the archive, for rows as other pages give them."""
    shutil.copy(dash.crawl.db_path, tmp_path / "archive.db")
    db = sqlite_utils.Database(tmp_path / "archive.db")
    ds = Datasette([str(tmp_path / "archive.db")], metadata=metadata("archive", dash.crawl.warc_dir))
    return db, ds


def page_of(ds: Datasette, path: str) -> lxml.html.HtmlElement:
    reply = asyncio.run(ds.client.get(path))
    assert reply.status_code == 200, reply.text[-2000:]
    return lxml.html.fromstring(reply.text)


@pytest.mark.parametrize("sitename", [None, "", "headline", "Council votes to rebuild THE river   bridge (plain 1)"])
def test_a_page_without_a_site_name_shows_its_host_never_its_headline(edited, dash: DashboardArchive, sitename) -> None:
    db, ds = edited
    article = one(db, "select * from articles where url = ?", [dash.changed_url])
    db["articles"].update(article["id"], {"sitename": article["title"] if sitename == "headline" else sitename})
    byline = page_of(ds, f"/-/archiver/archive/article/{article['id']}").xpath("//p[@class='byline']")[0]
    assert byline.xpath("string(.//span[@class='site'])") == article["site"]


def test_a_description_cut_by_its_site_is_shown_to_a_whole_word(edited, dash: DashboardArchive) -> None:
    db, ds = edited
    article = one(db, "select * from articles where url = ?", [dash.story_urls["observer"]])
    # as a site's og:description may give it: cut at 150 characters, mid-word (and not the first paragraph)
    description = ("Moscow's spokesman conceded, in an interview with a British channel broadcast on Friday, "
                   "that the losses of its army in Ukraine were “significant” an")
    db["articles"].update(article["id"], {"description": description})
    shown = page_of(ds, f"/-/archiver/archive/article/{article['id']}").xpath("string(//p[@class='description'])")
    assert shown == description.removesuffix(" an") + "…"


def test_the_pages_of_an_empty_archive_say_so(tmp_path: Path) -> None:
    Storage(tmp_path / "archive.db").close()
    ds = Datasette([str(tmp_path / "archive.db")], metadata=metadata("archive"))
    page = page_of(ds, "/-/archiver/archive")
    assert "Nothing archived yet." in page.text_content() and not page.xpath("//svg")
    assert "No crawls yet." in page.text_content() and "No articles yet." in page.text_content()
    for path in ("/-/archiver/archive/story/1", "/-/archiver/archive/version/1"):
        assert asyncio.run(ds.client.get(path)).status_code == 404


def test_the_pages_read_values_the_archiver_never_writes(edited, dash: DashboardArchive) -> None:
    """Nothing read back is trusted: dates that are not dates, ids that are not ids, a version without its article."""
    db, ds = edited
    article = one(db, "select * from articles where url = ?", [dash.story_urls["herald"]])
    db.execute("update articles set first_seen = 'yesterday', date = '2022-13-45T99:99' where id = ?", [article["id"]])
    # the story's copies (which of two equal pages is the copy is the crawl's order: never the herald's edited row)
    db.execute("update articles set copy_of = 'the herald', date = '0001-01-01T00:00:00+05:00' "
               "where story_id = ? and copy_of is not null and id != ?", [article["story_id"], article["id"]])
    db.execute("update crawls set fetched = null, failed = null, spider = '<script>alert(1)</script>'")
    second = one(db, "select * from versions where url = ? and number = 2", [dash.changed_url])
    db.execute("delete from articles where url = ?", [dash.changed_url])
    db.conn.commit()
    landing = asyncio.run(ds.client.get("/-/archiver/archive"))
    assert landing.status_code == 200 and "<script>alert(1)" not in landing.text
    story = page_of(ds, f"/-/archiver/archive/story/{article['story_id']}")
    assert len(story.xpath("//table[contains(@class, 'archiver-story-articles')]/tbody/tr")) == one(
        db, "select count(*) as n from articles where story_id = ?", [article["story_id"]])["n"]
    assert "2022-13-45T99:99" in story.text_content()  # a stored value that is not a date, shown as it is
    version = page_of(ds, f"/-/archiver/archive/version/{second['id']}")
    assert version.xpath("//tr[@class='changed']") and not version.xpath("//a[text()='this article']")
    assert page_of(ds, f"/-/archiver/archive/article/{article['id']}").xpath("string(//h1)") == article["title"]
