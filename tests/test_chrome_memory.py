"""Site chrome memory: blocks a site repeats on many pages leave the text; the story, even a shared quote, stays."""

from __future__ import annotations

import re
from pathlib import Path

from chromesite import PAGES_PER_TEMPLATE, QUOTE, SHARED, TEMPLATES, ChromeSite, paragraphs
from conftest import reextract, run_archiver, run_crawl, texts

from archiver.extract.rules import chrome_line


def test_chrome_blocks_are_learnt_and_reextraction_removes_them_everywhere(tmp_path: Path, chrome_site: ChromeSite) -> None:
    url_file = tmp_path / "urls.txt"
    url_file.write_text("\n".join(chrome_site.urls()))
    crawl = run_crawl(tmp_path, "article", {"urls": str(url_file)}, {"CONCURRENT_REQUESTS": "1"})
    first = texts(crawl, chrome_site)
    assert len(first) == len(TEMPLATES) * PAGES_PER_TEMPLATE
    # once a block has been seen on 4 pages of the site, later pages come in without it
    for (template, page), text in first.items():
        if page >= 3:  # the 4th page of a template is the 4th sighting
            assert not any(line in text for line in TEMPLATES[template]), (template, page)
    learnt = {r["text"] for r in crawl.db.query("select text from site_blocks where pages >= 4")}
    # (a copyright line never reaches the memory: the chrome-line rules drop it first)
    assert learnt == {line for lines in TEMPLATES.values() for line in lines if not chrome_line(line)}

    summary = reextract(crawl)
    assert re.fullmatch(r"100 re-extracted, (\d+) changed, 0 no article now, 0 unreadable \(of 100 articles\)\.", summary)
    # the pages crawled before the memory knew: at least the first two of each template (a third may already
    # have lost its chrome, when the first two were filed in two stories at the time)
    assert int(summary.split(", ")[1].split()[0]) >= len(TEMPLATES) * 2
    final = texts(crawl, chrome_site)
    for (template, page), text in final.items():
        assert not any(line in text for line in TEMPLATES[template]), (template, page)
        assert all(paragraph in text for paragraph in paragraphs(template, page)), (template, page)
    assert sum(SHARED in text for text in final.values()) == 2
    assert sum(QUOTE in text for text in final.values()) == 3
    # the evidence is untouched: the WARC records still hold the chrome
    assert crawl.db["captures"].count_where("warc_filename is not null") >= 100


def test_reextraction_reports_what_it_cannot_read(tmp_path: Path, chrome_site: ChromeSite) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": chrome_site.urls()[0]})
    for warc in crawl.warc_dir.iterdir():
        warc.write_bytes(b"not a warc file")
    done = run_archiver("reextract", "--db", str(crawl.db_path), "--warc-dir", str(crawl.warc_dir))
    assert done.returncode == 1 and "1 unreadable" in done.stdout  # not a success: a capture could not be read
    assert "Damaged record" in done.stderr or "No response record" in done.stderr
    missing = run_archiver("reextract", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 1 and missing.stderr.strip().endswith("No archive at " + str(tmp_path / "none.db") + "; give its path with --db.")


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
