"""The Larkfield Courier: a small news site written for the demo, served on loopback.

Its articles are package data (``articles/*.txt``: ``name: value`` headers,
a blank line, paragraphs separated by blank lines, and after a line
``=== update DATE`` a paragraph the site adds in its second edition); its
pages are rendered from ``templates/`` with the chrome of a real news site
(navigation, a cookie banner, share links, related stories, a newsletter
promotion, a comments form).  Besides the pages it serves ``robots.txt``, a
sitemap, a Google News sitemap and an RSS feed, and answers conditional GETs
with 304.  Edition 2 (:attr:`DemoSite.edition`) updates one article and
publishes another, as a site does between two crawls.

The server runs on its own threads (``http.server``); knows nothing of the archiver.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from string import Template
from urllib.parse import urlsplit

SITE_NAME = "The Larkfield Courier"
SECTIONS = {"city": "City", "science": "Science"}
_DATA = resources.files(__package__)


@dataclass(frozen=True)
class Story:
    """One article of the site, as written in its package-data file."""

    slug: str
    section: str
    title: str
    author: str
    published: datetime
    description: str
    related: tuple[str, ...]
    paragraphs: tuple[str, ...]
    update: tuple[str, ...] = ()
    updated: datetime | None = None
    edition: int = 1

    @property
    def path(self) -> str:
        return f"/{self.section}/{self.slug}.html"

    def modified(self, edition: int) -> datetime:
        return self.updated if self.updated is not None and edition >= 2 else self.published


def parse_story(slug: str, text: str) -> Story:
    """A story from its file's text."""
    head, _, body = text.strip().partition("\n\n")
    fields = dict(line.split(": ", 1) for line in head.splitlines())
    body, _, update = body.partition("\n=== update ")
    updated, _, update_text = update.partition("\n")
    paragraphs = lambda part: tuple(" ".join(p.split()) for p in part.split("\n\n") if p.strip())  # noqa: E731
    return Story(
        slug=slug, section=fields["section"], title=fields["title"], author=fields["author"],
        published=datetime.fromisoformat(fields["published"]), description=fields["description"],
        related=tuple(r.strip() for r in fields.get("related", "").split(",") if r.strip()),
        paragraphs=paragraphs(body), update=paragraphs(update_text),
        updated=datetime.fromisoformat(updated.strip()) if updated.strip() else None,
        edition=int(fields.get("edition", 1)),
    )


def load_stories() -> list[Story]:
    """Every story of the site, newest first."""
    files = [f for f in _DATA.joinpath("articles").iterdir() if f.name.endswith(".txt")]
    stories = [parse_story(f.name[:-4], f.read_text(encoding="utf-8")) for f in files]
    return sorted(stories, key=lambda s: s.published, reverse=True)


def _template(name: str) -> Template:
    return Template(_DATA.joinpath("templates", name).read_text(encoding="utf-8"))


