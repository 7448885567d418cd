"""A loopback news site for discovery spiders: sitemaps, feeds and a site crawl.

Forty articles ``a01``..``a40`` (plus ``retry`` and ``private``), each a full
page of 5-8 paragraphs made of seed sentences (tests/seeds.py), reach the
crawler by different ways:

* a01-a16: /robots.txt -> /sitemap_index.xml -> a urlset (a01-a12, with
  lastmod) and a Google News sitemap (a13-a16, publication dates only);
* a17-a28: an RSS 2.0, an Atom and a JSON feed, and an RSS feed that the
  /blog/ page announces only in its <head> (a27, a28);
* a29-a40: links from the home page through listing pages (sections, a
  paginated section, tag, category and author pages), next to links a
  crawler must not follow (login, share, print, feed, PDF, image, another
  host), and a two-article loop (a39 <-> a40).

A sitemap index and a sitemap that also list another site's URLs (``/sitemaps/mixed*.xml``), and an
index listing one sitemap a thousand times over.
Also malformed, empty and HTML-in-disguise sitemaps and feeds under
/broken/, and a page answering 429 with Retry-After once.  The module
constants describe it all, so tests can compute the sets they expect.
"""

from __future__ import annotations

import json
import random
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from loopback import LoopbackSite, Reply
from newssite import PDF, esc, page, paragraphs
from seeds import load_stories

SITE = "Loopback Times"
NOW = datetime.now(timezone.utc).replace(microsecond=0)
OLD = datetime(2026, 10, 10, 8, 0, tzinfo=timezone.utc)
NEW = datetime(2026, 11, 10, 8, 0, tzinfo=timezone.utc)

KEYS = [f"a{n:02d}" for n in range(1, 41)]
TITLES = dict(zip(KEYS + ["retry", "private"], [
    "Kremlin admits ‘significant’ troop losses in Sky News interview", "Peskov calls Russian losses in Ukraine a huge tragedy",
    "Russia says retreat from Kyiv region was a goodwill gesture", "Ukraine urges residents of the east to leave before expected offensive",
    "Mariupol mayor says more than 5,000 civilians have been killed", "Bucha mass grave: what investigators have found so far",
    "UN General Assembly suspends Russia from Human Rights Council", "How the rights council vote was won: 93 in favour, 24 against",
    "Finland weighs NATO membership as Moscow warns of consequences", "Kremlin says Nordic NATO membership would force a ‘rebalance’",
    "Zelenskyy asks allies for weapons that can win the war", "UN aid chief ‘not optimistic’ about a ceasefire",
    "Freedom of Russia Legion says hundreds apply to join each day", "Peskov rules out a war crimes tribunal for Putin",
    "Maternity hospital strike in Mariupol: the Kremlin’s denial", "Lawyers warn the path to prosecuting war crimes is long",
    "Ukraine says 18,900 Russian soldiers have died since February", "Russia’s own figures: 1,351 dead and 3,825 wounded by late March",
    "Scholz: at least 10,000 Russian soldiers have been killed", "Borodyanka ‘distinctly more dire’ than Bucha, says Zelenskyy",
    "Europe divided over an embargo on Russian oil and gas", "Kremlin calls Bucha images a ‘monstrous fake’",
    "Russian lawmaker threatens Finland over its NATO bid", "The Libya precedent: rare suspensions from the rights council",
    "Putin’s daughters targeted in new Western sanctions", "Zelenskyy urges Russians to confront the repressive machine",
    "Biden calls Putin ‘a war criminal’ after Bucha", "Evidence of executions in towns around Kyiv, officials say",
    "Moscow says the Donbas operation will go on until its goals are met", "Ukraine keeps its own casualty figures secret",
    "Intelligence: Putin wants Donbas before the May 9 parade", "Crimea, eight years on: the annexation in context",
    "Kremlin spokesman speaks in English to a British audience", "Russia walks out of the Human Rights Council after the vote",
    "Four million refugees have left Ukraine, UN says", "Chernihiv residents return after the Russian withdrawal",
    "Analysis: what the Kremlin’s admission of losses means", "Explainer: the ‘special military operation’ in Kremlin language",
    "Timeline: six weeks of war in Ukraine", "Kharkiv, Luhansk and Donetsk governors urge evacuation",
    "Ceasefire talks stall as both sides trade accusations", "Newsroom memo: coverage plan for the spring",
]))
AUTHORS = ["Olena Marchenko", "Sam Hughes", "Dragana Petrović", "Chris Jewers"]

