"""A site of 5 templates x 20 article pages whose chrome sits inside the story's own container.

Stock extraction keeps these blocks (a newsletter sign-up, a contact block,
a copyright line, a "more from" line) because they are plain paragraphs in
the article body; only the site chrome memory, seeing them on page after
page, can tell them from the story.  Each page's paragraphs are its own,
except two on purpose: ``SHARED`` appears in two articles and ``QUOTE`` in
three, as a quote reused by follow-up stories does.
"""

from __future__ import annotations

import html
import re

from loopback import LoopbackSite, Reply
from seeds import load_stories

TEMPLATES = {
    "herald": ["Sign up for the Kyiv Herald morning briefing: the day's top stories in your inbox at seven.",
               "Contact the newsroom: tips@kyivherald.example or +380 44 555 0199.",
               "© 2022 Kyiv Herald Media Group. Reproduction without permission is prohibited."],
    "observer": ["Support independent journalism in the Balkans: become a member of the Observer for 3 euros a month.",
                 "Follow the Balkan Observer on Telegram for breaking news."],
    "daily": ["The Daily Dispatch is free to read. If you value our reporting, consider a donation today.",
              "Got a story? Email newsdesk@dailydispatch.example and we will look into it."],
    "canindia": ["Tel: 905-673-6625 | Fax: 905-673-6636 | Ad Sales Email: Sales@canindia.example",
                 "478 Dundas Street West, P.O. Box 30003, Oakville ON L6H 7L8",
                 "ABOUT CANINDIA NEWS: a newspaper that represents the viewpoint of South Asians in Canada since 1999."],
    "mailwire": ["Mailwire republishes stories from partner outlets under licence.",
                 "More from Mailwire: the day's most read stories, every evening in your inbox."],
}
PAGES_PER_TEMPLATE = 20
SHARED = ("Both chambers of parliament are expected to vote on the aid package before the end of the month, "
          "officials said on Friday.")
QUOTE = "“We will not give up a single metre of our land,” the president said in his evening address."
SHARED_IN = {("herald", 3), ("observer", 7)}
QUOTE_IN = {("daily", 2), ("canindia", 5), ("mailwire", 9)}


def _sentences() -> list[str]:
    text = " ".join(p for story in load_stories().values() for p in story.body)
    return [s for s in re.split(r"(?<=[.!?’”])\s+(?=[A-Z“‘])", text) if 40 <= len(s) <= 300]


SENTENCES = _sentences()


def paragraphs(template: str, page: int) -> list[str]:
    """A page's own paragraphs: two sentences each, in a combination no other page has."""
    n, index = len(SENTENCES), list(TEMPLATES).index(template) * PAGES_PER_TEMPLATE + page
    found = [f"Report {index + 1} from the {template} desk, filed on day {page + 1} of the follow-up coverage."]
    for j in range(5):
        first, second = (index * 7 + j * 13) % n, (index * 11 + j * 5 + 1) % n
        found.append(f"{SENTENCES[first]} {SENTENCES[second if second != first else (second + 1) % n]}")
    if (template, page) in SHARED_IN:
        found.append(SHARED)
    if (template, page) in QUOTE_IN:
        found.append(QUOTE)
    return found


def path(template: str, page: int) -> str:
    return f"/{template}/2022/04/story-{page:02d}.html"


def render(template: str, page: int) -> bytes:
    title = f"{template.title()} report {page + 1}: Kremlin admits losses"
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(template, page))
    chrome = "".join(f"<p>{html.escape(line)}</p>" for line in TEMPLATES[template])
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta property="og:type" content="article"><meta property="og:title" content="{html.escape(title)}">
<meta property="article:published_time" content="2022-04-{8 + page % 20:02d}T09:00:00+00:00"></head>
<body><header><a href="/">{template.title()}</a><nav><a href="/world/">World</a> <a href="/business/">Business</a></nav></header>
<main><article class="post"><h1>{html.escape(title)}</h1><div class="entry-content">{body}{chrome}</div></article></main>
<footer><p>Terms of use · Privacy · Cookie settings</p></footer></body></html>""".encode()


class ChromeSite(LoopbackSite):
    """Serves every template's pages."""

    def route(self, target: str) -> Reply:
        for template in TEMPLATES:
            for page in range(PAGES_PER_TEMPLATE):
                if target == path(template, page):
                    return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], render(template, page))
        if target == "/robots.txt":
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")], b"User-agent: *\nAllow: /\n")
        return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"not found")

    def urls(self) -> list[str]:
        return [self.url(path(t, p)) for p in range(PAGES_PER_TEMPLATE) for t in TEMPLATES]


# A site in the daily template (seed 002's) whose petition promo sits inline in the story body, where no
# promo rule can find it: on its Peskov write-up and on two articles of other stories. Three write-ups of
# the Peskov story (the site's own and two others rewritten for it) share one quote.
PETITION_QUOTE = "“We have significant losses of troops, and it is a huge tragedy for us,” Peskov told Sky News."
PETITION_PAGES = ("/other-1.html", "/peskov.html", "/other-2.html", "/peskov-herald.html", "/peskov-observer.html")


def petition_promo() -> list[str]:
    return load_stories()["daily"].chrome["promo box"]


def petition_page(target: str) -> bytes:
    """One of :data:`PETITION_PAGES` in the daily template."""
    from dataclasses import replace

    from newssite import TEMPLATES as SITE_TEMPLATES
    from storysite import UNRELATED, _unrelated

    stories = load_stories()
    daily = stories["daily"]
    if target.startswith("/other-"):
        story = _unrelated(daily, UNRELATED["herald" if target == "/other-1.html" else "observer"])
        body = [*story.body, *petition_promo()]
    else:
        story = stories[{"/peskov.html": "daily", "/peskov-herald.html": "herald", "/peskov-observer.html": "observer"}[target]]
        body = [*story.body, PETITION_QUOTE] + (petition_promo() if target == "/peskov.html" else [])
    page = replace(daily, title=story.title, body=body)
    return SITE_TEMPLATES["daily"](page, "http://127.0.0.1" + target).encode("utf-8")


class PetitionSite(LoopbackSite):
    """Serves :data:`PETITION_PAGES`."""

    def route(self, target: str) -> Reply:
        if target in PETITION_PAGES:
            return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], petition_page(target))
        if target == "/robots.txt":
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")], b"User-agent: *\nAllow: /\n")
        return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"not found")
