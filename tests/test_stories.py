"""Copies and stories: five sites' write-ups of one event become one story; copies are marked; across runs too."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import sqlite_utils

from conftest import Crawl, run_archiver, run_crawl
from storysite import (
    BVI, EXACT_COPY, HOSTS, LATER_COPY, NEAR_COPY, SEED_PATH, STORY_NETWORK, UNRELATED_PATH, StorySite, started,
)

from archiver.archive.service import Archive  # imports the worker pool: at collection, not in a fast test
from archiver.web.metadata import metadata


@pytest.fixture(scope="module")
def sites():
    found = started()
    yield found
    for site in found.values():
        site.stop()


def seed_url(sites: dict[str, StorySite], key: str) -> str:
    return sites[key].url(SEED_PATH)


def other_url(sites: dict[str, StorySite], key: str) -> str:
    return sites[key].url(UNRELATED_PATH)


def copy_url(sites: dict[str, StorySite], where: tuple[str, str]) -> str:
    return sites[where[0]].url(where[1])


def crawl_urls(tmp: Path, urls: list[str]) -> Crawl:
    url_file = tmp / "urls.txt"
    url_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
    crawl = run_crawl(tmp, "article", {"urls": str(url_file)}, {"ARCHIVER_ALLOW_NETWORKS": STORY_NETWORK})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    return crawl


@pytest.fixture(scope="module")
def archive(sites: dict[str, StorySite], tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """One crawl of every site's seed and unrelated article, and of the exact and near copies."""
    urls = [seed_url(sites, k) for k in HOSTS] + [other_url(sites, k) for k in HOSTS]
    urls += [copy_url(sites, EXACT_COPY), copy_url(sites, NEAR_COPY)]
    return crawl_urls(tmp_path_factory.mktemp("stories"), urls)


def rows(crawl: Crawl) -> dict[str, dict]:
    return {r["url"]: r for r in crawl.db.query("select * from articles")}


def groups(crawl: Crawl, column: str) -> set[frozenset[str]]:
    """The archive's partition of article URLs by story (``story_id``) or copy group (``copy_of``, else ``id``)."""
    found: dict[int, set[str]] = {}
    for r in rows(crawl).values():
        found.setdefault(r[column] or r["id"], set()).add(r["url"])
    return {frozenset(urls) for urls in found.values()}


@pytest.mark.crawl
def test_the_five_write_ups_are_one_story_and_unrelated_articles_are_not_in_it(archive: Crawl, sites: dict) -> None:
    articles = rows(archive)
    seeds = {seed_url(sites, k) for k in HOSTS}
    copies = {copy_url(sites, EXACT_COPY), copy_url(sites, NEAR_COPY)}
    bvi = {other_url(sites, k) for k in BVI}
    loners = {frozenset([other_url(sites, k)]) for k in HOSTS if k not in BVI}
    assert groups(archive, "story_id") == {frozenset(seeds | copies), frozenset(bvi), *loners}
    assert all(articles[url]["story_id"] is not None for url in articles)


@pytest.mark.crawl
def test_exact_and_near_copies_are_marked(archive: Crawl, sites: dict) -> None:
    articles = rows(archive)
    herald, exact, near = seed_url(sites, "herald"), copy_url(sites, EXACT_COPY), copy_url(sites, NEAR_COPY)
    assert articles[exact]["content_hash"] == articles[herald]["content_hash"]
    assert articles[near]["content_hash"] != articles[herald]["content_hash"]
    # one copy group; whichever of the three was archived first is the original
    assert frozenset({herald, exact, near}) in groups(archive, "copy_of")
    assert sum(articles[url]["copy_of"] is None for url in (herald, exact, near)) == 1
    # the other write-ups share a story with them, not their text
    assert [url for url, r in articles.items() if r["copy_of"] and url not in (herald, exact, near)] == []