# The site-crawl group: key -> (section, its page in the section, category, tags, author).
# Page 0: listed nowhere (a40 is reached only from a39).
CRAWL_GROUP = {
    "a29": ("world", 1, None, ("kremlin", "nato"), "Sam Hughes"),
    "a30": ("world", 1, None, ("bucha",), "Olena Marchenko"),
    "a31": ("world", 1, None, ("nato",), "Dragana Petrović"),
    "a32": ("world", 2, "europe", ("bucha",), "Chris Jewers"),
    "a33": ("world", 2, None, ("kremlin",), "Sam Hughes"),
    "a34": ("world", 3, None, ("kremlin", "bucha"), "Dragana Petrović"),
    "a35": ("business", 1, None, ("nato",), "Chris Jewers"),
    "a36": ("business", 1, "europe", ("kremlin",), "Sam Hughes"),
    "a37": ("business", 1, "europe", ("bucha",), "Dragana Petrović"),
    "a38": ("world", 3, None, ("nato",), "Olena Marchenko"),
    "a39": ("business", 1, None, (), "Chris Jewers"),
    "a40": ("business", 0, None, (), "Chris Jewers"),
}
TAG_LABELS = {"kremlin": "Kremlin", "bucha": "Bucha", "nato": "NATO"}
LINKED = KEYS[28:38]  # a29..a38: related links, tags, author, print and share links
LOOP = {"a39": "a40", "a40": "a39"}
# articles whose og:type is not "article", as real sites give a video's or a live page's write-up
OG_TYPES = {"a33": "website", "a37": "video.other"}

PRIVATE_PATH = "/private/secret.html"
RETRY_PATH = "/flaky/a-retry.html"
PDF_PATH = "/files/annual-report.pdf"
IMAGE_PATH = "/images/front.jpg"
EXTERNAL_URL = "https://www.example.com/"
# A 1x1 grey baseline JPEG: one block, DC difference 0, end of block.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000" "ffdb004300" + "01" * 64 + "ffc0000b080001000101011100"
    + "ffc400140001" + "00" * 16 + "ffc400141001" + "00" * 16 + "ffda0008010100003f00" "3f" "ffd9")


def slug(text: str, words: int = 6) -> str:
    """The first words of ``text``, ASCII, lower case, joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower().replace(",", ""))[:words])


def iso(moment: datetime) -> str:
    return moment.isoformat()


def _date(key: str) -> datetime:
    n = int(key[1:]) if key[1:].isdigit() else 0
    ago = {13: timedelta(hours=2), 14: timedelta(hours=20), 15: timedelta(days=5), 16: timedelta(days=9)}
    if n in ago:
        return NOW - ago[n]
    new = set(range(7, 13)) | {17, 18, 21, 22, 24, 26, 27, 28} | set(range(29, 35))
    return NEW if n in new or n == 0 else OLD


def _sentences() -> list[str]:
    """The seed stories' sentences, each once, quotations kept whole."""
    out: list[str] = []
    for story in load_stories().values():
        for para in story.body:
            pieces = re.split(r"(?<=[.!?][’”]|[a-z0-9][.!?])\s+(?=[A-Z“‘])", para)
            current = ""
            for piece in pieces:
                current = f"{current} {piece}".strip()
                open_single = len(re.findall(r"(?:^|\s)‘", current)) > len(re.findall(r"’(?![a-z])", current))
                if current.count("“") <= current.count("”") and not open_single:
                    if current not in out:
                        out.append(current)
                    current = ""
    return out


