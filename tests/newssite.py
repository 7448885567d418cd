"""A realistic little news web on loopback, for crawl tests.

Five sites' templates (a plain news site, two WordPress themes, a tagDiv
"Newspaper" theme, a tabloid), each carrying the seed story with its own
chrome plus header, navigation and footer; an index; robots.txt; a 404
with its own reason phrase; a redirect; a gzip-encoded page; a chunked
page; a page setting two cookies; a URL with a query string; a PDF.

The server (tests/loopback.py) keeps, for every response, exactly what it
sent (status line, headers, body as on the wire minus chunked framing), so
tests can compare WARC records with it byte for byte.
"""

from __future__ import annotations

import gzip
import html
from typing import Callable

from loopback import LoopbackSite, Reply, Sent, refused_url  # noqa: F401  (Sent, refused_url: re-exported)
from seeds import Story, load_stories


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def paragraphs(lines: list[str], cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return "\n".join(f"<p{attr}>{esc(line)}</p>" for line in lines)


def page(title: str, site: str, head_extra: str, body: str, lang: str = "en") -> str:
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{esc(title)} | {esc(site)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{head_extra}
<link rel="stylesheet" href="/static/site.css">
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
</head>
<body>
{body}
</body>
</html>
"""


def meta_tags(story: Story, site: str, url: str) -> str:
    return f"""<meta name="description" content="{esc(story.body[0][:150])}">
<meta name="author" content="{esc(story.author)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{esc(story.title)}">
<meta property="og:site_name" content="{esc(site)}">
<meta property="og:url" content="{esc(url)}">
<meta property="article:published_time" content="{story.date}T09:32:14+00:00">"""


READER_COMMENTS = [
    ("Mykola", "They admit it only now, after six weeks of lying to their own people."),
    ("Jane R.", "Thank you for the clear reporting, and for keeping the timeline of the interview."),
]


def comment_list(style: str) -> str:
    """Readers' comments above the reply form, as WordPress themes print them."""
    items = "".join(
        f'<li class="comment even thread-even depth-1" id="comment-{i}"><article class="comment-body {style}">'
        f'<footer class="comment-meta"><div class="comment-author vcard"><b class="fn">{esc(name)}</b> <span class="says">says:</span></div>'
        f'<div class="comment-metadata"><time datetime="2022-04-08T10:1{i}:00+00:00">April 8, 2022 at 10:1{i} am</time></div></footer>'
        f'<div class="comment-content"><p>{esc(text)}</p></div><div class="reply"><a class="comment-reply-link" href="#respond">Reply</a></div></article></li>'
        for i, (name, text) in enumerate(READER_COMMENTS)
    )
    return f'<h2 class="comments-title">2 thoughts on this story</h2><ol class="comment-list">{items}</ol>'


def masthead(site: str, sections: list[str]) -> str:
    links = "".join(f'<li class="menu-item"><a href="/section/{s.lower().replace(" ", "-")}">{esc(s)}</a></li>' for s in sections)
    return f"""<header id="masthead" class="site-header">
<div class="site-branding"><a href="/" rel="home" class="site-title">{esc(site)}</a>
<p class="site-description">Independent news since 1998</p></div>
<nav id="site-navigation" class="main-navigation" aria-label="Primary"><ul id="primary-menu" class="menu">{links}</ul></nav>
<form role="search" class="search-form" action="/search"><input type="search" name="s" placeholder="Search …"><button>Search</button></form>
</header>"""


def footer(site: str, lines: list[str]) -> str:
    return f"""<footer id="colophon" class="site-footer">
<div class="footer-widgets"><ul><li><a href="/about">About us</a></li><li><a href="/privacy">Privacy policy</a></li><li><a href="/contact">Contact the newsroom</a></li></ul></div>
<div class="site-info">{paragraphs(lines)}</div>
</footer>"""


NAV = ["Home", "World", "Politics", "Business", "Weather Centre", "Opinion & Analysis"]
FOOTERS = {
    "herald": ["© 2022 Kyiv Herald Media Group. All rights reserved."],
    "observer": ["Copyright © 2022 Balkan Observer. Proudly powered by WordPress | Theme: Newsup by Themeansar."],
    "daily": ["© Daily Dispatch Ltd 2022. Registered in England No. 0402765."],
    "mailwire": ["Published by Mailwire Aggregation Services. Terms | Privacy | Cookie settings"],
}
SITE_NAMES = {
    "herald": "Kyiv Herald",
    "observer": "Balkan Observer",
    "daily": "Daily Dispatch",
    "canindia": "CanIndia News",
    "mailwire": "Mailwire",
}


def herald(story: Story, url: str) -> str:
    site = SITE_NAMES["herald"]
    body = f"""{masthead(site, NAV)}
<main id="main"><article class="news-article">
<h1 class="article-title">{esc(story.title)}</h1>
<div class="article-meta"><span class="date-label">date {story.date}</span> <span class="byline">By {esc(story.author)}</span></div>
<div class="article-body">
{paragraphs(story.body)}
</div>
</article>
<aside class="sidebar"><h3>Most read</h3><ol><li><a href="/a">Grain corridor talks resume in Istanbul</a></li><li><a href="/b">Power cuts scheduled across the capital region</a></li></ol></aside>
</main>
{footer(site, FOOTERS["herald"])}"""
    return page(story.title, site, meta_tags(story, site, url), body)


def observer(story: Story, url: str) -> str:
    site = SITE_NAMES["observer"]
    half = len(story.body) // 2
    nav = story.chrome["post navigation"]
    body = f"""{masthead(site, NAV)}
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-4412" class="post-4412 post type-post status-publish format-standard hentry category-world">
<header class="entry-header"><h1 class="entry-title">{esc(story.title)}</h1>
<div class="entry-meta"><span class="posted-on"><time class="entry-date published" datetime="{story.date}T09:32:14+00:00">April 8, 2022</time></span>
<span class="byline"> by <span class="author vcard"><a class="url fn n" href="/author/dragana">{esc(story.author)}</a></span></span></div></header>
<div class="entry-content">
{paragraphs(story.body[:half])}
<h2>{esc(story.subheads[0])}</h2>
{paragraphs(story.body[half:])}
</div>
</article>
<nav class="navigation post-navigation" aria-label="Posts"><h2 class="screen-reader-text">Post navigation</h2><div class="nav-links">
<div class="nav-previous"><a href="/observer/kremlin-war-could-end" rel="prev"><span class="meta-nav">{esc(nav[0])}</span> <span class="post-title">{esc(nav[1])}</span></a></div>
<div class="nav-next"><a href="/observer/latvia-golden-visas" rel="next"><span class="meta-nav">{esc(nav[2])}</span> <span class="post-title">{esc(nav[3])}</span></a></div>
</div></nav>
</main></div></div>
{footer(site, FOOTERS["observer"])}"""
    return page(story.title, site, meta_tags(story, site, url), body)


def daily(story: Story, url: str) -> str:
    site = SITE_NAMES["daily"]
    split = 7
    promo = story.chrome["promo box"]
    body = f"""{masthead(site, NAV)}
<div class="site-content"><main class="main-content">
<article class="post type-post hentry">
<h1 class="entry-title">{esc(story.title)}</h1>
<p class="entry-meta">By <a href="/author/sam-hughes" rel="author">{esc(story.author)}</a> · <time datetime="{story.date}">April 7, 2022</time></p>
<div class="entry-content">
{paragraphs(story.body[:split])}
<figure class="wp-block-image"><img src="/img/map.jpg" alt="map"><figcaption>{esc(story.captions[0])} <em>{esc(story.captions[1])}</em></figcaption></figure>
{paragraphs(story.body[split:])}
<div class="promo-box refugees-welcome">
<p>{esc(promo[0])}</p>
<p><a href="/petition">{esc(promo[1])}</a></p>
</div>
</div>
</article>
<div id="comments" class="comments-area">
{comment_list("wp")}
<div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title">{esc(story.chrome["comment form"][0])} <small><a rel="nofollow" id="cancel-comment-reply-link" href="#respond" style="display:none;">Cancel reply</a></small></h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<p class="comment-notes"><span id="email-notes">{esc(story.chrome["comment form"][1])}</span></p>
<p class="comment-form-comment"><label for="comment">Comment</label><textarea id="comment" name="comment"></textarea></p>
<p class="comment-form-author"><label for="author">Name</label><input id="author" name="author" type="text"></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment"></p>
</form></div></div>
</main></div>
{footer(site, FOOTERS["daily"])}"""
    return page(story.title, site, meta_tags(story, site, url), body)


def canindia(story: Story, url: str) -> str:
    site = SITE_NAMES["canindia"]
    chrome = story.chrome
    contact = chrome["contact block"]
    more = chrome["more stories"]
    body = f"""<div class="td-header-wrap">{masthead(site, NAV)}</div>
<div class="td-main-content-wrap td-container-wrap"><div class="td-container">
<article class="post type-post">
<div class="td-post-header"><ul class="td-category"><li class="entry-category"><a href="/category/world">WORLD</a></li></ul>
<header class="td-post-title"><h1 class="entry-title">{esc(story.title)}</h1>
<div class="td-module-meta-info"><div class="td-post-author-name">By <a href="/author/newswire">{esc(story.author)}</a></div>
<span class="td-post-date"><time class="entry-date" datetime="{story.date}T09:32:14+00:00">April 8, 2022</time></span>
<div class="td-post-comments"><a href="#respond"><i class="td-icon-comments"></i>0</a></div><div class="td-post-views"><span>1</span></div></div></header></div>
<div class="td-post-content tagdiv-type">
{paragraphs(story.body)}
</div>
</article>
<div class="td_block_wrap td_block_related_posts"><h4 class="td-related-title"><a href="#" class="td-related-left">{esc(chrome["related articles"][0])}</a></h4>
<div class="td_module_related_posts"><h3 class="entry-title td-module-title"><a href="/r1">Ukraine asks allies for heavy weapons before eastern offensive</a></h3></div>
<div class="td_module_related_posts"><h3 class="entry-title td-module-title"><a href="/r2">Canada announces new sanctions on Russian elites</a></h3></div></div>
<div class="comments" id="comments">{comment_list("td")}<div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title"><span>{esc(chrome["comment form"][0])}</span></h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<div class="clearfix"></div><div class="comment-form-input-wrap td-form-comment"><textarea placeholder="Comment:" name="comment" cols="45" rows="8"></textarea>
<div class="td-warning-comment">{esc(chrome["comment form"][1])}</div></div>
<div class="comment-form-input-wrap td-form-author"><input class="" id="author" name="author" placeholder="Name:*" type="text">
<div class="td-warning-author">{esc(chrome["comment form"][2])}</div></div>
</form></div></div>
</div></div>
<div class="td-footer-wrapper"><div class="td-footer-contact">
<div class="block-title"><span>CONTACT US</span></div>
{paragraphs(contact[:4])}
<h4>{esc(contact[4])}</h4>
{paragraphs(contact[5:])}
</div>
<div class="td-footer-about"><h4>{esc(chrome["about box"][0])}</h4><p>{esc(chrome["about box"][1])}</p></div>
<div class="td-footer-quick"><h4>QUICK CONTACT</h4><form class="wpcf7-form"><p>HOW CAN WE HELP YOU!</p><input type="email" name="email"></form></div>
<div class="td-sub-footer-copy">{esc(chrome["copyright"][0])}</div></div>
<div class="td-more-articles-box"><span class="td-more-articles-box-title">{esc(more[0])}</span>
{"".join(f'<div class="td-module-thumb"><h3 class="entry-title"><a href="/m{i}">{esc(t)}</a></h3></div>' for i, t in enumerate(more[1:]))}
</div>"""
    return page(story.title, site, meta_tags(story, site, url), body)


def mailwire(story: Story, url: str) -> str:
    site = SITE_NAMES["mailwire"]
    figures = iter(story.captions)
    blocks = []
    for i, line in enumerate(story.body):
        blocks.append(f'<p class="mol-para-with-font">{esc(line)}</p>')
        if i % 6 == 5:
            caption = next(figures, None)
            if caption:
                blocks.append(f'<div class="artSplitter mol-img-group"><img src="/i/{i}.jpg" alt=""><p class="imageCaption">{esc(caption)}</p></div>')
    bullets = "".join(f"<li><strong>{esc(b)}</strong></li>" for b in story.bullets)
    body = f"""{masthead(site, NAV)}
<div class="container"><div class="row"><div class="col-md-8 article-wrap">
<h1 class="post-title">{esc(story.title)}</h1>
<div class="post-meta">{story.date} · Mailwire World</div>
<div class="post-content" itemprop="articleBody">
<ul class="mol-bullets-with-font">{bullets}</ul>
{chr(10).join(blocks)}
<p>Source: <a href="https://www.dailymail.co.uk/news/article-10697147/" target="_blank" rel="nofollow noopener">Read Full Article</a></p>
</div></div>
<div class="col-md-4 sidebar"><div class="widget"><h3>Trending</h3><ul><li><a href="/t1">Royal family news roundup</a></li></ul></div></div></div></div>
{footer(site, FOOTERS["mailwire"])}"""
    return page(story.title, site, meta_tags(story, site, url), body)


TEMPLATES: dict[str, Callable[[Story, str], str]] = {
    "herald": herald, "observer": observer, "daily": daily, "canindia": canindia, "mailwire": mailwire,
}

# The article paths, one per site; two of them carry extra HTTP features.
ARTICLE_PATHS = {
    "herald": "/herald/2022/04/08/peskov-admits-significant-losses.html",
    "observer": "/observer/russia-admitted-losses-tragedy/",
    "daily": "/daily/news/world/russia-significant-casualties-ukraine",   # served gzip-encoded
    "canindia": "/canindia/world/russia-suffered-significant-losses/",   # served chunked
    "mailwire": "/mailwire/story.php?id=10697147&src=feed",             # query string
}
REDIRECT_PATH = "/old/peskov-interview"  # 301 to the herald article
MISSING_PATH = "/herald/2022/04/09/no-such-story.html"
PDF_PATH = "/files/peskov-transcript.pdf"
MISSING_REASON = "Nothing Here"

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


class NewsSite(LoopbackSite):
    """The test web: start() serves it on 127.0.0.1 and a free port."""

    server_header = b"loopback-news/1.0"
    date_header = b"Fri, 08 Apr 2022 09:40:00 GMT"

    def __init__(self) -> None:
        self.stories = load_stories()
        super().__init__()

    def article_urls(self) -> dict[str, str]:
        return {key: self.url(path) for key, path in ARTICLE_PATHS.items()}

    def route(self, path: str) -> Reply:
        html_type = (b"Content-Type", b"text/html; charset=utf-8")
        for key, article_path in ARTICLE_PATHS.items():
            if path == article_path:
                markup = TEMPLATES[key](self.stories[key], self.url(path)).encode("utf-8")
                headers = [html_type, (b"Cache-Control", b"max-age=300"), (b"X-Caption", "Kyiv – café".encode("utf-8"))]
                if key == "herald":
                    headers += [(b"Set-Cookie", b"session=3f2a9c; Path=/; HttpOnly"),
                                (b"Set-Cookie", b"consent=undecided; Path=/; Max-Age=3600")]
                if key == "daily":
                    headers.append((b"Content-Encoding", b"gzip"))
                    headers.append((b"Vary", b"Accept-Encoding"))
                    markup = gzip.compress(markup, mtime=0)
                return Reply(200, "OK", headers, markup, chunked=key == "canindia")
        if path == "/":
            links = "".join(f'<li><a href="{esc(p)}">{esc(self.stories[k].title)}</a></li>' for k, p in ARTICLE_PATHS.items())
            markup = page("Front page", "Loopback News", "", f"<h1>Latest</h1><ul>{links}</ul>").encode()
            return Reply(200, "OK", [html_type], markup)
        if path == "/robots.txt":
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")], b"User-agent: *\nDisallow: /private/\n")
        if path == REDIRECT_PATH:
            return Reply(301, "Moved Permanently", [(b"Location", ARTICLE_PATHS["herald"].encode())], b"")
        if path == PDF_PATH:
            return Reply(200, "OK", [(b"Content-Type", b"application/pdf")], PDF)
        markup = page("Not found", "Kyiv Herald", "", "<h1>Sorry, that page is not here</h1>").encode()
        return Reply(404, MISSING_REASON, [html_type], markup)