@pytest.mark.crawl
def test_the_stories_table_lists_each_story_with_its_sites_and_dates(archive: Crawl, sites: dict) -> None:
    articles = rows(archive)
    stories = {r["id"]: r for r in archive.db.query("select * from stories")}
    assert set(stories) == {r["story_id"] for r in articles.values()}
    story = stories[articles[seed_url(sites, "herald")]["story_id"]]
    assert story["articles"] == 7
    assert json.loads(story["sites"]) == sorted(HOSTS.values())
    assert story["first_seen"].startswith("2022-04-07") and story["last_seen"].startswith("2022-04-08")
    assert story["title"] == articles[seed_url(sites, "daily")]["title"]  # the earliest write-up's
    bvi = stories[articles[other_url(sites, BVI[0])]["story_id"]]
    assert bvi["articles"] == 2 and json.loads(bvi["sites"]) == sorted(HOSTS[k] for k in BVI)
    stats = json.loads(archive.crawl_row()["stats"])
    # every article counted once; how many joined or started a story depends on the order they arrived in
    assert stats["archiver/stories/copies"] == 2
    assert stats["archiver/stories/joined"] + stats["archiver/stories/new"] == 10 and stats["archiver/stories/new"] >= 5


@pytest.mark.crawl
def test_the_canned_query_shows_a_story_side_by_side(archive: Crawl, sites: dict) -> None:
    sql = metadata("archive")["databases"]["archive"]["queries"]["story"]["sql"]
    story_id = rows(archive)[seed_url(sites, "herald")]["story_id"]
    shown = list(archive.db.query(sql, {"story_id": story_id}))
    assert len(shown) == 7
    assert {"article_id", "site", "title", "date", "word_count"} <= set(shown[0])
    assert [r["date"] for r in shown] == sorted(r["date"] for r in shown)
    assert {r["site"] for r in shown} == set(HOSTS.values())