@dataclass
class Article:
    """One article page: where it lives, what it says, where it is listed."""

    key: str
    path: str
    title: str
    author: str
    date: datetime
    body: list[str]
    section: str = "world"
    category: str | None = None
    tags: tuple[str, ...] = ()
    related: list[str] = field(default_factory=list)


def _articles() -> dict[str, Article]:
    pool = _sentences()
    articles = {}
    for n, key in enumerate(KEYS + ["retry", "private"]):
        rng = random.Random(f"discoverysite-{key}")
        lead = [pool[2 * n], pool[2 * n + 1]]  # distinct first paragraphs
        rest = [s for s in pool if s not in lead]
        body = [" ".join(lead)] + [" ".join(rng.sample(rest, rng.choice((2, 3)))) for _ in range(4 + n % 4)]
        date = _date(key)
        section, _, category, tags, author = CRAWL_GROUP.get(key, ("world", 0, None, (), AUTHORS[n % len(AUTHORS)]))
        path = f"/news/{date:%Y/%m}/{key}-{slug(TITLES[key])}" + ("/" if key in CRAWL_GROUP else ".html")
        articles[key] = Article(key, path, TITLES[key], author, date, body, section, category, tags)
    articles["retry"].path, articles["private"].path = RETRY_PATH, PRIVATE_PATH
    for i, key in enumerate(LINKED):
        articles[key].related = [LINKED[(i + 1) % len(LINKED)], LINKED[(i + 3) % len(LINKED)]]
    for key, other in LOOP.items():
        articles[key].related = [other]
    return articles


ARTICLES = _articles()
ARTICLE_PATHS: dict[str, str] = {key: ARTICLES[key].path for key in KEYS}
ARTICLE_DATES: dict[str, datetime] = {key: ARTICLES[key].date for key in KEYS}
SITEMAP_KEYS = KEYS[:16]
FEED_KEYS: dict[str, list[str]] = {
    "/feeds/rss.xml": KEYS[16:20], "/feeds/atom.xml": KEYS[20:23], "/feeds/feed.json": KEYS[23:26], "/blog/": KEYS[26:28],
}
FEED_ENTRY_META: dict[str, dict] = {
    key: {"title": f"Feed: {ARTICLES[key].title}", "author": ARTICLES[key].author, "date": iso(ARTICLES[key].date)}
    for key in KEYS[16:28]
}
SITE_ARTICLE_KEYS = KEYS[28:40]


def _author_path(name: str) -> str:
    return f"/author/{slug(name)}/"


def _listings() -> dict[str, tuple[str, list[str]]]:
    """Listing pages: path -> (heading, article keys)."""
    group = [ARTICLES[k] for k in CRAWL_GROUP]
    pages: dict[str, tuple[str, list[str]]] = {}
    for number in (1, 2, 3):
        path = "/section/world/" + (f"page/{number}/" if number > 1 else "")
        pages[path] = ("World" + (f" – page {number}" if number > 1 else ""),
                       [a.key for a in group if a.section == "world" and CRAWL_GROUP[a.key][1] == number])
    pages["/section/business/"] = ("Business", [a.key for a in group if a.section == "business" and CRAWL_GROUP[a.key][1]])
    for tag in sorted({t for a in group for t in a.tags}):
        pages[f"/tag/{tag}/"] = (f"Tag: {TAG_LABELS[tag]}", [a.key for a in group if tag in a.tags])
    pages["/category/europe/"] = ("Europe", [a.key for a in group if a.category == "europe"])
    for name in AUTHORS:
        pages[_author_path(name)] = (f"Articles by {name}", [k for k in LINKED if ARTICLES[k].author == name])
    return pages


LISTINGS = _listings()
PAGINATION = {"/section/world/": (None, "/section/world/page/2/"),
              "/section/world/page/2/": ("/section/world/", "/section/world/page/3/"),
              "/section/world/page/3/": ("/section/world/page/2/", None)}
