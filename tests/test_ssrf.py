"""No SSRF: requests to addresses that are not public are refused before connecting, each with a row saying why."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.values.addresses import parse_networks, refusal
from conftest import run_crawl
from loopback import LoopbackServer, Reply
from newssite import page, paragraphs

STORY = [f"Paragraph {i}: the harbour authority said on Monday that the new quay would open in the spring." for i in range(6)]


def article(title: str, head: str = "") -> Reply:
    markup = page(title, "Harbour News", head + '<meta property="og:type" content="article">',
                  f"<article><h1>{title}</h1>{paragraphs(STORY)}</article>")
    return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], markup.encode())


@pytest.fixture()
def inside() -> LoopbackServer:
    """A server on 127.0.0.2: the network the crawler runs in, which it must never reach."""
    server = LoopbackServer(lambda path: article("Internal admin page"), host="127.0.0.2").start()
    yield server
    server.stop()


@pytest.fixture()
def outside(inside: LoopbackServer) -> LoopbackServer:
    """The allowed test site (127.0.0.1), whose pages point inside."""
    def route(path: str) -> Reply:
        if path == "/redirect":
            return Reply(302, "Found", [(b"Location", inside.url("/admin").encode())])
        if path == "/refresh":
            return article("A story that refreshes", f'<meta http-equiv="refresh" content="2; url={inside.url("/admin")}">')
        if path == "/sitemap.xml":
            body = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<url><loc>{inside.url('/listed')}</loc></url></urlset>")
            return Reply(200, "OK", [(b"Content-Type", b"application/xml")], body.encode())
        if path == "/robots.txt":
            return Reply(404, "Not Found")
        return article("A public story")
    server = LoopbackServer(route).start()
    yield server
    server.stop()


def errors(crawl, url: str) -> list[str]:
    return [row["error"] for row in crawl.db.query("select error from captures where url = ?", [url])]


@pytest.mark.crawl
def test_a_private_address_is_refused_with_a_row_saying_how_to_allow_it(tmp_path: Path, inside: LoopbackServer) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": inside.url("/admin")})
    assert crawl.returncode == 1, crawl.stderr[-3000:]  # its one page refused: nothing archived
    assert inside.requests == []
    why = "refused: 127.0.0.2 is a loopback address; allow it with -s ARCHIVER_ALLOW_NETWORKS=127.0.0.0/8"
    assert errors(crawl, inside.url("/admin")) == [why]  # refused once, never retried
    assert errors(crawl, inside.url("/robots.txt")) == [why]
    assert crawl.db["articles"].count == 0
    assert '"archiver/refused": 2' in crawl.crawl_row()["stats"]
    # the log says so too, in a line each, not as a failed DNS lookup with tracebacks
    assert f"Not archived: {inside.url('/admin')} ({why})" in crawl.log
    assert f"Could not fetch {inside.url('/robots.txt')} ({why})" in crawl.log
    assert "Traceback" not in crawl.log and "DNS lookup failed" not in crawl.log and "CRITICAL" not in crawl.log


@pytest.mark.crawl
def test_redirects_and_sitemap_entries_into_the_network_are_refused(tmp_path: Path, inside, outside) -> None:
    redirected = run_crawl(tmp_path / "redirect", "article", {"url": outside.url("/redirect")})
    # offsite=1: a sitemap's entries on another site are read at all (then refused here)
    listed = run_crawl(tmp_path / "sitemap", "sitemap", {"url": outside.url("/sitemap.xml"), "offsite": "1"})
    assert inside.requests == []
    assert errors(redirected, inside.url("/admin"))[0].startswith("refused: 127.0.0.2 is a loopback address")
    assert errors(listed, inside.url("/listed"))[0].startswith("refused: 127.0.0.2 is a loopback address")


@pytest.mark.crawl
def test_a_meta_refresh_never_replaces_the_page_s_article(tmp_path: Path, inside, outside) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": outside.url("/refresh")})
    assert [row["title"] for row in crawl.db.query("select title from articles")] == ["A story that refreshes"]
    assert inside.requests == []


@pytest.mark.crawl
def test_allowing_a_network_lets_the_crawl_reach_it(tmp_path: Path, inside: LoopbackServer) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": inside.url("/admin")}, {"ARCHIVER_ALLOW_NETWORKS": "127.0.0.2/32"})
    assert [row["title"] for row in crawl.db.query("select title from articles")] == ["Internal admin page"]


@pytest.mark.parametrize("address, allowed", [
    ("10.0.0.5", None), ("172.20.1.1", None), ("192.168.1.1", None), ("169.254.169.254", None),
    ("100.64.0.1", None), ("224.0.0.1", None), ("0.0.0.0", None), ("::1", None), ("fe80::1", None),
    ("::ffff:10.0.0.5", None), ("240.0.0.1", None), ("93.184.215.14", "public"), ("10.1.2.3", "10.0.0.0/8"),
])
def test_which_addresses_are_refused(address: str, allowed: str | None) -> None:
    networks = parse_networks(allowed) if allowed and allowed != "public" else ()
    assert (refusal(address, networks) is None) == (allowed is not None)


@pytest.mark.crawl
def test_a_bad_network_setting_stops_the_crawl_with_one_sentence(tmp_path: Path) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": "http://127.0.0.1/"}, {"ARCHIVER_ALLOW_NETWORKS": "10.0.0.0/33"})
    assert crawl.returncode == 2
    assert crawl.stderr.strip().splitlines()[-1].startswith("Error: ARCHIVER_ALLOW_NETWORKS must be networks separated")
