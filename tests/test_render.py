"""Pages that need JavaScript: Debian's chromium renders only the shells, both captures are kept, all of it bounded.

Real crawls of tests/jssite.py on loopback with the browser the machine has
(``/usr/bin/chromium``); the WARC files are read back with warcio, checked
with ``warcio check``, indexed with ``archiver cdxj`` and replayed by pywb.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from archiver.storage.reading import captures_of
from conftest import Crawl, finish_crawl, run_archiver, run_crawl, start_crawl
from jssite import KEYS, STORIES, JsSite
from loopback import LoopbackServer
from test_rechecks import warc_records as records

pytestmark = [pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed"),
              pytest.mark.crawl]

FETCH, NEXT, PLAIN, REFUSED, FOREVER = KEYS[0], KEYS[1], KEYS[2], KEYS[3], KEYS[4]
TIMEOUT = "6"


def norm(text: str) -> str:
    return " ".join(text.split())


def has_story(text: str, key: str) -> bool:
    return all(norm(line) in norm(text) for line in STORIES[key].body)


def processes() -> dict[int, tuple[int, str, int]]:
    """Every process, read from /proc: pid -> (parent pid, command name, start time)."""
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_bytes()
            except OSError:
                continue
            head, _, rest = stat.rpartition(b")")
            fields = rest.split()
            found[int(entry.name)] = (int(fields[1]), head.split(b"(", 1)[1].decode("utf-8", "replace"), int(fields[19]))
    return found


def descendants(root: int) -> dict[int, tuple[str, int]]:
    """The processes below ``root`` (Playwright starts the browser in a session of its own: ancestry finds it)."""
    table, below, frontier = processes(), {}, [root]
    while frontier:
        pid = frontier.pop()
        for child, (parent, name, started) in table.items():
            if parent == pid and child not in below:
                below[child] = (name, started)
                frontier.append(child)
    return below


def still_running(seen: dict[int, tuple[str, int]]) -> list[str]:
    """Those of ``seen`` that still run (the same pid and start time)."""
    table = processes()
    return [name for pid, (name, started) in seen.items() if pid in table and table[pid][2] == started]


def browser_names(names) -> list[str]:
    return [name for name in names if "chrom" in name or name.startswith("node")]


@pytest.fixture(scope="module")
def js_site():
    site = JsSite().start()
    refused = LoopbackServer(site.route, host="127.0.0.2").start()  # listening, but the guard must refuse it
    site.refused_base = refused.base
    yield site, refused
    refused.stop()
    site.stop()


@pytest.fixture(scope="module")
def crawled(js_site, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    site, _ = js_site
    urls = [site.url_of("fetch", FETCH), site.url_of("next", NEXT), site.url_of("plain", PLAIN),
            site.url_of("refused", REFUSED), site.url_of("forever", FOREVER), site.url_of("busy", PLAIN)]
    crawl = run_crawl(tmp_path_factory.mktemp("render"), "article", {"url": ",".join(urls)},
                      {"ARCHIVER_RENDER_TIMEOUT": TIMEOUT})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    return crawl


def article(crawl: Crawl, url: str) -> dict:
    return next(crawl.db.query("select * from articles where url = ?", [url]))


def stats(crawl: Crawl) -> dict:
    return json.loads(crawl.crawl_row()["stats"])


@pytest.mark.browser
def test_an_article_that_arrives_by_fetch_is_taken_from_the_rendered_page(crawled: Crawl, js_site) -> None:
    site, _ = js_site
    url = site.url_of("fetch", FETCH)
    row = article(crawled, url)
    assert row["source"] == "rendered" and has_story(row["text"], FETCH)
    assert row["title"].startswith(STORIES[FETCH].title)
    rendered = next(crawled.db.query("select * from captures where id = ?", [row["capture_id"]]))
    plain = next(crawled.db.query("select * from captures where id = ?", [rendered["render_of"]]))
    assert rendered["browser"].startswith("chromium/") and plain["browser"] is None
    assert rendered["url"] == f"urn:dom:{url}" and plain["url"] == url
    document = next(crawled.db.query("select * from captures where url = ? and browser is not null", [url]))
    assert document["render_of"] == plain["id"] and document["status"] == 200  # the browser's own response
    # what Datasette's article page lists: the plain fetch, the browser's response and the page it rendered
    listed = {c["id"]: c["browser"] for c in captures_of(crawled.db.conn, url)}
    assert listed.keys() == {plain["id"], document["id"], rendered["id"]}
    assert listed[plain["id"]] is None and listed[document["id"]].startswith("chromium/")
    assert "empty app root <div id=root>" not in (plain["error"] or "")  # it gave an article: the junk one, not filed
    assert stats(crawled)["archiver/render/memory_max"] > 20_000_000  # the browser's processes, counted


@pytest.mark.browser
def test_the_warc_keeps_what_the_server_sent_and_what_the_reader_saw(crawled: Crawl, js_site) -> None:
    site, _ = js_site
    url = site.url_of("fetch", FETCH)
    found = records(crawled)
    page = [(kind, headers, body) for kind, headers, body in found if headers.get("WARC-Target-URI") == url and kind == "response"]
    plain, browser = page  # the plain fetch, then the browser's document: the same bytes the server sent
    assert "WARC-Browser-Capture" not in plain[1] and browser[1]["WARC-Browser-Capture"].startswith("chromium/")
    assert plain[2] == browser[2] == site.responses_for(f"/fetch/{FETCH}")[0].body
    api = next(r for r in found if r[1].get("WARC-Target-URI") == site.url(f"/api/{FETCH}.json"))
    assert api[0] == "response" and api[1]["WARC-Browser-Capture"] == browser[1]["WARC-Browser-Capture"]
    assert json.loads(api[2])["paragraphs"] == STORIES[FETCH].body
    dom = next(r for r in found if r[1].get("WARC-Target-URI") == f"urn:dom:{url}")
    assert dom[0] == "resource" and dom[1]["Content-Type"] == "text/html; charset=utf-8"
    assert dom[1]["WARC-Concurrent-To"] == browser[1]["WARC-Record-ID"]
    assert has_story(dom[2].decode(), FETCH) and not has_story(browser[2].decode(), FETCH)
    checked = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", *map(str, crawled.warc_dir.glob("*.warc.gz"))],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    index = run_archiver("cdxj", "--db", str(crawled.db_path), "--warc-dir", str(crawled.warc_dir))
    assert index.returncode == 0, index.stderr
    assert f"/api/{FETCH}.json" in index.stdout


@pytest.mark.browser
def test_a_gzip_body_is_stored_as_the_browser_read_it_with_headers_that_say_so(crawled: Crawl, js_site) -> None:
    site, _ = js_site
    path = crawled.warc_dir
    for name in sorted(path.glob("*.warc.gz")):
        with open(name, "rb") as f:
            for record in ArchiveIterator(f):
                if record.rec_type == "response" and \
                        record.rec_headers.get_header("WARC-Target-URI") == site.url(f"/api/{FETCH}.json"):
                    headers, body = record.http_headers, record.raw_stream.read()
    sent = next(s for s in site.sent if s.path == f"/api/{FETCH}.json")
    assert dict(sent.headers)[b"Content-Encoding"] == b"gzip"  # the server sent it compressed
    assert body == gzip.decompress(sent.body)  # the browser hands it over decoded: stored so
    assert headers.get_header("Content-Encoding") is None
    assert headers.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert headers.get_header("Content-Length") == str(len(body))
    assert headers.get_header("X-Archive-Orig-Content-Length") == str(len(sent.body))


@pytest.mark.browser
def test_a_next_page_gives_its_data_without_a_browser(crawled: Crawl, js_site) -> None:
    site, _ = js_site
    url = site.url_of("next", NEXT)
    row = article(crawled, url)
    assert row["source"] == "embedded:next_data" and has_story(row["text"], NEXT)
    assert not list(crawled.db.query("select id from captures where url = ? and browser is not null", [url]))


@pytest.mark.browser
def test_a_normal_page_is_not_rendered(crawled: Crawl, js_site) -> None:
    site, _ = js_site
    url = site.url_of("plain", PLAIN)
    assert article(crawled, url)["source"] == "html"
    assert not list(crawled.db.query("select id from captures where url = ? and browser is not null", [url]))


@pytest.mark.browser
def test_requests_to_refused_addresses_are_blocked(crawled: Crawl, js_site) -> None:
    site, refused = js_site
    row = article(crawled, site.url_of("refused", REFUSED))
    assert row["source"] == "rendered" and has_story(row["text"], REFUSED)
    assert refused.requests == []  # listening on 127.0.0.2: never asked
    assert stats(crawled)["archiver/render/refused"] >= 2  # the fetch() and the <img>
    assert "127.0.0.2" not in "".join(h.get("WARC-Target-URI", "") for _, h, _ in records(crawled))


@pytest.mark.browser
def test_a_page_that_never_settles_leaves_the_plain_capture_and_a_row_saying_why(crawled: Crawl, js_site) -> None:
    site, _ = js_site
    url = site.url_of("forever", FOREVER)
    failed = next(crawled.db.query("select * from captures where url = ? and browser is not null", [url]))
    assert failed["error"] == f"not rendered: the page did not load within {TIMEOUT} s"
    assert failed["warc_filename"] is None
    plain = next(crawled.db.query("select * from captures where id = ?", [failed["render_of"]]))
    assert plain["status"] == 200 and "the browser could not render it" in plain["error"]
    assert article(crawled, url)["source"] == "html"  # what the plain fetch gave, as before (flagged javascript)
    assert article(crawled, url)["flag_interstitial"] == "javascript"
    busy = next(crawled.db.query("select * from captures where url = ? and browser is not null",
                                 [site.url_of("busy", PLAIN)]))
    assert busy["error"] == f"not rendered: the browser was still busy with the page after {int(TIMEOUT) + 15} s"
    assert article(crawled, site.url_of("busy", PLAIN))["flag_interstitial"] == "javascript"  # as fetched
    assert stats(crawled)["archiver/render/failed"] == 2


def test_pages_that_need_no_browser_never_start_one(js_site, tmp_path: Path) -> None:
    site, _ = js_site
    urls = [site.url_of("plain", key) for key in KEYS] + [site.url_of("next", NEXT)]
    process = start_crawl(tmp_path, "article", {"url": ",".join(urls)})
    seen: set[str] = set()
    while process.poll() is None:
        seen.update(name for name, _ in descendants(process.pid).values())
        time.sleep(0.02)
    crawl = finish_crawl(tmp_path, process)
    assert crawl.returncode == 0
    assert "python" in " ".join(seen)  # the watch saw the crawl's extraction worker
    assert browser_names(seen) == []
    assert "archiver/render" not in crawl.crawl_row()["stats"]


@pytest.mark.browser
def test_a_spider_argument_and_a_site_rule_choose_per_crawl_and_per_site(js_site, tmp_path: Path) -> None:
    site, _ = js_site
    plain, shell = site.url_of("plain", FETCH), site.url_of("fetch", NEXT)
    crawl = run_crawl(tmp_path, "article", {"url": plain, "render": "always"})  # a page that needs none, rendered
    assert crawl.returncode == 0
    assert article(crawl, plain)["source"] == "rendered" and has_story(article(crawl, plain)["text"], FETCH)
    crawl.db["site_rules"].insert({"site": "127.0.0.1", "render": "never"})
    crawl = run_crawl(tmp_path, "article", {"url": shell})
    assert crawl.returncode == 0
    assert article(crawl, shell)["source"] == "html"  # the shell as fetched: the site said never
    assert "archiver/render/pages" not in stats(crawl)


def test_without_a_browser_pages_are_archived_as_today_and_the_log_says_how_to_install_one(js_site, tmp_path: Path) -> None:
    site, _ = js_site
    urls = [site.url_of("fetch", FETCH), site.url_of("fetch", NEXT)]
    crawl = run_crawl(tmp_path, "article", {"url": ",".join(urls)}, {"ARCHIVER_BROWSER": str(tmp_path / "no-chromium")})
    assert crawl.returncode == 0
    assert crawl.log.count("looked like they need JavaScript") == 1
    assert (f"2 page(s) looked like they need JavaScript, but there is no browser at {tmp_path / 'no-chromium'}: "
            "install one (apt-get install chromium) or set ARCHIVER_BROWSER to its path.") in crawl.log
    assert stats(crawl)["archiver/render/unavailable"] == 2
    assert [row["source"] for row in crawl.db.query("select source from articles")] == ["html", "html"]


@pytest.mark.browser
@pytest.mark.parametrize("how", ["kill -9", "Ctrl-C"])
def test_no_browser_outlives_its_crawl(js_site, tmp_path: Path, how: str) -> None:
    site, _ = js_site
    urls = [site.url_of("forever", key) for key in KEYS]
    process = start_crawl(tmp_path, "article", {"url": ",".join(urls)}, {"ARCHIVER_RENDER_TIMEOUT": "120"},
                          own_group=True)
    deadline = time.monotonic() + 180
    seen: dict[int, tuple[str, int]] = {}
    launched = None  # when the browser was first seen: two more seconds let it start its renderers
    while launched is None or time.monotonic() < launched + 2:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[1][-3000:]
        seen.update(descendants(process.pid))
        if launched is None and any("chrom" in name for name, _ in seen.values()):
            launched = time.monotonic()
        time.sleep(0.1)
    if how == "kill -9":
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)  # not communicate(): the orphaned extraction forkserver keeps the pipes a while
    else:
        os.killpg(process.pid, signal.SIGINT)  # as a terminal does: the whole group
        assert "Received SIGINT" in process.communicate(timeout=180)[1]
        db = sqlite_utils.Database(tmp_path / "archive.db")  # a row for each page the browser had, saying why
        assert {row["error"] for row in db.query("select error from captures where browser is not null")} == {
            "not rendered: the crawl stopped before the browser was done"}
    deadline = time.monotonic() + 30
    while still_running(seen) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(browser_names(name for name, _ in seen.values())) >= 3  # the driver, the browser, its helpers
    assert browser_names(still_running(seen)) == []
    if how == "kill -9":
        for pid in seen:  # what the crawl left of Python (its extraction forkserver): not this test's subject
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.browser
def test_pywb_replays_the_rendered_page_from_the_browser_capture(crawled: Crawl, js_site, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from wayback import Wayback

    site, _ = js_site
    wacz = tmp_path / "render.wacz"
    done = run_archiver("wacz", str(wacz), "--db", str(crawled.db_path), "--warc-dir", str(crawled.warc_dir))
    assert done.returncode == 0, done.stderr
    wayback = Wayback(tmp_path, wacz)
    asked = len(site.sent)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{wayback.port}/archive/2030/{site.url_of('fetch', FETCH)}", timeout=60_000)
            page.frame_locator("iframe").locator("article p").first.wait_for(timeout=60_000)
            replayed = page.frame_locator("iframe").locator("article").inner_text()
            browser.close()
    finally:
        wayback.stop()
    assert has_story(replayed, FETCH)  # the page's script ran, and read the archived JSON
    assert len(site.sent) == asked  # from the archive: the live site was not asked


COMPAT_CHECK = """
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
import inspect
from scrapy.utils.test import get_crawler
from scrapy_playwright.handler import Config, ScrapyPlaywrightDownloadHandler
from archiver.crawl.playwright_compat import PINNED, SCRAPY_PLAYWRIGHT_VERSION, LazyBrowserProvider, browser_handler

assert SCRAPY_PLAYWRIGHT_VERSION == PINNED, SCRAPY_PLAYWRIGHT_VERSION

async def refuse(request):
    return False

handler = browser_handler(get_crawler(), {"executable_path": "/usr/bin/chromium"}, 3, 5000, refuse)
assert isinstance(handler.config, Config) and handler.config.max_pages_per_context == 3
assert isinstance(handler.browser_provider, LazyBrowserProvider) and handler.abort_request is refuse
source = inspect.getsource(ScrapyPlaywrightDownloadHandler)
for use in ("self.browser_provider.launch_browser()", "self.abort_request(playwright_request)",
            "semaphore=asyncio.Semaphore(value=self.config.max_pages_per_context)",
            "context.set_default_navigation_timeout(self.config.navigation_timeout_ms)",
            'request.meta["playwright_page"] = page'):
    assert use in source, use
print("ok")
"""


def test_the_scrapy_playwright_internals_the_archiver_sets_are_those_of_the_pinned_version() -> None:
    # in a process of its own: scrapy-playwright needs the asyncio reactor installed
    done = subprocess.run([sys.executable, "-c", COMPAT_CHECK], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert done.stdout == "ok\n", done.stderr[-3000:]