NOT_ARTICLE_PATHS: list[str] = ["/"] + list(LISTINGS)
HOME_UTILITY_LINKS = ["/login/?next=/", "/wp-login.php", "/share?url=/news/x", "/feed/"]
NEVER_FETCH_PATHS: list[str] = (
    HOME_UTILITY_LINKS + [PDF_PATH, IMAGE_PATH]
    + [ARTICLES[k].path + "print/" for k in LINKED] + [f"/share?url={ARTICLES[k].path}" for k in LINKED]
)

# pages ----------------------------------------------------------------------

NAV = [("/", "Home"), ("/section/world/", "World"), ("/section/business/", "Business"), ("/category/europe/", "Europe")]
HTML = (b"Content-Type", b"text/html; charset=utf-8")


def chrome(main: str) -> str:
    links = "".join(f'<li class="menu-item"><a href="{p}">{esc(t)}</a></li>' for p, t in NAV)
    return f"""<header id="masthead" class="site-header">
<div class="site-branding"><a href="/" rel="home" class="site-title">{SITE}</a><p class="site-description">News from the loopback interface</p></div>
<nav id="site-navigation" class="main-navigation" aria-label="Primary"><ul class="menu">{links}</ul></nav>
</header>
<main id="main" class="site-main">
{main}
</main>
<footer id="colophon" class="site-footer"><div class="site-info"><p>© 2026 {SITE} Ltd. 1 Loopback Lane, Localhost. All rights reserved.</p></div></footer>"""


def site_meta(title: str, description: str, url: str) -> str:
    return f"""<meta name="description" content="{esc(description)}">
<meta property="og:type" content="website">
<meta property="og:title" content="{esc(title)}">
<meta property="og:site_name" content="{SITE}">
<meta property="og:url" content="{esc(url)}">"""


def html_page(title: str, description: str, url: str, main: str, head: str = "") -> bytes:
    return page(title, SITE, site_meta(title, description, url) + head, chrome(main)).encode("utf-8")


