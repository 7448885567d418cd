"""A loopback site of hostile pages: huge, link-stuffed, looping, asking to wait for a day, huge sitemaps.

Each page is built once, in memory, when first asked for.  ``tree_rss``
samples the memory of a process and all its descendants while a crawl runs.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

from loopback import LoopbackSite, Reply

HTML = [(b"Content-Type", b"text/html; charset=utf-8")]
XML = [(b"Content-Type", b"application/xml")]
PARAGRAPH = ("<p>The harbour authority said on Monday that the new quay would open in the spring, after a winter of "
             "delays caused by storms and a shortage of steel; local fishermen welcomed the news.</p>\n")
SITEMAP_URLS = 200_000
INDEX_SITEMAPS, INDEX_URLS = 40, 50_000  # a sitemap index of 40 sitemaps of 50,000 URLs each (the protocol's most)


def story(title: str, body: str) -> bytes:
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"<meta property='og:type' content='article'></head><body><article><h1>{title}</h1>\n{body}"
            "</article></body></html>").encode()


@functools.cache
def huge_page() -> bytes:
    """About 50 MB of story."""
    return story("A very long report", PARAGRAPH * (50_000_000 // len(PARAGRAPH)))


@functools.cache
def link_page() -> bytes:
    """A page of 1,000,000 links (about 36 MB)."""
    return story("Everything we ever linked to", "".join(f'<a href="/l/{i}">link {i}</a> ' for i in range(1_000_000)))


def _sitemap(root: str, entries: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</{root}>\n").encode()


@functools.cache
def big_sitemap(base: str) -> bytes:
    """A sitemap of 200,000 article URLs (about 11 MB)."""
    return _sitemap("urlset", "".join(f"<url><loc>{base}/a/{i}.html</loc></url>\n" for i in range(SITEMAP_URLS)))


def sitemap_index(base: str, folder: str = "s") -> bytes:
    """The index of the 40 sitemaps (under ``/r/``: each redirects to its place under ``/s/``)."""
    return _sitemap("sitemapindex", "".join(f"<sitemap><loc>{base}/{folder}/{n}.xml</loc></sitemap>\n"
                                            for n in range(INDEX_SITEMAPS)))


@functools.cache
def indexed_sitemap(base: str, n: int) -> bytes:
    """Sitemap ``n`` of the index: its own 50,000 article URLs (about 2.8 MB)."""
    return _sitemap("urlset", "".join(f"<url><loc>{base}/a/{n}-{i}.html</loc></url>\n" for i in range(INDEX_URLS)))


class HostileSite(LoopbackSite):
    """The hostile pages, an ordinary article at ``/a/N.html``, and a robots.txt forbidding ``/private``
    and, past its first 600 KiB of comments, ``/late``; a sitemap of 200,000 URLs, an index of 40 of 50,000, and an endless chain of indexes."""

    def route(self, path: str) -> Reply:
        if path == "/robots.txt":
            padding = b"# the rules below come after 600 KiB of comments\n" * 12_300
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")],
                         b"User-agent: *\nDisallow: /private\n" + padding + b"Disallow: /late\n")
        if path == "/huge":
            return Reply(200, "OK", HTML, huge_page())
        if path == "/links":
            return Reply(200, "OK", HTML, link_page())
        if path in ("/loop-a", "/loop-b"):
            return Reply(302, "Found", [(b"Location", b"/loop-b" if path == "/loop-a" else b"/loop-a")])
        if path.startswith("/hop/"):
            return Reply(302, "Found", [(b"Location", f"/hop/{int(path[5:]) + 1}".encode())])
        if path == "/busy":
            return Reply(503, "Service Unavailable", [(b"Retry-After", b"99999")], b"come back tomorrow")
        if path == "/sitemap.xml":
            return Reply(200, "OK", XML, big_sitemap(self.base))
        if path in ("/index.xml", "/index-redirected.xml"):
            return Reply(200, "OK", XML, sitemap_index(self.base, "s" if path == "/index.xml" else "r"))
        if path.startswith("/chain/"):  # an endless chain of indexes, each also listing a sitemap of one article
            n = int(path.removeprefix("/chain/").removesuffix(".xml").removesuffix("-articles"))
            if path.endswith("-articles.xml"):
                return Reply(200, "OK", XML, _sitemap("urlset", f"<url><loc>{self.base}/a/chain-{n}.html</loc></url>"))
            maps = (f"{self.base}/chain/{n + 1}.xml", f"{self.base}/chain/{n}-articles.xml")
            return Reply(200, "OK", XML, _sitemap("sitemapindex", "".join(f"<sitemap><loc>{m}</loc></sitemap>" for m in maps)))
        if path.startswith("/r/"):
            return Reply(301, "Moved Permanently", [(b"Location", ("/s/" + path[3:]).encode())])
        if path.startswith("/s/") and path.endswith(".xml"):
            return Reply(200, "OK", XML, indexed_sitemap(self.base, int(path[3:-4])))
        if path.startswith(("/a/", "/private", "/late")):
            return Reply(200, "OK", HTML, story(f"Article {path}", PARAGRAPH * 200))  # 45 kB, as news pages go
        return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"no such page")


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in task.read_text().split()]
            except OSError:
                continue
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreeMemory:
    """The largest summed resident memory of a process and its descendants, sampled every 0.1 s."""

    def __init__(self, pid: int):
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, sum(_rss(pid) for pid in _descendants(self.pid)))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak
