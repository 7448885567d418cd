"""A news site whose articles can change between crawls, for re-check tests.

Pages under ``/validated/`` send ``ETag`` and ``Last-Modified`` and answer
``If-None-Match`` with 304 while unchanged; pages under ``/plain/`` send no
validators, so an unchanged one comes back as the same 200 body.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

from loopback import LoopbackSite, Reply
from newssite import meta_tags, page, paragraphs, esc
from seeds import Story

PARAGRAPHS = [
    "The city council voted on Tuesday to rebuild the old river bridge, closed since the spring floods damaged "
    "two of its piers and left the eastern bank without a direct road to the hospital.",
    "Engineers told the council the work would take eighteen months and cost about forty million euros, most of "
    "it paid by the regional government and the rest by a loan the city will repay over twenty years.",
    "Residents of the eastern districts, who have driven a twelve kilometre detour since April, welcomed the "
    "decision but asked for a temporary footbridge to be opened before the winter.",
    "The mayor said a footbridge was being studied and that a decision would come within a month, after the "
    "engineers have inspected the riverbed on both sides of the old crossing.",
    "Opposition members abstained, saying the plan had been rushed and that the cost of repairing the old bridge "
    "rather than replacing it had never been properly compared.",
]


@dataclass
class Article:
    title: str
    body: list[str] = field(default_factory=lambda: list(PARAGRAPHS))
    updated: str = "Updated 10:32"  # a line that changes on every re-render

    def html(self, url: str) -> str:
        # published today: under a day old, so re-checked hourly
        today = datetime.now(timezone.utc).date().isoformat()
        story = Story(key="bridge", title=self.title, date=today, author="Ana Ruiz", body=self.body)
        body = (
            f'<header><nav><a href="/">Home</a> <a href="/city/">City</a></nav></header>'
            f"<article><h1>{esc(self.title)}</h1><p class=\"byline\">By Ana Ruiz</p>"
            f"<p class=\"updated\">{esc(self.updated)}</p>{paragraphs(self.body)}</article>"
            f"<footer><p>© River Gazette</p></footer>"
        )
        return page(self.title, "River Gazette", meta_tags(story, "River Gazette", url), body)


class ChangingSite(LoopbackSite):
    """Articles at ``/validated/N`` and ``/plain/N`` whose text tests may change between crawls."""

    def __init__(self) -> None:
        super().__init__()
        self.articles: dict[str, Article] = {}
        for kind in ("validated", "plain"):
            for n in range(3):
                self.articles[f"/{kind}/{n}"] = Article(f"Council votes to rebuild the river bridge ({kind} {n})")

    def article_urls(self) -> list[str]:
        return [self.url(path) for path in self.articles]

    def route(self, path: str) -> Reply:
        article = self.articles.get(path)
        if article is None:
            return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"not here")
        body = article.html(self.url(path)).encode("utf-8")
        headers = [(b"Content-Type", b"text/html; charset=utf-8")]
        if path.startswith("/validated/"):
            etag = b'"' + hashlib.sha1(body).hexdigest()[:16].encode() + b'"'
            headers += [(b"ETag", etag), (b"Last-Modified", b"Fri, 20 Nov 2026 10:00:00 GMT")]
            if self.server.current.headers.get("If-None-Match") == etag.decode():
                return Reply(304, "Not Modified", headers[1:])
        return Reply(200, "OK", headers, body)