def long_date(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def article_page(a: Article, base: str) -> bytes:
    url = base + a.path
    tags = "".join(f'\n<meta property="article:tag" content="{TAG_LABELS[t]}">' for t in a.tags)
    head = f"""<meta name="description" content="{esc(a.body[0][:150])}">
<meta name="author" content="{esc(a.author)}">
<meta property="og:type" content="{OG_TYPES.get(a.key, "article")}">
<meta property="og:title" content="{esc(a.title)}">
<meta property="og:description" content="{esc(a.body[0][:150])}">
<meta property="og:site_name" content="{SITE}">
<meta property="og:url" content="{esc(url)}">
<meta property="article:published_time" content="{iso(a.date)}">
<meta property="article:section" content="{a.section.title()}">{tags}
<link rel="canonical" href="{esc(url)}">"""
    linked = a.key in LINKED
    byline = f'<a href="{_author_path(a.author)}" rel="author">{esc(a.author)}</a>' if linked else esc(a.author)
    extra = ""
    if linked:
        tag_links = ", ".join(f'<a href="/tag/{t}/" rel="tag">{TAG_LABELS[t]}</a>' for t in a.tags)
        extra = f"""<footer class="entry-footer"><span class="tags-links">Tags: {tag_links}</span>
<ul class="share-tools"><li><a href="/share?url={a.path}">Share</a></li><li><a href="{a.path}print/" rel="nofollow">Print</a></li></ul></footer>"""
    related = "".join(f'<li><a href="{ARTICLES[k].path}">{esc(ARTICLES[k].title)}</a></li>' for k in a.related)
    aside = f'<aside class="related-posts"><h2>Related stories</h2><ul>{related}</ul></aside>' if related else ""
    main = f"""<article class="post type-post status-publish hentry">
<header class="entry-header"><h1 class="entry-title">{esc(a.title)}</h1>
<div class="entry-meta">By {byline} · <time class="entry-date published" datetime="{iso(a.date)}">{long_date(a.date)}</time></div></header>
<div class="entry-content">
{paragraphs(a.body)}
</div>
{extra}
</article>
{aside}
<p class="back-home"><a href="/">Back to the front page</a></p>"""
    return page(a.title, SITE, head, chrome(main)).encode("utf-8")


def listing_page(path: str, base: str) -> bytes:
    heading, keys = LISTINGS[path]
    teasers = "\n".join(
        f"""<article class="post-teaser"><h2 class="entry-title"><a href="{ARTICLES[k].path}">{esc(ARTICLES[k].title)}</a></h2>
<div class="entry-meta">By {esc(ARTICLES[k].author)} · <time datetime="{iso(ARTICLES[k].date)}">{long_date(ARTICLES[k].date)}</time></div>
<p class="excerpt">{esc(ARTICLES[k].body[0][:160])}…</p><a class="more-link" href="{ARTICLES[k].path}">Continue reading</a></article>"""
        for k in keys)
    newer, older = PAGINATION.get(path, (None, None))
    nav = (f'<a class="prev page-numbers" href="{newer}">Newer posts</a>' if newer else "") + (
        f'<a class="next page-numbers" href="{older}">Older posts</a>' if older else "")
    description = f"{heading}: the latest reports and analysis from {SITE}."
    main = f"""<header class="page-header"><h1 class="page-title">{esc(heading)}</h1><p class="archive-description">{esc(description)}</p></header>
{teasers}
<nav class="navigation pagination" aria-label="Posts">{nav}</nav>"""
    return html_page(heading, description, base + path, main)


def home_page(base: str) -> bytes:
    sections = "".join(
        f'<section class="home-block"><h2><a href="{p}">{esc(LISTINGS[p][0])}</a></h2><p>{esc(text)}</p></section>'
        for p, text in [("/section/world/", "Reports from Kyiv, Moscow and the capitals of Europe."),
                        ("/section/business/", "Sanctions, energy and markets."),
                        ("/tag/kremlin/", "Everything we have written about the Kremlin."),
                        ("/category/europe/", "Europe’s response to the war."),
                        (_author_path("Olena Marchenko"), "Our Kyiv correspondent’s latest dispatches.")])
    utility = "".join(f'<li><a href="{esc(p)}">{esc(t)}</a></li>' for p, t in zip(
        HOME_UTILITY_LINKS + [PDF_PATH, EXTERNAL_URL],
        ["Sign in", "Admin", "Share this page", "RSS", "Annual report (PDF)", "Our partner site"]))
    main = f"""<h1 class="screen-reader-text">{SITE} front page</h1>
<a class="lead-image" href="{IMAGE_PATH}"><img src="{IMAGE_PATH}" alt="Front page photograph"></a>
{sections}
<ul class="utility-links">{utility}</ul>"""
    return html_page("Front page", f"{SITE}: independent news, reports and analysis.", base + "/", main)


def blog_page(base: str) -> bytes:
    head = '\n<link rel="alternate" type="application/rss+xml" title="Blog feed" href="/feeds/blog.rss">'
    main = f"""<h1 class="page-title">The newsroom blog</h1>
<p>Notes from the {SITE} newsroom: how we report, what we verify and why. New posts reach subscribers of the blog feed first.</p>"""
    return html_page("Newsroom blog", "Notes from the newsroom.", base + "/blog/", main, head)


def plain_page(title: str, text: str, base: str, path: str) -> bytes:
    return html_page(title, text, base + path, f'<h1 class="page-title">{esc(title)}</h1><p>{esc(text)}</p>')


# sitemaps and feeds ------------------------------------------------------------

XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap_index(base: str) -> str:
    maps = [("/sitemaps/articles.xml", NEW), ("/sitemaps/news.xml", NOW)]
    items = "".join(f"<sitemap><loc>{base}{p}</loc><lastmod>{iso(d)}</lastmod></sitemap>\n" for p, d in maps)
    return f'{XML_DECL}<sitemapindex xmlns="{SITEMAP_NS}">\n{items}</sitemapindex>\n'


def articles_sitemap(base: str) -> str:
    entries = [(ARTICLES[k].path, ARTICLES[k].date) for k in KEYS[:12]] + [(PRIVATE_PATH, NEW)]
    items = "".join(f"<url><loc>{base}{p}</loc><lastmod>{iso(d)}</lastmod></url>\n" for p, d in entries)
    return f'{XML_DECL}<urlset xmlns="{SITEMAP_NS}">\n{items}</urlset>\n'


def elsewhere(base: str) -> str:
    """The same server as another site would be (127.0.0.2, which the SSRF guard refuses in the tests)."""
    return base.replace("127.0.0.1", "127.0.0.2")


def mixed_index(base: str) -> str:
    maps = [base + "/sitemaps/mixed.xml", elsewhere(base) + "/sitemaps/news.xml"]
    items = "".join(f"<sitemap><loc>{url}</loc></sitemap>\n" for url in maps)
    return f'{XML_DECL}<sitemapindex xmlns="{SITEMAP_NS}">\n{items}</sitemapindex>\n'


def repeated_index(base: str) -> str:
    """An index listing the two sitemaps, then the first again 998 times."""
    items = "".join(f"<sitemap><loc>{base}/sitemaps/{name}.xml</loc></sitemap>\n" for name in ["news", "articles"] + ["news"] * 998)
    return f'{XML_DECL}<sitemapindex xmlns="{SITEMAP_NS}">\n{items}</sitemapindex>\n'


def mixed_sitemap(base: str) -> str:
    """Two of the site's articles, and two URLs of another site."""
    urls = [base + ARTICLES[k].path for k in KEYS[:2]] + [elsewhere(base) + f"/news/elsewhere-{i}/" for i in (1, 2)]
    items = "".join(f"<url><loc>{url}</loc></url>\n" for url in urls)
    return f'{XML_DECL}<urlset xmlns="{SITEMAP_NS}">\n{items}</urlset>\n'


def news_sitemap(base: str) -> str:
    items = "".join(
        f"<url><loc>{base}{a.path}</loc><news:news><news:publication><news:name>{SITE}</news:name>"
        f"<news:language>en</news:language></news:publication><news:publication_date>{iso(a.date)}</news:publication_date>"
        f"<news:title>{esc(a.title)}</news:title></news:news></url>\n"
        for a in (ARTICLES[k] for k in KEYS[12:16]))
    return (f'{XML_DECL}<urlset xmlns="{SITEMAP_NS}" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
            f"{items}</urlset>\n")


def rss(base: str, keys: list[str], path: str, title: str) -> str:
    items = "".join(
        f"<item><title>{esc(FEED_ENTRY_META[k]['title'])}</title><link>{base}{ARTICLES[k].path}</link>"
        f'<guid isPermaLink="true">{base}{ARTICLES[k].path}</guid><pubDate>{format_datetime(ARTICLES[k].date, usegmt=True)}</pubDate>'
        f"<dc:creator>{esc(ARTICLES[k].author)}</dc:creator><description>{esc(ARTICLES[k].body[0])}</description></item>\n"
        for k in keys)
    return f"""{XML_DECL}<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>{esc(title)}</title><link>{base}/</link><description>Latest news from {SITE}</description><language>en</language>
<atom:link href="{base}{path}" rel="self" type="application/rss+xml"/>
{items}</channel></rss>
"""


def atom(base: str) -> str:
    keys = FEED_KEYS["/feeds/atom.xml"]
    entries = "".join(
        f"""<entry><title>{esc(FEED_ENTRY_META[k]['title'])}</title><link rel="alternate" type="text/html" href="{base}{ARTICLES[k].path}"/>
<id>tag:loopback.test,2026:{k}</id><published>{iso(ARTICLES[k].date)}</published><updated>{iso(ARTICLES[k].date)}</updated>
<author><name>{esc(ARTICLES[k].author)}</name></author><summary>{esc(ARTICLES[k].body[0])}</summary></entry>
""" for k in keys)
    updated = max(ARTICLES[k].date for k in keys)
    return f"""{XML_DECL}<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<title>{SITE}</title><id>tag:loopback.test,2026:feed</id><updated>{iso(updated)}</updated>
<link rel="self" href="{base}/feeds/atom.xml"/><link rel="alternate" type="text/html" href="{base}/"/>
{entries}</feed>
"""


def json_feed(base: str) -> str:
    items = [{"id": k, "url": base + ARTICLES[k].path, "title": FEED_ENTRY_META[k]["title"],
              "summary": ARTICLES[k].body[0], "date_published": iso(ARTICLES[k].date),
              "authors": [{"name": ARTICLES[k].author}]} for k in FEED_KEYS["/feeds/feed.json"]]
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": SITE, "home_page_url": base + "/",
            "feed_url": base + "/feeds/feed.json", "language": "en", "items": items}
    return json.dumps(feed, ensure_ascii=False, indent=1) + "\n"


