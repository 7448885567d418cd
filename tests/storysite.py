"""Five news sites on five loopback addresses, for copies and stories.

Each site (127.0.0.12 to 127.0.0.16) serves its seed write-up of the Peskov
interview in its own template (tests/newssite.py) and one unrelated article
in the same template, dated the same week: the text of a real page of
../shared/corpus/real-pages.  Two of the unrelated articles report one other
event (the arrest of the BVI premier).  Besides, one site republishes the
herald's page as it is (an exact copy), another runs it as a wire story
with its own intro and footer (a near copy), and :data:`LATER_COPY` is a
third copy that only a second crawl fetches.
"""

from __future__ import annotations

from dataclasses import replace

from loopback import LoopbackSite, Reply
from newssite import TEMPLATES
from seeds import SEEDS, Story, load_stories
from w3lib.encoding import html_to_unicode

from archiver.extract import extract_article

CORPUS = SEEDS.parent / "corpus" / "real-pages" / "html"
STORY_NETWORK = "127.0.0.1/32,127.0.0.12/30,127.0.0.16/32"  # the sites' addresses, for ARCHIVER_ALLOW_NETWORKS
HOSTS = {"herald": "127.0.0.12", "observer": "127.0.0.13", "daily": "127.0.0.14", "canindia": "127.0.0.15", "mailwire": "127.0.0.16"}
SEED_PATH = "/2022/04/peskov-interview.html"
UNRELATED = {  # site -> the corpus page its unrelated article is made of
    "herald": "thestkittsnevisobserver.com-bvi.html",
    "observer": "nytimes.com.blackouts.html",
    "daily": "stluciatimes.com-dea.html",
    "canindia": "cbsnews.com.carolina.html",
    "mailwire": "tonedeaf.thebrag.com.luboku.html",
}
BVI = ("herald", "daily")  # the two unrelated articles about one event
UNRELATED_PATH = "/2022/04/other-news.html"
EXACT_COPY = ("mailwire", "/syndication/peskov-herald.html")  # the herald's page (its og:url aside)
NEAR_COPY = ("canindia", "/wire/peskov-losses.html")  # the herald's story with another intro and a footer
LATER_COPY = ("daily", "/wire/peskov-losses-update.html")  # the same again, only served in a second crawl
WIRE_FOOTER = "This wire story has been republished under licence; it was not edited by our newsroom."
INTROS = {
    NEAR_COPY: "Moscow has for the first time acknowledged heavy losses in its war, in a television interview given on Friday.",
    LATER_COPY: "Updated: the Kremlin's spokesman conceded in an interview that Russian troop losses are significant.",
}


def _unrelated(seed: Story, corpus_page: str) -> Story:
    """The corpus page's article in the seed's site template: its chrome, the seed's date, a neutral figure."""
    html = html_to_unicode(None, (CORPUS / corpus_page).read_bytes())[1]
    article = extract_article(html, "https://corpus.example/" + corpus_page)
    lines = article.text.splitlines()
    return replace(seed, title=article.title or lines[0], author="Staff reporter", body=lines,
                   subheads=["More on this story"], bullets=[], captions=["A photograph of the scene.", "Photo: agency"])


class StorySite(LoopbackSite):
    """One of the five sites; ``later`` turns on the copy a second crawl finds."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.later = False
        stories = load_stories()
        herald = stories["herald"]
        self.pages = {SEED_PATH: (key, stories[key]), UNRELATED_PATH: (key, _unrelated(stories[key], UNRELATED[key]))}
        for site, path in (NEAR_COPY, LATER_COPY):
            if site == key:
                wire = replace(herald, body=[INTROS[(site, path)], *herald.body[1:], WIRE_FOOTER])
                self.pages[path] = ("herald", wire)
        if EXACT_COPY[0] == key:
            self.pages[EXACT_COPY[1]] = ("herald", herald)
        super().__init__(host=HOSTS[key])

    def route(self, path: str) -> Reply:
        if path == "/robots.txt":
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")], b"User-agent: *\nAllow: /\n")
        if path in self.pages and ((self.key, path) != LATER_COPY or self.later):
            template, story = self.pages[path]
            markup = TEMPLATES[template](story, self.url(path)).encode("utf-8")
            return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], markup)
        return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"not found")


def started() -> dict[str, StorySite]:
    """The five sites, serving."""
    return {key: StorySite(key).start() for key in HOSTS}

