"""One definition of a site (archiver/values/sites.py): the registered domain, for every part of the archive.

A crawl started at ``www.example.org`` re-checks and tries again what is due on
``example.org``, ``www.example.org`` and ``news.example.org`` (one site), and
nothing of ``example.net``: in a one-process crawl and in a distributed one.
An archive keyed by host is migrated to keys by site.  Host names get their own
loopback addresses through a resolver (``tests/namedhosts.py``) that a hosts
file would give them.
"""

from __future__ import annotations

import ipaddress
import json
import sqlite3
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Crawl, finish_crawl, start_crawl
from discoverysite import ARTICLES, KEYS, SITEMAP_NS, article_page
from loopback import LoopbackSite, Reply
from namedhosts import SETTINGS as NAMED_HOSTS
from redisserver import RedisServer

from archiver.storage import Storage, articles, migrations, retries
from archiver.values.sites import site_of, site_of_host

TESTS = Path(__file__).resolve().parent
NAMES = ("example.org", "www.example.org", "news.example.org", "example.net")
# host and article of each page: ``*2`` pages fail in the first crawls, and the next crawl of their site tries again
# published an hour ago: each gets a re-check scheduled (an old article is left alone)
PAGES = {name: (host, replace(ARTICLES[key], date=datetime.now(timezone.utc) - timedelta(hours=1))) for (name, host), key in zip(
    [("a1", "example.org"), ("a2", "example.org"), ("n1", "news.example.org"), ("n2", "news.example.org"),
     ("w1", "www.example.org"), ("x1", "example.net"), ("x2", "example.net")], KEYS)}
SITEMAPS = {"example.org": ("a1", "a2", "n1", "n2", "w1"), "example.net": ("x1", "x2")}
LONG_AGO = "2000-01-01T00:00:00.000Z"
WORKER_TIMEOUT = 2  # ARCHIVER_WORKER_TIMEOUT: a new run starts once the last run's worker is this long gone


class TwoSites(LoopbackSite):
    """example.org (three host names) and example.net, all on one loopback server; ``down`` pages answer 503."""

    def __init__(self) -> None:
        super().__init__()
        self.down = {name for name in PAGES if name.endswith("2")}
        self.by_path = {article.path: (name, host, article) for name, (host, article) in PAGES.items()}

    def at(self, host: str, path: str = "") -> str:
        return f"http://{host}:{self.server.base.rsplit(':', 1)[1]}{path}"

    def route(self, path: str) -> Reply:
        host = self.server.current.headers.get("Host", "").rsplit(":", 1)[0]
        if path == "/robots.txt":
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")], b"User-agent: *\nDisallow:\n")
        if path in ("/sitemap.xml", "/empty.xml"):
            names = SITEMAPS.get(host, ()) if path == "/sitemap.xml" else ()
            urls = "".join(f"<url><loc>{self.page(n)}</loc></url>" for n in names)
            body = f'<?xml version="1.0"?><urlset xmlns="{SITEMAP_NS}">{urls}</urlset>'
            return Reply(200, "OK", [(b"Content-Type", b"application/xml")], body.encode())
        if path in self.by_path and self.by_path[path][1] == host:
            name, _, article = self.by_path[path]
            if name in self.down:
                return Reply(503, "Service Unavailable", [(b"Content-Type", b"text/plain")], b"down for maintenance")
            return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], article_page(article, self.at(host)))
        return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"not found")

    def page(self, name: str) -> str:
        host, article = PAGES[name]
        return self.at(host, article.path)

    def asked(self, since: int) -> set[str]:
        """The article URLs asked for since the ``since``-th request (robots.txt and sitemaps aside)."""
        return {self.at(headers.get("Host", "").rsplit(":", 1)[0], path)
                for path, headers in self.server.received[since:] if path in self.by_path}


@pytest.fixture
def sites():
    served = TwoSites().start()
    yield served
    served.stop()


def crawl(tmp: Path, sites: TwoSites, url: str, more: dict[str, str] | None = None) -> Crawl:
    given_settings = {"RETRY_TIMES": "0", "TEST_HOSTS": ",".join(NAMES), **NAMED_HOSTS, **(more or {})}
    done = finish_crawl(tmp, start_crawl(tmp, "sitemap", {"url": url}, given_settings, pythonpath=TESTS))
    assert done.crawl_row()["finish_reason"] == "finished", done.stderr[-3000:]
    return done


def stats(done: Crawl) -> dict:
    return json.loads(done.crawl_row()["stats"])


def first_crawls(tmp: Path, sites: TwoSites, more: dict[str, str] | None = None, between: float = 0) -> None:
    """Both sites crawled once: three articles of example.org and one of example.net archived, three pages failed."""
    for host in SITEMAPS:
        crawl(tmp, sites, sites.at(host, "/sitemap.xml"), more)
        time.sleep(between)
    db = sqlite_utils.Database(tmp / "archive.db")
    assert {r["url"] for r in db.query("select url from articles")} == {sites.page(n) for n in ("a1", "n1", "w1", "x1")}
    assert {(r["url"], r["site"]) for r in db.query("select url, site from retries")} == {
        (sites.page("a2"), "example.org"), (sites.page("n2"), "example.org"), (sites.page("x2"), "example.net")}
    sites.down.clear()  # the pages that failed are back


