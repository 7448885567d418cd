"""The discovery site, plus sources that lead to every URL scheme but http(s).

A feed (``/hostile/feed.xml``), a sitemap (``/hostile/sitemap.xml``), a page
of links (``/hostile/links/``) and redirects (``/hostile/go/NAME``, 302 to
each URL) list every URL of :func:`hostile_urls` next to good articles (and a
missing one).  Those URLs that name a host name :class:`Trap`, a loopback
port that counts the connections made to it: a refused URL never makes one.
Each URL carries a marker (``case-NAME``) that its refusal's log line repeats.
"""

from __future__ import annotations

import socket
import threading

from discoverysite import ARTICLE_PATHS, HTML, SITEMAP_NS, XML_DECL, DiscoverySite, KEYS, html_page
from loopback import Reply
from newssite import esc

GOOD_KEYS = KEYS[:2]  # listed in every hostile source, beside the hostile URLs
LINKED_KEYS = KEYS[28:30]  # the site-crawl articles the links page lists
MISSING_PATH = "/news/2026/11/gone-story.html"  # listed in the feed: 404


def hostile_urls(trap: str) -> dict[str, str]:
    """Every scheme but http(s), by case name; ``trap`` is the ``host:port`` of a :class:`Trap`."""
    return {
        "file": "file:///etc/passwd#case-file",
        "file_host": f"file://{trap.split(':')[0]}/etc/passwd#case-file-host",
        "ftp": f"ftp://{trap}/pub/case-ftp.html",
        "data": "data:text/html,<p>case-data injected story</p>",
        "s3": "s3://archiver-test-bucket/case-s3.html",
        "javascript": "javascript:alert('case-javascript')",
        "mailto": "mailto:case-mailto@example.org",
        "tel": "tel:+44-20-7946-0000;case-tel",
        "about": "about:blank#case-about",
        "blob": f"blob:http://{trap}/case-blob",
        "ws": f"ws://{trap}/case-ws",
        "gopher": f"gopher://{trap}/1/case-gopher",
        "unknown": f"x-archiver-unknown://{trap}/case-unknown",
        "mixed_case": f"FtP://{trap}/case-mixed",
        "leading_space": f" \t ftp://{trap}/case-leading",
    }


class Trap:
    """A loopback port that accepts and counts connections (the address a refused URL names)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.address = "127.0.0.1:%d" % self.socket.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.socket.close()


class SchemeSite(DiscoverySite):
    """The discovery site with the hostile sources; start() serves it on 127.0.0.1 and a free port."""

    def __init__(self, trap: Trap) -> None:
        self.hostile = hostile_urls(trap.address)
        super().__init__()

    def route(self, path: str) -> Reply:
        if path.startswith("/hostile/go/"):
            target = self.hostile.get(path.rsplit("/", 1)[1])
            if target is not None:
                return Reply(302, "Found", [HTML, (b"Location", target.encode("latin-1"))], b"")
        sources = {"/hostile/feed.xml": self.feed, "/hostile/sitemap.xml": self.sitemap, "/hostile/links/": self.links}
        if path in sources:
            kind, body = sources[path]()
            return Reply(200, "OK", [(b"Content-Type", kind)], body.encode("utf-8"))
        return super().route(path)

    def _good(self, keys: list[str]) -> list[str]:
        return [self.url(ARTICLE_PATHS[key]) for key in keys]

    def feed(self) -> tuple[bytes, str]:
        links = [*self.hostile.values(), *self._good(GOOD_KEYS), self.url(MISSING_PATH)]
        items = "".join(f"<item><title>Entry {n}</title><link>{esc(url)}</link></item>\n" for n, url in enumerate(links))
        return b"application/rss+xml", (f'{XML_DECL}<rss version="2.0"><channel><title>Hostile feed</title>'
                                        f"<link>{self.base}/</link>\n{items}</channel></rss>\n")

    def sitemap(self) -> tuple[bytes, str]:
        links = [*self.hostile.values(), *self._good(GOOD_KEYS)]
        items = "".join(f"<url><loc>{esc(url)}</loc></url>\n" for url in links)
        return b"application/xml", f'{XML_DECL}<urlset xmlns="{SITEMAP_NS}">\n{items}</urlset>\n'

    def links(self) -> tuple[bytes, str]:
        links = [*self.hostile.values(), *(ARTICLE_PATHS[key] for key in LINKED_KEYS)]
        items = "".join(f'<li><a href="{esc(url)}">Story {n}: more news from our reporters</a></li>'
                        for n, url in enumerate(links))
        main = f'<h1 class="page-title">Latest stories</h1><ul class="stories">{items}</ul>'
        return b"text/html; charset=utf-8", html_page("Latest", "The latest stories.", self.url("/hostile/links/"),
                                                      main).decode("utf-8")
