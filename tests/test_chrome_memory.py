"""Site chrome memory: blocks a site shows on pages of different stories, or on pages of one story that other
sites wrote up without them, leave the text; a story's own lines and what its write-ups share stay."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlite_utils

from chromesite import LINES_IN, PAGES_PER_TEMPLATE, TEMPLATES, ChromeSite, paragraphs, path, render, story_of
from conftest import Crawl, reextract, run_archiver, run_crawl

from archiver.archive.service import Archive  # imports the worker pool: at collection, not in a fast test
from archiver.extract.rules import chrome_line

URL = "https://news.example/{}/{}"
CRAWL_ORDER = [(t, p) for p in range(PAGES_PER_TEMPLATE) for t in TEMPLATES]


def stories(rows: dict) -> set[frozenset]:
    """The partition of the pages (the keys of ``rows``) by their rows' ``story_id``."""
    found: dict[int, set] = {}
    for page, row in rows.items():
        found.setdefault(row["story_id"], set()).add(page)
    return {frozenset(pages) for pages in found.values()}


EXPECTED_STORIES = stories({page: {"story_id": story_of(*page)} for page in CRAWL_ORDER})


def test_the_chrome_site_reports_stories_of_one_page_and_three_of_several() -> None:
    assert len(EXPECTED_STORIES) == len(CRAWL_ORDER) - sum(len(pages) - 1 for pages in LINES_IN.values())
    assert sorted(len(pages) for pages in EXPECTED_STORIES if len(pages) > 1) == [2, 3, 6]
    for line, pages in LINES_IN.items():  # each shared line is one story's
        assert {story_of(*page) for page in pages} == {story_of(*next(iter(pages)))}


def test_a_block_leaves_a_page_once_earlier_pages_of_two_stories_showed_it(tmp_path: Path) -> None:
    """Filed in crawl order by the archive service, each page against the stories as they were when it came in."""
    from archiver.extract import extract_article

    with Archive(tmp_path / "archive.db") as archive:
        db, shown = sqlite_utils.Database(tmp_path / "archive.db"), {t: [] for t in TEMPLATES}  # the pages filed so far
        for template, page in CRAWL_ORDER:
            url = URL.format(template, page)
            earlier = {r[0] for r in db.execute(
                f"SELECT story_id FROM articles WHERE url IN ({', '.join('?' * len(shown[template]))})", shown[template])}
            archive.file(url, None, extract_article(render(template, page).decode(), url)).result()
            text = db.execute("SELECT text FROM articles WHERE url = ?", [url]).fetchone()[0]
            kept = [line for line in TEMPLATES[template] if line in text and not chrome_line(line)]
            assert bool(kept) == (len(earlier) < 2), (template, page, earlier)
            assert all(paragraph in text for paragraph in paragraphs(template, page)), (template, page)
            shown[template].append(url)


@pytest.mark.crawl
def test_chrome_leaves_every_page_and_a_story_s_lines_stay_however_many_its_pages(tmp_path: Path, chrome_site: ChromeSite) -> None:
    url_file = tmp_path / "urls.txt"
    url_file.write_text("\n".join(chrome_site.urls()))
    crawl = run_crawl(tmp_path, "article", {"urls": str(url_file)}, {"CONCURRENT_REQUESTS": "1"})
    first = rows(crawl, chrome_site)
    assert len(first) == len(TEMPLATES) * PAGES_PER_TEMPLATE
    # the first two pages of each template keep their chrome: nothing yet tells it from their stories (how soon
    # later pages lose it depends on how far a crawl's story filing runs behind: see the test above for the rule)
    for template in TEMPLATES:
        for _, page in sorted((row["id"], page) for (t, page), row in first.items() if t == template)[:2]:
            assert any(line in first[(template, page)]["text"] for line in TEMPLATES[template]), (template, page)

    summary = reextract(crawl)
    changed = re.fullmatch(r"100 re-extracted, (\d+) changed, 0 no article now, 0 unreadable \(of 100 articles\)\.", summary)
    assert changed and int(changed[1]) >= len(TEMPLATES) * 2  # the first two pages of each template at least
    final = rows(crawl, chrome_site)
    assert stories(final) == EXPECTED_STORIES  # with the chrome out, each page is filed in its own story again
    for (template, page), row in final.items():
        assert not any(line in row["text"] for line in TEMPLATES[template]), (template, page)
        assert all(paragraph in row["text"] for paragraph in paragraphs(template, page)), (template, page)
    # the wire paragraph of two articles, the quote of three and the one of six, each of one story, stay
    for line, pages in LINES_IN.items():
        assert {page for page, row in final.items() if line in row["text"]} == pages
    # the memory's chrome: blocks on pages of two stories (a copyright line never gets there: a chrome-line rule drops it)
    chrome = {r["text"] for r in crawl.db.query(
        "select b.text from site_blocks b join site_block_pages p on p.site = b.site and p.block = b.block "
        "join articles a on a.url = p.url group by b.site, b.block having count(distinct a.story_id) >= 2")}
    assert chrome == {line for lines in TEMPLATES.values() for line in lines if not chrome_line(line)}
    # the evidence is untouched: the WARC records still hold the chrome
    assert crawl.db["captures"].count_where("warc_filename is not null") >= 100