@pytest.mark.crawl
def test_rebuild_gives_the_same_groups(archive: Crawl, tmp_path: Path) -> None:
    before = groups(archive, "story_id"), groups(archive, "copy_of")
    done = run_archiver("stories", "--rebuild", "--db", str(archive.db_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "12 articles in 5 stories (2 of several articles), 2 copies."
    assert (groups(archive, "story_id"), groups(archive, "copy_of")) == before


@pytest.mark.crawl
def test_stories_on_a_missing_archive_or_another_file_says_what_to_give(tmp_path: Path) -> None:
    done = run_archiver("stories", "--rebuild", "--db", str(tmp_path / "nothing.db"))
    assert done.returncode == 1
    assert done.stderr.strip() == f"Error: No archive at {tmp_path / 'nothing.db'}; give its path with --db."
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n", encoding="utf-8")
    done = run_archiver("stories", "--db", str(notes))
    assert done.returncode == 1
    assert done.stderr.strip() == (f"Error: {notes} is not an archive database (file is not a database); "
                                   "give the archive's path with --db.")


@pytest.mark.crawl
def test_a_copy_found_in_a_later_crawl_joins_the_existing_group(sites: dict, tmp_path: Path) -> None:
    herald = seed_url(sites, "herald")
    first = crawl_urls(tmp_path, [herald, seed_url(sites, "daily"), other_url(sites, "observer")])
    sites[LATER_COPY[0]].later = True
    try:
        second = crawl_urls(tmp_path, [copy_url(sites, LATER_COPY)])
    finally:
        sites[LATER_COPY[0]].later = False
    articles = rows(second)
    later = articles[copy_url(sites, LATER_COPY)]
    assert later["copy_of"] == articles[herald]["id"]
    assert later["story_id"] == articles[herald]["story_id"] == articles[seed_url(sites, "daily")]["story_id"]
    assert later["story_id"] != articles[other_url(sites, "observer")]["story_id"]
    assert first.db_path == second.db_path
    assert json.loads(second.crawl_row()["stats"])["archiver/stories/copies"] == 1


def _pages() -> dict[str, str]:
    """Every seed and unrelated page the story sites serve, by URL, as HTML."""
    from newssite import TEMPLATES

    found = {}
    for key, host in HOSTS.items():
        site = StorySite(key)
        for path in (SEED_PATH, UNRELATED_PATH):
            template, story = site.pages[path]
            url = f"http://{host}{path}"
            found[url] = TEMPLATES[template](story, url)
    return found


@pytest.mark.parametrize("pair", list(itertools.combinations(HOSTS, 2)))
def test_any_two_write_ups_form_a_story_in_a_fresh_archive(pair: tuple[str, str], tmp_path: Path) -> None:
    from archiver.extract import extract_article

    pages = _pages()
    seeds = [f"http://{HOSTS[key]}{SEED_PATH}" for key in pair]
    unrelated = [f"http://{host}{UNRELATED_PATH}" for host in HOSTS.values()]
    with Archive(tmp_path / "archive.db") as archive:
        for url in [seeds[0], *unrelated, seeds[1]]:
            archive.file(url, None, extract_article(pages[url], url)).result()
    story = {r["url"]: r["story_id"] for r in sqlite_utils.Database(tmp_path / "archive.db").query(
        "select url, story_id from articles")}
    assert story[seeds[0]] == story[seeds[1]]
    assert not any(story[url] == story[seeds[0]] for url in unrelated)


@pytest.mark.crawl
def test_two_write_ups_crawled_into_an_empty_archive_are_one_story(sites: dict[str, StorySite], tmp_path: Path) -> None:
    pair = ("herald", "canindia")  # the pair furthest apart without a background of word frequencies
    crawl = crawl_urls(tmp_path, [seed_url(sites, k) for k in pair] + [other_url(sites, k) for k in HOSTS])
    assert {seed_url(sites, k) for k in pair} in groups(crawl, "story_id")


def test_an_article_filed_again_away_from_the_story_named_after_it_leaves_it(tmp_path: Path) -> None:
    from archiver.extract import extract_article

    pages = _pages()
    first, second = (f"http://{HOSTS[key]}{SEED_PATH}" for key in ("herald", "observer"))
    other = f"http://{HOSTS['herald']}{UNRELATED_PATH}"
    db = sqlite_utils.Database(tmp_path / "archive.db")
    with Archive(tmp_path / "archive.db") as archive:
        for url in (first, second):
            archive.file(url, None, extract_article(pages[url], url)).result()
        story = {r["url"]: r["story_id"] for r in db.query("select url, story_id from articles")}
        assert story[first] == story[second]  # the story takes the first article's id
        # the first article is filed again with another story's text (as a re-extraction may give): it leaves the story
        assert archive.file(first, None, extract_article(pages[other], first)).result().story == "new"
    story = {r["url"]: r["story_id"] for r in db.query("select url, story_id from articles")}
    stories = {r["id"]: r["articles"] for r in db.query("select id, articles from stories")}
    assert story[first] != story[second]
    assert stories == {story[first]: 1, story[second]: 1}


def test_a_story_row_counted_article_by_article_is_its_recount(tmp_path: Path) -> None:
    from archiver.storage import Storage, storyindex
    from made import an_article

    # near copies of one text: one story, joined on each site and date, earlier, later and on the same day
    text = " ".join(f"Sentence {i} of the report on the council's vote to close the old bridge." for i in range(40))
    dates = ["2026-11-20", "2026-11-20", "2026-11-18", None, "2026-11-25", "2026-11-18", "2026-11-18"]
    with Archive(tmp_path / "archive.db") as archive:
        recount = Storage(tmp_path / "archive.db")  # a second connection, recounting what the service filed
        db = recount.db
        for i, date in enumerate(dates):
            site = ("b.example", "a.example", "c.example")[i % 3]
            archive.file(f"http://{site}/{i}", None,
                         an_article(f"{text} Footer {i}.", title=f"Title {i}", date=date)).result()
            counted = list(db.query("select * from stories order by id"))
            with recount.write():
                for row in counted:
                    storyindex.refresh_story(db, row["id"])
            assert list(db.query("select * from stories order by id")) == counted
            recount.commit()  # the archive's I/O thread writes next
        recount.close()
    (story,) = counted
    assert story["articles"] == len(dates) and json.loads(story["sites"]) == ["a.example", "b.example", "c.example"]
    assert (story["first_seen"], story["title"]) == ("2026-11-18", "Title 2")  # the first of the earliest day