class DemoSite:
    """The site on 127.0.0.1 and a free port, from :meth:`start` to :meth:`stop`."""

    def __init__(self) -> None:
        self.edition = 1
        self.all_stories = load_stories()
        self._page, self._article = _template("page.html"), _template("article.html")
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self._httpd is not None, "the demo site is not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def stories(self) -> list[Story]:
        """The stories published in the current edition."""
        return [s for s in self.all_stories if s.edition <= self.edition]

    def start(self) -> "DemoSite":
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                status, content_type, body = site.route(urlsplit(self.path).path)
                etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    status, body = 304, b""
                self.send_response(status)
                if status != 304:
                    self.send_header("Content-Type", content_type)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the crawl logs what it fetched

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, name="demo-site", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    # what the site answers --------------------------------------------------

    def route(self, path: str) -> tuple[int, str, bytes]:
        """Status, content type and body for a path."""
        html = "text/html; charset=utf-8"
        by_path = {s.path: s for s in self.stories}
        if path in by_path:
            return 200, html, self.article_page(by_path[path]).encode()
        if path in ("/", "/index.html"):
            return 200, html, self.front("Latest news", self.stories).encode()
        if path.strip("/") in SECTIONS:
            section = path.strip("/")
            return 200, html, self.front(SECTIONS[section], [s for s in self.stories if s.section == section]).encode()
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", self.robots().encode()
        if path == "/sitemap.xml":
            return 200, "application/xml", self.sitemap(news=False).encode()
        if path == "/news-sitemap.xml":
            return 200, "application/xml", self.sitemap(news=True).encode()
        if path == "/feed.xml":
            return 200, "application/rss+xml; charset=utf-8", self.feed().encode()
        return 404, html, self.page("Page not found", "<h1>Page not found</h1><p>Try the front page.</p>",
                                    self.base + path).encode()

    def page(self, title: str, main: str, canonical: str, head: str = "", og_type: str = "website",
             description: str = "Local news for Larkfield and the Larkwater valley.") -> str:
        return self._page.substitute(title=escape(title), description=escape(description), canonical=escape(canonical),
                                     base=self.base, head=head, og_type=og_type, main=main)

    def article_page(self, story: Story) -> str:
        canonical = self.base + story.path
        paragraphs = list(story.paragraphs) + (list(story.update) if self.edition >= 2 else [])
        modified = story.modified(self.edition)
        related = [s for slug in story.related for s in self.stories if s.slug == slug]
        main = self._article.substitute(
            base=self.base, section=story.section, section_name=SECTIONS[story.section], title=escape(story.title),
            title_attr=escape(story.title), description=escape(story.description), author=escape(story.author),
            author_slug=story.author.lower().replace(" ", "-").replace(".", ""), canonical=escape(canonical),
            published=story.published.isoformat(), published_text=story.published.strftime("%-d %B %Y, %H:%M"),
            updated_note=(f' · Updated <time datetime="{modified.isoformat()}">{modified.strftime("%-d %B %Y, %H:%M")}'
                          "</time>" if modified != story.published else ""),
            paragraphs="\n".join(f"    <p>{escape(p)}</p>" for p in paragraphs),
            related="\n".join(f'    <li><a href="{self.base}{r.path}">{escape(r.title)}</a></li>' for r in related),
            slug=story.slug,
        )
        head = "\n".join([
            f'<meta property="article:published_time" content="{story.published.isoformat()}">',
            f'<meta property="article:modified_time" content="{modified.isoformat()}">',
            f'<meta name="author" content="{escape(story.author)}">',
        ])
        return self.page(story.title, main, canonical, head, "article", story.description)

    def front(self, heading: str, stories: list[Story]) -> str:
        items = "\n".join(
            f'<li><a href="{self.base}{s.path}">{escape(s.title)}</a> <p>{escape(s.description)}</p></li>' for s in stories)
        return self.page(heading, f"<h1>{escape(heading)}</h1>\n<ul class=\"teasers\">\n{items}\n</ul>", self.base + "/")

    def robots(self) -> str:
        return (f"User-agent: *\nDisallow: /comments/\nDisallow: /login\n\n"
                f"Sitemap: {self.base}/sitemap.xml\nSitemap: {self.base}/news-sitemap.xml\n")

    def sitemap(self, news: bool) -> str:
        entries = []
        for story in self.stories:
            if news:
                extra = (f"<news:news><news:publication><news:name>{SITE_NAME}</news:name><news:language>en"
                         f"</news:language></news:publication><news:publication_date>{story.published.isoformat()}"
                         f"</news:publication_date><news:title>{escape(story.title)}</news:title></news:news>")
            else:
                extra = f"<lastmod>{story.modified(self.edition).isoformat()}</lastmod>"
            entries.append(f"<url><loc>{self.base}{story.path}</loc>{extra}</url>")
        namespace = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{namespace}>\n'
                + "\n".join(entries) + "\n</urlset>\n")

    def feed(self) -> str:
        items = "\n".join(
            f"<item><title>{escape(s.title)}</title><link>{self.base}{s.path}</link>"
            f"<guid isPermaLink=\"true\">{self.base}{s.path}</guid><description>{escape(s.description)}</description>"
            f"<author>newsroom@larkfield-courier.example ({escape(s.author)})</author>"
            f"<pubDate>{format_datetime(s.published)}</pubDate></item>" for s in self.stories)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                f"<title>{SITE_NAME}</title><link>{self.base}/</link>"
                f"<description>Local news for Larkfield and the Larkwater valley</description>\n{items}\n"
                "</channel></rss>\n")