def rows(crawl: Crawl, site: ChromeSite) -> dict[tuple[str, int], dict]:
    """The chrome site's articles in an archive (id, text, story), by (template, page)."""
    by_url = {site.url(path(*page)): page for page in CRAWL_ORDER}
    return {by_url[r["url"]]: r for r in crawl.db.query("select id, url, text, story_id from articles")}


@pytest.mark.crawl
def test_reextraction_reports_what_it_cannot_read(tmp_path: Path, chrome_site: ChromeSite) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": chrome_site.urls()[0]})
    for warc in crawl.warc_dir.iterdir():
        warc.write_bytes(b"not a warc file")
    done = run_archiver("reextract", "--db", str(crawl.db_path), "--warc-dir", str(crawl.warc_dir))
    assert done.returncode == 1 and "1 unreadable" in done.stdout  # not a success: a capture could not be read
    # the stored place is checked against the file before anything is read (archiver/formats/warc.py place_problem)
    assert "No record to read: its stored place" in done.stderr and "runs past the end of its WARC file" in done.stderr
    missing = run_archiver("reextract", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 1 and missing.stderr.strip().endswith("No archive at " + str(tmp_path / "none.db") + "; give its path with --db.")


@pytest.mark.crawl
def test_reextract_by_site_and_since(tmp_path: Path, chrome_site: ChromeSite) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": ",".join(chrome_site.urls()[:3])})
    assert reextract(crawl, "--site", "127.0.0.1").startswith("3 re-extracted")
    assert reextract(crawl, "--site", "example.org").endswith("(of 0 articles).")
    assert reextract(crawl, "--since", "2999-01-01").endswith("(of 0 articles).")
    assert reextract(crawl, "--since", "1h").endswith("(of 3 articles).")
    bad = run_archiver("reextract", "--db", str(crawl.db_path), "--warc-dir", str(crawl.warc_dir), "--since", "someday")
    assert bad.returncode == 1 and "--since someday is neither a date (2026-11-01) nor an age (48h, 7d)." in bad.stderr


def test_the_same_story_at_many_urls_is_a_copy_not_chrome() -> None:
    from chromesite import render

    from archiver.extract.blocks import block_key
    from archiver.extract import extract_article

    article = extract_article(render("herald", 0).decode(), "https://herald.example/a")
    every_block = {block_key(line) for line in article.text.splitlines()}
    assert article.without_blocks(every_block) is article  # all known: a copy, kept whole
    some = {block_key(line) for line in TEMPLATES["herald"]}
    assert all(line not in article.without_blocks(some).text for line in TEMPLATES["herald"])


@pytest.mark.crawl
def test_a_block_on_pages_of_two_stories_is_chrome_and_a_quote_within_one_story_stays(tmp_path: Path) -> None:
    from chromesite import PETITION_PAGES, PETITION_QUOTE, PetitionSite, petition_promo

    site = PetitionSite().start()
    try:
        urls = [site.url(path) for path in PETITION_PAGES]
        crawl = run_crawl(tmp_path, "article", {"url": ",".join(urls)}, {"CONCURRENT_REQUESTS": "1"})
        assert crawl.returncode == 0, crawl.stderr[-2000:]
        reextract(crawl)
        final = {row["url"]: row for row in crawl.db.query("select url, text, story_id from articles")}
    finally:
        site.stop()
    assert set(final) == set(urls)
    peskov = [site.url(p) for p in PETITION_PAGES if "peskov" in p]
    assert len({final[url]["story_id"] for url in peskov}) == 1  # one story, three write-ups
    # the promo, shown on pages of different stories, leaves every page that carried it
    assert not any(line in row["text"] for row in final.values() for line in petition_promo())
    # the quote, shared by three articles of one story only, stays in all three
    assert {url for url, row in final.items() if PETITION_QUOTE in row["text"]} == set(peskov)


def test_the_petition_promo_leaves_the_next_page_once_shown_twice_and_every_page_when_filed_again(tmp_path: Path) -> None:
    """The archive service, as a crawl and then ``archiver reextract`` file them, in the site's order."""
    from chromesite import PETITION_PAGES, PETITION_QUOTE, petition_page, petition_promo

    from archiver.extract import extract_article

    pages = {f"https://petition.example{p}": extract_article(petition_page(p).decode(), f"https://petition.example{p}")
             for p in PETITION_PAGES}
    passes = []
    with Archive(tmp_path / "archive.db") as archive:
        for _ in range(2):
            for url, article in pages.items():
                archive.file(url, None, article).result()
            passes.append({r["url"].split("/")[-1]: r["text"]
                           for r in sqlite_utils.Database(tmp_path / "archive.db").query("select url, text from articles")})
    promo = petition_promo()
    # other-1, peskov and other-2 carry it: the first two of two stories keep it, until filed again
    assert [name for name, text in passes[0].items() if any(line in text for line in promo)] == ["other-1.html", "peskov.html"]
    assert not any(line in text for text in passes[1].values() for line in promo)
    for texts in passes:
        assert {name for name, text in texts.items() if PETITION_QUOTE in text} == {
            "peskov.html", "peskov-herald.html", "peskov-observer.html"}


def test_a_promo_on_every_page_of_a_one_story_site_leaves_from_its_second_sighting_and_a_shared_quote_stays(
        tmp_path: Path) -> None:
    """Five sites, every page a write-up of one story: the archive writer in a crawl's order, then filed again."""
    from onestorysite import HOSTS, PROMO_SITE, QUOTE, QUOTED_BY, body, crawl_order, promo
    from onestorysite import path as story_path
    from onestorysite import render as story_page

    from archiver.extract import extract_article

    pages = {(site, page): f"http://{HOSTS[site]}{story_path(page)}" for site, page in crawl_order()}
    articles = {address: extract_article(story_page(*page).decode(), address) for page, address in pages.items()}
    assert all(line in articles[pages[PROMO_SITE, 0]].text for line in promo())  # stock extraction keeps it
    passes = []
    with Archive(tmp_path / "archive.db") as archive:
        for _ in range(2):
            for address, article in articles.items():
                archive.file(address, None, article).result()
            passes.append({r["url"]: r for r in sqlite_utils.Database(tmp_path / "archive.db").query(
                "select url, text, story_id from articles")})
    assert len({row["story_id"] for row in passes[0].values()}) == 1  # one story, as written
    carrying = [(page, address) for (site, page), address in pages.items() if site == PROMO_SITE]
    # the first page keeps it (nothing yet tells it from the story), the pages filed after its second sighting
    # do not; filed again (archiver reextract), no page does
    assert [page for page, address in carrying if any(line in passes[0][address]["text"] for line in promo())] == [0]
    assert not any(line in passes[1][address]["text"] for _, address in carrying for line in promo())
    for texts in passes:
        # the quote the daily repeats on every page, as the herald and the observer do on theirs, stays everywhere
        assert {address for address, row in texts.items() if QUOTE in row["text"]} == {
            address for (site, _), address in pages.items() if site in QUOTED_BY}
        # and every write-up keeps its paragraphs
        assert all(line in texts[address]["text"] for page, address in pages.items() for line in body(*page))


@pytest.mark.crawl
def test_a_crawl_of_one_story_sites_drops_one_site_s_promo_and_keeps_what_their_write_ups_share(tmp_path: Path) -> None:
    from onestorysite import HOSTS, PROMO_SITE, QUOTE, QUOTED_BY, OneStorySite, body, crawl_order, promo
    from onestorysite import path as story_path
    from storysite import STORY_NETWORK

    sites = {key: OneStorySite(key).start() for key in HOSTS}
    try:
        pages = {sites[site].url(story_path(page)): (site, page) for site, page in crawl_order()}
        url_file = tmp_path / "urls.txt"
        url_file.write_text("\n".join(pages) + "\n")
        crawl = run_crawl(tmp_path, "article", {"urls": str(url_file)},
                          {"CONCURRENT_REQUESTS": "1", "ARCHIVER_ALLOW_NETWORKS": STORY_NETWORK})
        assert crawl.returncode == 0, crawl.stderr[-3000:]
        first = {r["url"]: r for r in crawl.db.query("select id, url, text from articles")}
        reextract(crawl)
        final = {r["url"]: r for r in crawl.db.query("select url, text, story_id from articles")}
    finally:
        for site in sites.values():
            site.stop()
    assert set(first) == set(final) == set(pages)
    daily = sorted((first[url]["id"], url) for url, (site, _) in pages.items() if site == PROMO_SITE)
    keeping = [url for _, url in daily if any(line in first[url]["text"] for line in promo())]
    print(f"after the crawl, the promo is on {len(keeping)} of the daily's {len(daily)} pages")
    # the first daily page filed keeps it; later ones lose it as soon as the stories of the earlier ones are
    # filed (a crawl files stories behind articles: the second page, or a few after it)
    assert keeping and keeping == [url for _, url in daily[:len(keeping)]] and len(keeping) < len(daily) - 2
    assert not any(line in row["text"] for url, row in final.items() for line in promo())
    assert {url for url, row in final.items() if QUOTE in row["text"]} == {
        url for url, (site, _) in pages.items() if site in QUOTED_BY}
    assert all(line in final[url]["text"] for url, page in pages.items() for line in body(*page))
    assert len({row["story_id"] for row in final.values()}) == 1