TYPES = {"xml": b"application/xml", "rss": b"application/rss+xml", "atom": b"application/atom+xml", "json": b"application/feed+json",
         "html": b"text/html; charset=utf-8", "text": b"text/plain", "pdf": b"application/pdf", "jpeg": b"image/jpeg"}
BROKEN_SITEMAP = (f'{XML_DECL}<urlset xmlns="{SITEMAP_NS}">\n<url><lastmod>2026-11-10T08:00:00+00:00</lastmod></ur>\n'
                  "<url><lastmod>2026-11-1").encode()
BROKEN_FEED = (f'{XML_DECL}<rss version="2.0"><channel><title>{SITE} & friends</title>\n'
               "<item><title>Feed: Ceasefire talks</ti></item>\n<item><title>Feed: unterminated").encode()
# one item of 32,000 attributes: feedparser's time grew with their square (6.8 s)
ATTRIBUTES_FEED = (f'{XML_DECL}<rss version="2.0"><channel><title>{SITE}</title>\n<item '
                   + " ".join(f'a{i}="v"' for i in range(32_000)) + f"><link>{ARTICLE_PATHS[KEYS[0]]}</link></item></channel></rss>").encode()


def robots(base: str, crawl_delay: float | None) -> str:
    delay = f"Crawl-delay: {crawl_delay}\n" if crawl_delay is not None else ""
    return f"User-agent: *\nDisallow: /private/\n{delay}Sitemap: {base}/sitemap_index.xml\n"


