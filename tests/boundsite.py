"""Pages whose story comes after what would exhaust a bounded extraction: megabytes of inline images,
of JSON-LD, of scripts, JSON-LD nested 100,000 deep, tables nested past lxml's limit.

Each page is built once, in memory, when first asked for; :class:`BoundSite` serves them on loopback.
"""

from __future__ import annotations

import functools
import json

from loopback import LoopbackSite, Reply

HTML = [(b"Content-Type", b"text/html; charset=utf-8")]
TITLE = "Harbour quay opens after a winter of storms"
STORY = [
    "The harbour authority opened the new quay on Monday, three months late, after a winter of storms and a "
    "shortage of steel held up the work.",
    "Fishermen who had moored their boats at the old pier since the autumn moved them across in the morning, "
    "and the first catch was landed there before noon.",
    "The authority said the quay had cost eleven million euros, a tenth more than planned, and would take ships "
    "of up to twelve thousand tonnes from the summer.",
    "Local traders, who had complained that the delays kept visitors away, welcomed the opening and asked the "
    "town council to extend the market hours.",
]
PATHS = ("/inline-image", "/many-images", "/json-ld", "/scripts", "/deep-json-ld", "/deep-tables")


def story_page(before: str = "", head: str = "") -> bytes:
    """A news page whose article comes after ``before`` in its body."""
    paragraphs = "".join(f"<p>{p}</p>\n" for p in STORY)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{TITLE}</title>"
            f"<meta property='og:type' content='article'>{head}</head><body>{before}"
            f"<article><h1>{TITLE}</h1>\n{paragraphs}</article></body></html>").encode()


def _data_uri(size: int) -> str:
    return "data:image/png;base64," + "iVBORw0KGgo" * (size // 11)


@functools.cache
def page(path: str) -> bytes:
    """The page at ``path`` (one of :data:`PATHS`)."""
    if path == "/inline-image":  # one picture of 20 MB
        return story_page(f'<header><img src="{_data_uri(20_000_000)}" alt="The quay"></header>')
    if path == "/many-images":  # 10,000 icons of 2 kB each
        icons = "".join(f'<img src="{_data_uri(2_000)}" style="width:24px;height:24px" alt="">' for _ in range(10_000))
        return story_page(f"<nav>{icons}</nav>")
    if path == "/json-ld":  # 10 MB of JSON-LD (a catalogue of 60,000 items) in the head
        items = [{"@type": "Product", "name": f"Item {i}", "description": "A spare part for a fishing boat. " * 4}
                 for i in range(60_000)]
        blob = json.dumps({"@context": "https://schema.org", "@type": "ItemList", "itemListElement": items})
        return story_page(head=f'<script type="application/ld+json">{blob}</script>')
    if path == "/scripts":  # 12 MB of inline JavaScript and CSS, comments between
        code = "var harbour = {quay: 'open', boats: [1, 2, 3]}; if (a < b && c > d) { run('</p>'); }\n" * 20_000
        return story_page("".join(f"<script>{code}</script><style>p {{ color: red }}\n</style><!-- {'x' * 1000} -->"
                                  for _ in range(8)))
    if path == "/deep-json-ld":  # JSON-LD nested 100,000 deep, then the article's own
        article = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": TITLE,
                   "author": {"@type": "Person", "name": "Ada Quayle"}, "datePublished": "2026-03-02"}
        deep = "[" * 100_000 + "]" * 100_000
        return story_page(head=f'<script type="application/ld+json">{deep}</script>'
                               f'<script type="application/ld+json">{json.dumps(article)}</script>')
    if path == "/deep-tables":  # 3,000 nested tables (9,000 levels), then the article
        return story_page("<table><tr><td>" * 3_000 + "cell" + "</td></tr></table>" * 3_000)
    raise KeyError(path)


class BoundSite(LoopbackSite):
    """Serves :data:`PATHS`, and a robots.txt allowing them."""

    def route(self, path: str) -> Reply:
        if path in PATHS:
            return Reply(200, "OK", HTML, page(path))
        if path == "/robots.txt":
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")], b"User-agent: *\nAllow: /\n")
        return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"no such page")
