"""The archive in a real browser: Debian's headless Chromium, driven by Playwright, over `archiver serve`.

Each test saves a screenshot under artifacts/screenshots/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import ROOT, Crawl
from newssite import NewsSite
from scriptedsite import SCRIPTED_PATH, SITE, TITLE, ScriptedSite
from served import Served

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# As root, with no network: no sandbox, and none of Chromium's calls home.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: install Debian's chromium package (.ci/run does).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page = context.new_page()
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def test_search_finds_an_article_by_a_word_of_its_text(page: Page, served: Served, crawl_urls: dict, news_site: NewsSite) -> None:
    page.goto(served.base + "/archive/articles")
    page.fill("input[name=_search]", "Borodyanka")
    page.press("input[name=_search]", "Enter")
    page.wait_for_url("**_search=Borodyanka**")
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == 1
    assert crawl_urls["daily"] in rows.first.inner_text()
    page.goto(served.base + "/archive/search?q=Borodyanka")
    assert page.locator("mark", has_text="Borodyanka").count() >= 1
    assert page.locator("td.col-title").first.inner_text() == news_site.stories["daily"].title
    page.locator("td.col-article_id a").first.click()
    page.wait_for_url("**/-/archiver/archive/article/*")
    assert page.locator("article h1").inner_text() == news_site.stories["daily"].title


def test_the_article_page_opens_from_the_articles_table(page: Page, served: Served, crawl_urls: dict, news_site: NewsSite) -> None:
    story = news_site.stories["observer"]
    page.goto(served.base + "/archive/articles?url=" + crawl_urls["observer"])
    page.get_by_role("link", name=story.title).click()
    page.wait_for_url("**/-/archiver/archive/article/*")
    assert page.locator("article h1").inner_text() == story.title
    assert story.author in page.locator(".byline").inner_text()
    assert page.locator(".text p").first.inner_text() == story.body[0]
    assert page.locator("a.original").get_attribute("href") == crawl_urls["observer"]
    page.locator("a.raw").click()
    page.wait_for_url("**/capture/*/raw")
    assert story.body[0][:60] in page.locator("body").inner_text()


def test_a_raw_capture_cannot_run_its_scripts_or_call_home(page: Page, served: Served, web_archive: Crawl, scripted_site: ScriptedSite) -> None:
    capture = next(web_archive.db.query("select id from captures where url = ?", [scripted_site.url(SCRIPTED_PATH)]))
    before = scripted_site.beacon_requests()  # the crawl itself followed the meta refresh
    page.goto(served.base + f"/-/archiver/archive/capture/{capture['id']}/raw")
    page.wait_for_timeout(2500)  # longer than the page's 1 s meta refresh: it must not have fired
    assert page.title() == f"{TITLE} | {SITE}"
    assert page.url.endswith(f"/capture/{capture['id']}/raw")
    assert "Negotiators from both delegations" in page.locator("body").inner_text()
    assert scripted_site.beacon_requests() == before  # no script, image, style, frame or refresh reached the server


def test_a_non_html_capture_is_offered_as_a_download(page: Page, served: Served, web_archive: Crawl, crawl_urls: dict) -> None:
    capture = next(web_archive.db.query("select id from captures where url = ?", [crawl_urls["pdf"]]))
    page.goto(served.base + "/archive/captures?_search=")
    with page.expect_download() as download:
        page.evaluate("url => { const a = document.createElement('a'); a.href = url; document.body.append(a); a.click(); }",
                      f"/-/archiver/archive/capture/{capture['id']}/raw")
    assert download.value.suggested_filename == "peskov-transcript.pdf"