def static_reply(path: str, base: str, crawl_delay: float | None = None) -> Reply | None:
    """Every page but the stateful 429 one; None for a 404."""
    routes = {a.path: ("html", lambda a=a: article_page(a, base)) for a in ARTICLES.values() if a.key != "retry"}
    routes.update({ARTICLES[k].path + "print/": ("html", lambda k=k: plain_page(
        f"Print: {ARTICLES[k].title}", "Printer-friendly version.", base, path)) for k in LINKED})
    routes.update({p: ("html", lambda p=p: listing_page(p, base)) for p in LISTINGS})
    routes.update({
        "/": ("html", lambda: home_page(base)),
        "/blog/": ("html", lambda: blog_page(base)),
        "/robots.txt": ("text", lambda: robots(base, crawl_delay)),
        "/sitemap_index.xml": ("xml", lambda: sitemap_index(base)),
        "/sitemaps/articles.xml": ("xml", lambda: articles_sitemap(base)),
        "/sitemaps/news.xml": ("xml", lambda: news_sitemap(base)),
        "/sitemaps/mixed-index.xml": ("xml", lambda: mixed_index(base)),
        "/sitemaps/mixed.xml": ("xml", lambda: mixed_sitemap(base)),
        "/sitemaps/repeated-index.xml": ("xml", lambda: repeated_index(base)),
        "/feeds/rss.xml": ("rss", lambda: rss(base, FEED_KEYS["/feeds/rss.xml"], "/feeds/rss.xml", SITE)),
        "/feeds/blog.rss": ("rss", lambda: rss(base, FEED_KEYS["/blog/"], "/feeds/blog.rss", f"{SITE} newsroom blog")),
        "/feeds/atom.xml": ("atom", lambda: atom(base)),
        "/feeds/feed.json": ("json", lambda: json_feed(base)),
        "/broken/bad.xml": ("xml", lambda: BROKEN_SITEMAP),
        "/broken/html.xml": ("xml", lambda: plain_page("Sitemap", "Our sitemap has moved. Please use the menu.", base, path)),
        "/broken/empty.xml": ("xml", lambda: b""),
        "/broken/bad-feed.xml": ("rss", lambda: BROKEN_FEED),
        "/broken/html-feed.xml": ("rss", lambda: plain_page("Feeds", "Our feeds have moved. Please use the menu.", base, path)),
        "/broken/empty-feed.xml": ("rss", lambda: b""),
        "/broken/attributes-feed.xml": ("rss", lambda: ATTRIBUTES_FEED),
        PDF_PATH: ("pdf", lambda: PDF),
        IMAGE_PATH: ("jpeg", lambda: JPEG),
    })
    utility = {"/login/": "Sign in", "/wp-login.php": "Log in", "/share": "Share this page", "/feed/": "Subscribe"}
    where = path.partition("?")[0]
    if path not in routes and where in utility:
        routes[path] = ("html", lambda: plain_page(utility[where], f"{utility[where]} to {SITE}.", base, path))
    if path not in routes:
        return None
    kind, render = routes[path]
    body = render()
    return Reply(200, "OK", [(b"Content-Type", TYPES[kind])], body.encode() if isinstance(body, str) else body)


