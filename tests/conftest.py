"""Shared fixtures: the loopback news site and real `scrapy crawl` runs against it."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlite_utils

from chromesite import PAGES_PER_TEMPLATE, TEMPLATES, ChromeSite
from chromesite import path as chrome_path
from discoverysite import ARTICLE_PATHS, DiscoverySite
from newssite import MISSING_PATH, PDF_PATH, REDIRECT_PATH, NewsSite, refused_url
from redisserver import RedisServer
from scriptedsite import SCRIPTED_PATH, ScriptedSite
from served import Served

ROOT = Path(__file__).resolve().parents[1]
# Fast, deterministic crawls of a local site; everything else is the shipped default.
# The SSRF guard refuses loopback: the tests allow their servers' address (127.0.0.2 stays refused).
TEST_SETTINGS = {"AUTOTHROTTLE_ENABLED": "0", "LOG_LEVEL": "INFO", "ARCHIVER_EXTRACT_WORKERS": "1",
                 "ARCHIVER_ALLOW_NETWORKS": "127.0.0.1/32"}


@dataclass
class Crawl:
    """One finished `scrapy crawl` run: its exit code, output and archive."""

    returncode: int
    stdout: str
    stderr: str
    db_path: Path
    warc_dir: Path
    sent: list = field(default_factory=list)  # what the test server sent during this crawl

    @property
    def db(self) -> sqlite_utils.Database:
        return sqlite_utils.Database(self.db_path)

    def crawl_row(self) -> dict:
        """The latest crawl's row in ``crawls``."""
        return next(self.db.query("select * from crawls order by id desc limit 1"))

    @property
    def log(self) -> str:
        return self.stderr