EXPECTED = ("a1", "n1", "w1", "a2", "n2")  # due re-checks of example.org's three hosts, then its failures


@pytest.mark.crawl
def test_a_crawl_started_at_www_rechecks_and_retries_the_whole_site(tmp_path: Path, sites: TwoSites) -> None:
    first_crawls(tmp_path, sites)
    with sqlite3.connect(tmp_path / "archive.db") as conn:  # time passes: every re-check is due
        conn.execute("UPDATE articles SET next_check_at = ?", [LONG_AGO])
    before = len(sites.server.received)
    done = crawl(tmp_path, sites, sites.at("www.example.org", "/empty.xml"))
    assert sites.asked(before) == {sites.page(n) for n in EXPECTED}
    found = stats(done)
    assert (found["archiver/rechecks"], found["archiver/retries/tried"]) == (3, 2)
    assert [r["url"] for r in done.db.query("select url from retries")] == [sites.page("x2")]


@pytest.mark.crawl
@pytest.mark.redis
def test_a_distributed_crawl_started_at_www_rechecks_and_retries_the_same(tmp_path: Path, sites: TwoSites,
                                                                          empty_redis: RedisServer) -> None:
    """One worker at a time on its shard; the re-checks come due in Redis, the state every worker agrees on."""
    frontier = {"ARCHIVER_FRONTIER": empty_redis.url, "ARCHIVER_WORKER_TIMEOUT": str(WORKER_TIMEOUT)}
    # each crawl a new run of the frontier (its duplicate filter forgotten), as the next day's would be
    first_crawls(tmp_path, sites, frontier, between=WORKER_TIMEOUT + 1)
    client = empty_redis.client()
    for key in client.scan_iter(match="archiver:due:*"):
        client.zadd(key, {url: 0 for url in client.zrange(key, 0, -1)})
    for url, state in client.hgetall("archiver:recheck").items():
        client.hset("archiver:recheck", url, json.dumps({**json.loads(state), "next_check_at": LONG_AGO}))
    before = len(sites.server.received)
    done = crawl(tmp_path, sites, sites.at("www.example.org", "/empty.xml"), frontier)
    assert sites.asked(before) == {sites.page(n) for n in EXPECTED}
    found = stats(done)
    assert (found["archiver/rechecks"], found["archiver/retries/tried"]) == (3, 2)


@pytest.mark.redis
def test_redis_indexes_due_urls_by_site_and_merges_an_older_versions_sets_by_host(empty_redis: RedisServer) -> None:
    from archiver.distributed.shared import DUE_BY_SITE, SharedState
    from archiver.formats.records import RecheckState

    client = empty_redis.client()
    client.zadd("archiver:due:www.example.org", {"http://www.example.org/old": 1})  # as an older version kept it
    client.zadd("archiver:due:news.example.org", {"http://news.example.org/old": 2})
    shared = SharedState(client)
    assert not client.exists("archiver:due:www.example.org") and client.get(DUE_BY_SITE)
    shared.publish("http://example.org/new", RecheckState(LONG_AGO, None, None, None))
    shared.publish("http://127.0.0.1:8080/ip", RecheckState(LONG_AGO, None, None, None))
    now = datetime.now(timezone.utc)
    expected = {"http://www.example.org/old", "http://news.example.org/old", "http://example.org/new"}
    for name in ("www.example.org", "example.org", "NEWS.example.org."):
        assert set(shared.due_urls(name, now, 100)) == expected
    assert shared.due_urls("127.0.0.1", now, 100) == ["http://127.0.0.1:8080/ip"]


# migration --------------------------------------------------------------------

HOST_ROWS = [  # url, the host the previous schema kept as its site
    ("https://www.example.org/a", "www.example.org"), ("https://example.org/b", "example.org"),
    ("https://news.example.org/c", "news.example.org"), ("http://127.0.0.1:8080/d", "127.0.0.1"),
    ("http://localhost/e", "localhost"), ("https://alice.blogspot.com/f", "alice.blogspot.com"),
    ("https://www.bbc.co.uk/g", "www.bbc.co.uk"), ("https://example.net/h", None),
]