def _link_depths() -> dict[str, int]:
    """Fewest link hops from "/" to every same-site href (external links left out)."""
    depths, frontier = {"/": 0}, ["/"]
    while frontier:
        path = frontier.pop(0)
        reply = static_reply(path, "http://127.0.0.1")
        if reply is None or HTML not in reply.headers:
            continue
        for href in re.findall(r'<a [^>]*href="([^"]+)"', reply.body.decode()):
            href = href.replace("&amp;", "&")
            if href.startswith("/") and href not in depths:
                depths[href] = depths[path] + 1
                frontier.append(href)
    return depths


LINK_DEPTHS: dict[str, int] = _link_depths()


class DiscoverySite(LoopbackSite):
    """The discovery test site; start() serves it on 127.0.0.1 and a free port."""

    server_header = b"loopback-times/1.0"

    def __init__(self, crawl_delay: float | None = None) -> None:
        self.crawl_delay = crawl_delay
        self._retry_lock = threading.Lock()
        self._retry_asked = 0
        super().__init__()

    def article_url(self, key: str) -> str:
        return self.url(ARTICLES[key].path)

    def requested(self, path: str) -> list[float]:
        """Monotonic times at which ``path`` (with its query) was requested."""
        return [t for p, t in list(self.requests) if p == path]

    def requested_paths(self) -> set[str]:
        return {p for p, _ in list(self.requests)}

    def route(self, path: str) -> Reply:
        if path == RETRY_PATH:
            with self._retry_lock:
                self._retry_asked += 1
                first = self._retry_asked == 1
            if first:
                body = html_page("Too many requests", "Slow down.", self.url(path), "<h1>Too many requests</h1><p>Please retry in 2 seconds.</p>")
                return Reply(429, "Too Many Requests", [HTML, (b"Retry-After", b"2")], body)
            return Reply(200, "OK", [HTML], article_page(ARTICLES["retry"], self.base))
        reply = static_reply(path, self.base, self.crawl_delay)
        if reply is None:
            body = html_page("Page not found", "Nothing here.", self.url(path), "<h1>Page not found</h1><p>Sorry, there is nothing at this address.</p>")
            return Reply(404, "Not Found", [HTML], body)
        return reply