HEAVY = ("slow", "crawl", "browser", "redis")  # the markers that keep a test out of `-m fast`


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``fast`` every test that carries none of the heavy markers: ``sh scripts/test -m fast`` runs them.

    Then the files go in order of their heaviest test (slow, browser, redis,
    crawl, fast), each file's tests kept together and in their order: the
    pytest-xdist workers of ``scripts/test`` (``--dist loadfile``) start the
    longest files first and share out the many small ones at the end.
    """
    for item in items:
        if not any(item.get_closest_marker(name) for name in HEAVY):
            item.add_marker(pytest.mark.fast)
    weight: dict[Path, int] = {}
    for item in items:
        rank = next((i for i, name in enumerate(HEAVY) if item.get_closest_marker(name)), len(HEAVY))
        weight[item.path] = min(rank, weight.get(item.path, rank))
    items.sort(key=lambda item: weight[item.path])  # stable: a file's tests stay in their order


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """While a fast test is set up, run and torn down, starting a process fails it with the marker it needs.

    This covers its fixtures too, so a session fixture that crawls is caught by
    the first fast test that asks for it.  Worker pools (forkserver, spawn) start
    their processes without ``subprocess.Popen``, so fast tests may use them.
    """
    if item.get_closest_marker("fast") is None:
        return (yield)

    def refused(self: subprocess.Popen, args: object, *rest: object, **options: object) -> None:
        pytest.fail(f"this test starts a process ({args!r}): mark it crawl (or browser, redis, slow)", pytrace=False)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess.Popen, "__init__", refused)
        return (yield)


def start_crawl(tmp: Path, spider: str, args: dict[str, str], settings: dict[str, str] | None = None,
                own_group: bool = False, pythonpath: Path | None = None, options: tuple[str, ...] = ()) -> subprocess.Popen:
    """Start `scrapy crawl SPIDER -a k=v ... -s K=V ...` from the project folder, as a user would.

    The archive is ``tmp/archive.db`` and ``tmp/warcs``; the output is captured as text.
    ``own_group`` starts it in a process group of its own, which a test can
    signal as a terminal does (``os.killpg``).  ``pythonpath`` adds a folder
    of modules (a test extractor) to what the crawl can import.
    ``options`` go on the command line as they are (``-O articles.jsonl``).
    """
    command = [sys.executable, "-m", "scrapy", "crawl", spider, *options]
    for key, value in args.items():
        command += ["-a", f"{key}={value}"]
    merged = {"ARCHIVER_DB": str(tmp / "archive.db"), "ARCHIVER_WARC_DIR": str(tmp / "warcs"), **TEST_SETTINGS, **(settings or {})}
    for key, value in merged.items():
        command += ["-s", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in (ROOT, pythonpath) if p)}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=own_group)


def finish_crawl(tmp: Path, process: subprocess.Popen) -> Crawl:
    """Wait for a crawl started by :func:`start_crawl`; check its log for component bugs."""
    try:
        stdout, stderr = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    # a bug in a component shows up in the log, whatever the test looks at
    for sign in ("Error caught on signal handler", "Error processing", "Spider error processing", "Unhandled error"):
        assert sign not in stderr, stderr[-4000:]
    return Crawl(process.returncode, stdout, stderr, tmp / "archive.db", tmp / "warcs")


def run_crawl(tmp: Path, spider: str, args: dict[str, str], settings: dict[str, str] | None = None,
              pythonpath: Path | None = None, options: tuple[str, ...] = ()) -> Crawl:
    """Run `scrapy crawl SPIDER OPTIONS -a k=v ... -s K=V ...` from the project folder, as a user would."""
    return finish_crawl(tmp, start_crawl(tmp, spider, args, settings, pythonpath=pythonpath, options=options))


@pytest.fixture(scope="session")
def news_site():
    site = NewsSite().start()
    yield site
    site.stop()


def run_archiver(*args: str) -> subprocess.CompletedProcess:
    """Run the ``archiver`` command line, as a user would."""
    return subprocess.run([sys.executable, "-m", "archiver.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def reextract(crawl: Crawl, *args: str) -> str:
    """`archiver reextract` on a crawl's archive; its summary line."""
    done = run_archiver("reextract", "--db", str(crawl.db_path), "--warc-dir", str(crawl.warc_dir), *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def texts(crawl: Crawl, site: ChromeSite) -> dict[tuple[str, int], str]:
    """The chrome site's articles in an archive, by (template, page)."""
    by_url = {site.url(chrome_path(t, p)): (t, p) for t in TEMPLATES for p in range(PAGES_PER_TEMPLATE)}
    return {by_url[r["url"]]: r["text"] for r in crawl.db.query("select url, text from articles")}


@pytest.fixture(scope="session")
def chrome_site():
    site = ChromeSite().start()
    yield site
    site.stop()


@pytest.fixture(scope="session")
def discovery_site():
    site = DiscoverySite().start()
    yield site
    site.stop()


def archived_keys(crawl: Crawl, site: DiscoverySite) -> set[str]:
    """Which of the discovery site's articles have a row in ``articles``."""
    by_url = {site.url(path): key for key, path in ARTICLE_PATHS.items()}
    return {by_url.get(row["url"], row["url"]) for row in crawl.db.query("select url from articles")}


@pytest.fixture(scope="session")
def crawl_urls(news_site: NewsSite) -> dict[str, str]:
    """Every kind of URL the core crawl meets, by name."""
    return {
        **news_site.article_urls(),
        "index": news_site.url("/"),
        "redirect": news_site.url(REDIRECT_PATH),
        "missing": news_site.url(MISSING_PATH),
        "pdf": news_site.url(PDF_PATH),
        "refused": refused_url(),
    }


@pytest.fixture(scope="session")
def archived(news_site: NewsSite, crawl_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """One `scrapy crawl article -a urls=FILE` over the whole test site."""
    tmp = tmp_path_factory.mktemp("archived")
    url_file = tmp / "urls.txt"
    url_file.write_text("# the loopback news site\n\n" + "\n".join(crawl_urls.values()) + "\n", encoding="utf-8")
    before = len(news_site.sent)
    crawl = run_crawl(tmp, "article", {"urls": str(url_file)})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    crawl.sent = news_site.sent[before:]
    return crawl


@pytest.fixture(scope="session")
def scripted_site():
    site = ScriptedSite().start()
    yield site
    site.stop()


@pytest.fixture(scope="session")
def web_archive(crawl_urls: dict[str, str], scripted_site: ScriptedSite, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """An archive of the news site and the scripted page, for Datasette."""
    urls = ",".join([*crawl_urls.values(), scripted_site.url(SCRIPTED_PATH)])
    crawl = run_crawl(tmp_path_factory.mktemp("web"), "article", {"url": urls})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    return crawl


@pytest.fixture(scope="session")
def served(web_archive: Crawl):
    """`archiver serve` over that archive."""
    instance = Served(web_archive.db_path, "--warc-dir", str(web_archive.warc_dir)).start()
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def rechecked(news_site: NewsSite, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """Two crawls of the news site's articles: the second re-checks them, so it writes revisit records."""
    tmp = tmp_path_factory.mktemp("rechecked")
    urls = ",".join([*news_site.article_urls().values(), news_site.url(REDIRECT_PATH), news_site.url(PDF_PATH)])
    for extra in ({}, {"recrawl": "1"}):
        crawl = run_crawl(tmp, "article", {"url": urls, **extra})
        assert crawl.returncode == 0, crawl.stderr[-3000:]
    return crawl


@pytest.fixture(scope="module")
def redis_server():
    """A real redis-server on a free loopback port, one for the test file."""
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def empty_redis(redis_server: RedisServer) -> RedisServer:
    """The file's redis-server, emptied for this test."""
    redis_server.flush()
    return redis_server