def test_an_archive_keyed_by_host_is_migrated_to_keys_by_site(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="m013_sites_by_registered_domain")
    for n, (url, host) in enumerate(HOST_ROWS):
        old["articles"].insert({"url": url, "site": host, "word_count": 100 + n, "story_id": 1 if n < 3 else None,
                                "next_check_at": LONG_AGO})
    old["stories"].insert({"id": 1, "articles": 3, "sites": json.dumps(sorted(h for _, h in HOST_ROWS[:3]))})
    old["site_stats"].insert_all([{"site": host, "articles": 1, "words": 100 + n} for n, (_, host) in enumerate(HOST_ROWS) if host])
    blocks = [("www.example.org", "menu", HOST_ROWS[0][0], "2026-01-02"), ("example.org", "menu", HOST_ROWS[1][0], "2026-01-01"),
              ("news.example.org", "menu", HOST_ROWS[2][0], "2026-01-03"), ("news.example.org", "ad", HOST_ROWS[2][0], "2026-01-03")]
    for host, block, url, seen in blocks:
        old["site_block_pages"].insert({"site": host, "block": block, "url": url})
        old["site_blocks"].upsert({"site": host, "block": block, "text": block.title(), "pages": 1, "first_seen": seen,
                                   "last_seen": seen}, pk=("site", "block"))
    old["retries"].insert({"url": "https://news.example.org/z", "site": "example.org", "kind": "article", "tries": 1})
    old["site_rules"].insert({"site": "news.example.org", "prune_xpath": "//aside"})
    old.close()

    storage = Storage(path)  # migrated as the next crawl or command opens it
    db = storage.db
    assert {r["url"]: r["site"] for r in db.query("select url, site from articles")} == {
        url: site_of(url) for url, _ in HOST_ROWS}
    assert [site_of(url) for url, _ in HOST_ROWS] == [
        "example.org", "example.org", "example.org", "127.0.0.1", "localhost", "alice.blogspot.com", "bbc.co.uk",
        "example.net"]
    assert {r["site"]: (r["articles"], r["words"]) for r in db.query("select * from site_stats")}["example.org"] == (3, 303)
    assert [(r["site"], r["block"], r["pages"], r["first_seen"], r["last_seen"])
            for r in db.query("select * from site_blocks order by block")] == [
        ("example.org", "ad", 1, "2026-01-03", "2026-01-03"), ("example.org", "menu", 3, "2026-01-01", "2026-01-03")]
    assert {r["site"] for r in db.query("select site from site_block_pages")} == {"example.org"}
    assert json.loads(db["stories"].get(1)["sites"]) == ["example.org"]
    assert [r["site"] for r in db.query("select site from site_rules")] == ["news.example.org"]  # the user's, as written
    # read back by any host name of the site
    due = articles.due_urls(db, "www.example.org", "2030-01-01T00:00:00.000Z", 100)
    assert set(due) == {url for url, _ in HOST_ROWS[:3]}
    assert [url for url, _, _ in retries.due(db, "news.example.org", 10)] == ["https://news.example.org/z"]
    storage.close()


# the definition ------------------------------------------------------------------

LABEL = st.text(alphabet=st.sampled_from("abcxyz019-_ÄéßW"), max_size=10)
HOSTS = (st.lists(LABEL, min_size=1, max_size=5).map(".".join) | st.ip_addresses().map(str)
         | st.sampled_from(["example.org", "www.example.org", "co.uk", "www.co.uk", "alice.blogspot.com", "localhost"]))


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_site_of_any_text_never_raises_and_is_its_own_site(text: str) -> None:
    for site in (site_of(text), site_of_host(text)):
        assert isinstance(site, str) and site_of_host(site) == site


@settings(max_examples=500, deadline=None)
@given(HOSTS, st.sampled_from(["", ":80", ":8080"]), st.booleans(), st.booleans(), st.sampled_from(["http", "https"]))
def test_a_urls_site_ignores_port_case_and_trailing_dot(host: str, port: str, upper: bool, dot: bool, scheme: str) -> None:
    plain = f"[{host}]" if ":" in host else host
    shouted = "".join(c.upper() if c.isascii() else c for c in plain)  # "ß".upper() is "SS": another name
    written = (shouted if upper else plain) + ("." if dot and ":" not in host else "")
    site = site_of(f"{scheme}://{written}{port}/path?q=1")
    assert site == site_of(f"http://{plain}/") == site_of_host(host)
    assert site_of_host(site) == site
    try:
        assert site == str(ipaddress.ip_address(host))  # an IP address is its own site
    except ValueError:
        assert "." not in site or site.count(".") <= host.count(".")


@pytest.mark.parametrize(("url", "site"), [
    ("https://www.example.org/a", "example.org"), ("https://news.example.org:8443/b", "example.org"),
    ("HTTPS://WWW.EXAMPLE.ORG./c", "example.org"), ("https://www.bbc.co.uk/news", "bbc.co.uk"),
    ("https://alice.blogspot.com/", "alice.blogspot.com"), ("http://127.0.0.1:8000/", "127.0.0.1"),
    ("http://[0:0::1]:80/", "::1"), ("http://localhost:8080/", "localhost"), ("https://bücher.de/", "xn--bcher-kva.de"),
    ("https://www2.com/", "www2.com"), ("http://[::1/", ""), ("not a url", ""),
])
def test_site_of_examples(url: str, site: str) -> None:
    assert site_of(url) == site
