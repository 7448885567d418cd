"""A loopback site of JavaScript pages: app shells whose article arrives by script, by data, or never.

Every page carries one of the seed stories (tests/seeds.py), so that a test
can check the archived text against the story's paragraphs:

- ``/plain/KEY``: the story as ordinary HTML (needs no browser);
- ``/fetch/KEY``: an app shell (``<div id="root">``) whose script fetches
  ``/api/KEY.json`` and writes the paragraphs into the page;
- ``/next/KEY``: a Next.js-style page, the article in ``__NEXT_DATA__``;
- ``/nuxt/KEY``, ``/state/KEY``, ``/jsonld/KEY``: the article in Nuxt 3's
  payload, in ``window.__INITIAL_STATE__``, in JSON-LD ``articleBody``;
- ``/forever/KEY``: a shell that never finishes loading (an image and a
  fetch of ``/hold``, answered after :data:`HOLD_SECONDS`) and never writes
  the article;
- ``/busy/KEY``: a shell whose script, once the page has loaded, loops for
  ever (the renderer's main thread never free again);
- ``/refused/KEY``: the fetch shell, whose page also asks a refused
  address (``refused_base``, 127.0.0.2) for the article and an image.

``/api/KEY.json`` is gzip-encoded for a client that accepts it (a browser).
"""

from __future__ import annotations

import gzip
import html
import json
import time

from loopback import LoopbackSite, Reply
from newssite import page, paragraphs
from seeds import Story, load_stories

STORIES = load_stories()
KEYS = sorted(STORIES)
SITE = "Script Gazette"
HOLD_SECONDS = 120
REFUSED = "127.0.0.2"  # where the refused page's requests go
KINDS = ("plain", "fetch", "next", "nuxt", "state", "jsonld", "forever", "busy", "refused")
HTML = [(b"Content-Type", b"text/html; charset=utf-8")]
JSON = [(b"Content-Type", b"application/json")]

# the app: read the article, then write it where the shell left room for it
RENDER_SCRIPT = """
async function render(url) {
  const article = await (await fetch(url)).json();
  const root = document.getElementById('root');
  root.innerHTML = '';
  const main = document.createElement('article');
  const h1 = document.createElement('h1'); h1.textContent = article.title; main.appendChild(h1);
  for (const line of article.paragraphs) {
    const p = document.createElement('p'); p.textContent = line; main.appendChild(p);
  }
  root.appendChild(main);
}
"""


def shell(story: Story, head: str = "", body: str = "") -> str:
    """An app shell: a header, an empty root, a <noscript> asking for JavaScript."""
    return page(story.title, SITE, head, (
        f'<header><a href="/">{SITE}</a></header>\n<div id="root"><div class="spinner">Loading…</div></div>\n'
        "<noscript>You need to enable JavaScript to run this app.</noscript>\n" + body))


def _script(code: str) -> str:
    return f"<script>{code}</script>"


def _json_script(ident: str, value: object) -> str:
    text = json.dumps(value).replace("</", "<\\/")  # as frameworks write it: no "</script>" inside
    return f'<script id="{ident}" type="application/json">{text}</script>'


class JsSite(LoopbackSite):
    """The pages above for every story; ``requests`` tells a test which paths a browser asked for."""

    refused_base = ""  # the base URL of a server on 127.0.0.2 (the SSRF guard must keep the browser from it)

    def route(self, path: str) -> Reply:
        if path.startswith("/hold"):
            time.sleep(HOLD_SECONDS)  # a request that never settles in a test's time
            return Reply(204, "No Content")
        if path.startswith("/api/") and path.endswith(".json"):
            story = STORIES.get(path[len("/api/"):-len(".json")])
            if story is None:
                return Reply(404, "Not Found", JSON, b"{}")
            data = json.dumps({"title": story.title, "paragraphs": story.body}).encode()
            if "gzip" in (self.server.current.headers.get("Accept-Encoding") or ""):
                return Reply(200, "OK", JSON + [(b"Content-Encoding", b"gzip"), (b"Vary", b"Accept-Encoding")],
                             gzip.compress(data))
            return Reply(200, "OK", JSON, data)
        if path == "/static/app.css":
            return Reply(200, "OK", [(b"Content-Type", b"text/css")], b"article p { line-height: 1.5 }")
        kind, _, key = path.strip("/").partition("/")
        story = STORIES.get(key)
        if story is None or kind not in KINDS:
            return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"not here")
        return Reply(200, "OK", HTML, self.markup(kind, story).encode("utf-8"))

    def markup(self, kind: str, story: Story) -> str:
        body_html = paragraphs(story.body)
        css = '<link rel="stylesheet" href="/static/app.css">'
        if kind == "plain":
            return page(story.title, SITE, "", f"<article><h1>{html.escape(story.title)}</h1>\n{body_html}</article>")
        if kind == "fetch":
            return shell(story, css, _script(RENDER_SCRIPT + f"render('/api/{story.key}.json');"))
        if kind == "refused":
            refused = self.refused_base or f"http://{REFUSED}:9"
            call = f"fetch('{refused}/api/{story.key}.json').catch(() => null);"
            image = f'<img src="{refused}/pixel.gif" alt="">'
            return shell(story, css, image + _script(RENDER_SCRIPT + call + f"render('/api/{story.key}.json');"))
        if kind == "busy":  # loads, then its script never yields: nothing can read its DOM
            return shell(story, css, _script("addEventListener('load', () => setTimeout(() => { for (;;) {} }, 0));"))
        if kind == "forever":  # an image that never arrives: the page never finishes loading
            return shell(story, css, '<img src="/hold.gif" alt="">' + _script("fetch('/hold').catch(() => null);"))
        if kind == "next":
            data = {"props": {"pageProps": {"article": {"headline": story.title, "slug": story.key,
                                                        "body": body_html, "teaser": story.body[0][:80]}}},
                    "page": "/next/[slug]", "buildId": "b1"}
            return page(story.title, SITE, "", '<div id="__next"></div>' + _json_script("__NEXT_DATA__", data))
        if kind == "nuxt":
            # Nuxt 3's payload (devalue): objects' values are indexes into the one array
            payload = [{"data": 1}, {"article": 2}, {"title": 3, "content": 4}, story.title, body_html]
            return page(story.title, SITE, "", '<div id="__nuxt"></div>' + _json_script("__NUXT_DATA__", payload))
        if kind == "state":
            state = {"router": {"path": f"/state/{story.key}"},
                     "article": {"title": story.title, "blocks": [{"type": "paragraph", "text": line}
                                                                  for line in story.body]}}
            literal = json.dumps(json.dumps(state)).replace("</", "<\\/")
            return shell(story, "", _script(f"window.__INITIAL_STATE__ = JSON.parse({literal});"))
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": story.title,
              "articleBody": "\n\n".join(story.body)}
        return shell(story, f'<script type="application/ld+json">{json.dumps(ld)}</script>')

    def url_of(self, kind: str, key: str) -> str:
        return self.url(f"/{kind}/{key}")
