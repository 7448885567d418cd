"""The archive in a real browser: Debian's headless Chromium, driven by Playwright, over `archiver serve`.

Each test saves a screenshot under artifacts/screenshots/ (the archive's own pages, one at each width).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import ROOT, Crawl
from dashboardarchive import DashboardArchive, build
from newssite import NewsSite
from scriptedsite import SCRIPTED_PATH, SITE, TITLE, ScriptedSite
from served import Served

pytestmark = [pytest.mark.browser, pytest.mark.crawl]

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


# The archive's own pages, at a desktop's width and a phone's; screenshots NAME_desktop.png and NAME_phone.png.
WIDTHS = {"desktop": 1100, "phone": 375}
SMALLEST_LABEL_PX = 9  # a chart's labels, as drawn at phone width


@pytest.fixture(scope="module")
def dash(news_site: NewsSite, crawl_urls: dict, tmp_path_factory: pytest.TempPathFactory) -> DashboardArchive:
    return build(tmp_path_factory, news_site, crawl_urls)


@pytest.fixture(scope="module")
def dash_served(dash: DashboardArchive) -> Iterator[Served]:
    instance = Served(dash.crawl.db_path, "--warc-dir", str(dash.crawl.warc_dir)).start()
    yield instance
    instance.stop()


def at_widths(browser: Browser, url: str, name: str, check: Callable[[Page, int], None], full_page: bool = True) -> None:
    """Open ``url`` at each width, check it, screenshot it (whether the check passed or not)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        try:
            page.goto(url)
            check(page, width)
            if width < 400:  # nothing wider than the phone: no sideways scrolling
                assert page.evaluate("document.documentElement.scrollWidth") <= width
        finally:
            page.screenshot(path=str(SCREENSHOTS / f"{name}_{label}.png"), full_page=full_page)
            context.close()


def check_charts(page: Page, width: int) -> None:
    charts = page.locator("svg.archiver-chart")
    assert charts.count() >= 1
    for n in range(charts.count()):
        box = charts.nth(n).bounding_box()
        assert box is not None and 300 <= box["width"] <= max(width, 600)
        label = charts.nth(n).locator("text").first.bounding_box()
        assert label is not None and label["height"] >= SMALLEST_LABEL_PX


def test_the_archive_landing_page(browser: Browser, dash_served: Served, dash: DashboardArchive) -> None:
    def check(page: Page, width: int) -> None:
        check_charts(page, width)
        assert page.locator("svg.archiver-chart").count() == 2
        assert page.get_by_role("img", name="Articles archived per day, by site").count() == 1
        assert page.get_by_role("img", name="Pages fetched and failed per crawl").count() == 1
        assert page.locator(".archiver-totals li").count() == 6
        assert page.locator("section", has=page.locator("h2", has_text="Recent stories")).locator("a").count() >= 2

    at_widths(browser, dash_served.base + "/-/archiver/archive", "archive_landing_page", check)


def test_the_home_page_leads_to_the_landing_page(page: Page, dash_served: Served) -> None:
    page.goto(dash_served.base + "/")
    page.locator("a").filter(has_text="Open the archive overview").click()
    page.wait_for_url("**/-/archiver/archive")
    assert page.locator("h1").inner_text() == "The archive"


def test_the_story_page(browser: Browser, dash_served: Served, dash: DashboardArchive) -> None:
    story_id = next(dash.crawl.db.query("select story_id from articles where url = ?", [dash.story_urls["herald"]]))["story_id"]

    def check(page: Page, width: int) -> None:
        check_charts(page, width)
        points = page.locator("svg.archiver-chart a")
        assert points.count() == page.locator("table.archiver-story-articles tbody tr").count() >= 7
        with page.expect_navigation():
            points.first.click()
        assert "/-/archiver/archive/article/" in page.url
        page.go_back()  # the story page, for the screenshot

    at_widths(browser, dash_served.base + f"/-/archiver/archive/story/{story_id}", "archive_story_page", check)


def test_the_version_page(browser: Browser, dash_served: Served, dash: DashboardArchive) -> None:
    second = next(dash.crawl.db.query("select id from versions where url = ? and number = 2", [dash.changed_url]))["id"]

    def check(page: Page, width: int) -> None:
        changed = page.locator("tr.changed")
        assert changed.locator("del").first.is_visible() and changed.locator("ins").first.is_visible()
        old, new = changed.locator("td.old").bounding_box(), changed.locator("td.new").bounding_box()
        assert old and new
        if width > 640:
            assert old["x"] < new["x"] and abs(old["y"] - new["y"]) < 2  # side by side
        else:
            assert new["y"] > old["y"] and changed.locator(".side").first.is_visible()  # before, above after

    at_widths(browser, dash_served.base + f"/-/archiver/archive/version/{second}", "archive_version_page", check)


def test_the_article_page_at_both_widths(browser: Browser, dash_served: Served, dash: DashboardArchive) -> None:
    article = next(dash.crawl.db.query("select * from articles where url = ?", [dash.changed_url]))

    def check(page: Page, width: int) -> None:
        assert page.locator("article h1").inner_text() == article["title"]
        assert page.locator(".text p").first.inner_text() != article["title"]
        assert page.locator(".byline .site").inner_text() == "River Gazette"
        assert page.locator(".byline time").get_attribute("title") == article["date"]

    at_widths(browser, dash_served.base + f"/-/archiver/archive/article/{article['id']}", "archive_article_page", check)


def test_the_articles_table_shows_rows_on_its_first_screen(browser: Browser, dash_served: Served) -> None:
    def check(page: Page, width: int) -> None:
        folded = page.locator("details.archiver-column-descriptions")
        assert folded.count() == 1 and folded.get_attribute("open") is None
        assert "columns mean" in folded.locator("summary").inner_text()
        first_row = page.locator("table.rows-and-columns tbody tr").first.bounding_box()
        if width > 640:
            assert first_row is not None and first_row["y"] < 900  # on the first screen
        folded.locator("summary").click()
        assert page.locator("dl.column-descriptions dt", has_text="copy_of").is_visible()
        folded.locator("summary").click()  # folded again, for the screenshot of the first screen

    # the first screen is the point (the whole table is thousands of pixels of text)
    at_widths(browser, dash_served.base + "/archive/articles", "archive_articles_table", check, full_page=False)
