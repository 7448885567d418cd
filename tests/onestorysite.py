"""Five sites whose every page covers one story: the seeds' Peskov interview, nine write-ups a site.

The pages are made of the five seed write-ups' body paragraphs (90 of them),
dealt so that each site's nine pages share no paragraph with one another
and each paragraph is on a page of every site: different write-ups of one
event, each in its site's template (tests/newssite.py).  Two lines recur on
all of one site's pages: the daily's petition promo (seed 002's, inline in
the body, where no promo rule finds it), which no other site carries, and
:data:`QUOTE`, which the herald and the observer quote on every page too.
:class:`OneStorySite` serves one site on its own loopback address
(those of tests/storysite.py).
"""

from __future__ import annotations

from dataclasses import replace

from loopback import LoopbackSite, Reply
from newssite import TEMPLATES
from seeds import load_stories
from storysite import HOSTS

PAGES = 9
QUOTE = "“We have significant losses of troops, and it is a huge tragedy for us,” Peskov told Sky News."
QUOTED_BY = ("herald", "observer", "daily")
PROMO_SITE = "daily"


def promo() -> list[str]:
    """The daily's petition promo: two lines."""
    return load_stories()[PROMO_SITE].chrome["promo box"]


def pool() -> list[str]:
    """The seeds' body paragraphs, dealt in turn from each seed."""
    bodies = [story.body for story in load_stories().values()]
    return [body[i] for i in range(max(map(len, bodies))) for body in bodies if i < len(body)]


def body(site: str, page: int) -> list[str]:
    """The paragraphs of a site's page that make its write-up: a tenth of the pool, a site's pages apart."""
    paragraphs = pool()
    share = len(paragraphs) // PAGES
    start = (list(HOSTS).index(site) * 7 + page) % PAGES * share
    return paragraphs[start:start + share]


def path(page: int) -> str:
    return f"/2022/04/peskov-{page + 1}.html"


def render(site: str, page: int) -> bytes:
    """A site's page: its write-up, the quote where the site quotes it, the promo on the daily's."""
    seed = load_stories()[site]
    lines = body(site, page) + ([QUOTE] if site in QUOTED_BY else []) + (promo() if site == PROMO_SITE else [])
    story = replace(seed, title=f"{seed.title} ({page + 1})", body=lines, bullets=[])
    return TEMPLATES[site](story, f"http://{HOSTS[site]}{path(page)}").encode("utf-8")


def crawl_order() -> list[tuple[str, int]]:
    """Page 1 of every site, then page 2..., as a crawl of several sites goes."""
    return [(site, page) for page in range(PAGES) for site in HOSTS]


class OneStorySite(LoopbackSite):
    """One of the five sites, on its address of tests/storysite.py."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(host=HOSTS[key])

    def route(self, target: str) -> Reply:
        if target == "/robots.txt":
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")], b"User-agent: *\nAllow: /\n")
        pages = [page for page in range(PAGES) if path(page) == target]
        if pages:
            return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], render(self.key, pages[0]))
        return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"not found")
