"""Reading feeds: RSS and Atom and their links, titles as a reader sees them, encodings, recovery, limits; JSON Feed's limits."""

from __future__ import annotations

import json
import re

import pytest

from archiver.formats.feeds import FeedError, parse_feed

FEED_URL = "https://news.example/feeds/all.xml"


def entries(body: str | bytes, content_type: str = "application/rss+xml", max_entries: int = 50_000) -> list[tuple]:
    feed = parse_feed(body.encode() if isinstance(body, str) else body, FEED_URL, content_type, max_entries)
    return [(e.url, e.title, e.date.isoformat() if e.date else None, e.author) for e in feed.entries]


def test_rss_2_links_guids_titles_dates_and_authors() -> None:
    body = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>News</title>
<item><title>Quay &lt;em&gt;opens&lt;/em&gt; &amp;amp; ships return</title><link>/2026/quay.html</link>
 <pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate><dc:creator>Ana Ruiz</dc:creator></item>
<item><title><![CDATA[Bridge <b>closed</b>]]></title><guid>https://news.example/bridge</guid><dc:date>2026-11-03T08:30:00Z</dc:date></item>
<item xmlns:media="http://search.yahoo.com/mrss/"><media:title>Gallery</media:title><title>Lock gates</title>
 <media:content url="https://cdn.example/lock.jpg"/><link>https://news.example/lock</link></item>
<item><title>Only an id</title><guid isPermaLink="false">tag:news.example,2026:77</guid></item>
</channel></rss>"""
    assert entries(body) == [
        ("https://news.example/2026/quay.html", "Quay opens & ships return", "2026-11-02T10:00:00+00:00", "Ana Ruiz"),
        ("https://news.example/bridge", "Bridge closed", "2026-11-03T08:30:00+00:00", None),
        ("https://news.example/lock", "Lock gates", None, None),
    ]


def test_rss_1_items_sit_beside_the_channel() -> None:
    body = """<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="https://news.example/"><title>News</title></channel>
<item rdf:about="https://news.example/r"><title>Rail strike</title><link>https://news.example/r</link>
 <dc:date>2026-03-01T10:00:00Z</dc:date><dc:creator>Lee Chan</dc:creator></item></rdf:RDF>"""
    feed = parse_feed(body.encode(), FEED_URL)
    assert feed.kind == "rss10"
    assert entries(body) == [("https://news.example/r", "Rail strike", "2026-03-01T10:00:00+00:00", "Lee Chan")]


def test_atom_picks_the_html_alternate_under_xml_base_and_its_first_author() -> None:
    body = """<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example/world/"><title>World</title>
<entry><title type="html">Talks &amp;lt;resume&amp;gt;</title>
 <link rel="enclosure" href="talks.mp3"/><link rel="alternate" type="application/pdf" href="talks.pdf"/>
 <link rel="alternate" type="text/html" href="talks.html"/>
 <author><name>Ana Ruiz</name></author><author><name>Lee Chan</name></author>
 <updated>2026-11-05T09:00:00Z</updated><published>2026-11-04T09:00:00Z</published></entry>
<entry xml:base="europe/"><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Summit <b>ends</b></div></title>
 <link href="summit.html"/></entry></feed>"""
    assert entries(body, "application/atom+xml") == [
        ("https://news.example/world/talks.html", "Talks <resume>", "2026-11-04T09:00:00+00:00", "Ana Ruiz"),
        ("https://news.example/world/europe/summit.html", "Summit ends", None, None),
    ]


def test_the_content_type_charset_counts_when_the_document_declares_none() -> None:
    body = '<rss version="2.0"><channel><item><title>Caf\u00e9 \u2013 Stra\u00dfe</title><link>/c</link></item></channel></rss>'
    assert entries(body.encode("cp1252"), "application/rss+xml; charset=windows-1252")[0][1] == "Caf\u00e9 \u2013 Stra\u00dfe"
    declared = '<?xml version="1.0" encoding="ISO-8859-1"?>' + body.replace("\u2013", "-")
    assert entries(declared.encode("latin-1"), "text/xml; charset=utf-8")[0][1] == "Caf\u00e9 - Stra\u00dfe"


def test_a_malformed_feed_keeps_the_entries_before_and_after_the_fault() -> None:
    body = """<rss version="2.0"><channel><title>Tom & Jerry</title>
<item><title>Caf&eacute;&nbsp;reopens</title><link>https://news.example/cafe</link></item>
<item><link>https://news.example/after</link></item></channel></rss>"""
    feed = parse_feed(body.encode(), FEED_URL)
    assert feed.problem and "line 1" in feed.problem
    assert [(e.url, e.title) for e in feed.entries] == [
        ("https://news.example/cafe", "Caf\u00e9\u00a0reopens".replace("\u00a0", " ")),
        ("https://news.example/after", None),
    ]


def test_reading_stops_past_the_entries_asked_for() -> None:
    items = "".join(f"<item><link>/a/{n}</link></item>\n" for n in range(5))
    # what follows the third entry is never read: its fault is no problem of the feed's
    feed = parse_feed(f'<rss version="2.0"><channel>{items}<item><link>/x</li></item>'.encode(), FEED_URL, "", 3)
    assert [e.url for e in feed.entries] == [f"https://news.example/a/{n}" for n in range(3)]
    assert feed.truncated and feed.problem is None
    assert not parse_feed(f'<rss version="2.0"><channel>{items}</channel></rss>'.encode(), FEED_URL, "", 5).truncated


@pytest.mark.parametrize("body, reason", [
    ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/a</loc></url></urlset>',
     "not RSS or Atom (the root element is <urlset>)"),
    ("<!DOCTYPE html><html><head><title>Feeds</title></head><body><p>Moved</p></body></html>",
     "not RSS or Atom: an HTML page served as application/rss+xml"),
    ("Service temporarily unavailable", "not RSS or Atom (Start tag expected"),
    ('<rss version="2.0"><channel><item><title>Half', "malformed XML: "),
])
def test_what_is_no_feed_says_why(body: str, reason: str) -> None:
    with pytest.raises(FeedError, match="^" + re.escape(reason)):
        parse_feed(body.encode(), FEED_URL, "application/rss+xml")


def test_a_json_feed_is_read_to_the_entries_asked_for() -> None:
    items = [{"url": f"/a/{n}", "title": f"Story {n}", "authors": [{"name": "Ana Ruiz"}]} for n in range(5)]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    feed = parse_feed(body, FEED_URL, "application/feed+json", 3)
    assert [(e.url, e.title, e.author) for e in feed.entries] == [
        (f"https://news.example/a/{n}", f"Story {n}", "Ana Ruiz") for n in range(3)]
    assert feed.truncated


def test_brackets_in_a_json_feeds_text_are_not_counted() -> None:
    code = "if (x) { y[0] = {}; }" * 50
    items = [{"url": f"/code/{n}", "content_html": f"<pre>{code}</pre>"} for n in range(20)]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    assert len(parse_feed(body, FEED_URL, "application/feed+json", 20).entries) == 20


@pytest.mark.parametrize("items, max_entries, reason", [
    # 40 objects and arrays an entry: 160 for three, and "[]," is 2.4 GiB of lists in 128 MiB
    ("[]," * 200 + "[]", 3, "JSON of 203 objects and arrays, more than 3 entries could hold; not read"),
    ("[" * 10_000, 50_000, "malformed JSON: maximum recursion depth exceeded"),
])
def test_a_json_feed_that_would_not_fit_in_memory_is_not_read(items: str, max_entries: int, reason: str) -> None:
    body = f'{{"version": "https://jsonfeed.org/version/1.1", "items": [{items}]}}'.encode()
    with pytest.raises(FeedError, match="^" + re.escape(reason)):
        parse_feed(body, FEED_URL, "application/feed+json", max_entries)


@pytest.mark.parametrize("root", ['<rss version="2.0" xmlns="http://backend.userland.com/rss2">',
                                  '<rss version="2.0" xmlns="http://blogs.law.harvard.edu/tech/rss">'])
def test_rss_in_a_namespace_of_its_own(root: str) -> None:
    body = f"{root}<channel><item><title>Ferry</title><link>https://news.example/ferry</link></item></channel></rss>"
    assert entries(body) == [("https://news.example/ferry", "Ferry", None, None)]


def test_atom_without_its_namespace_and_an_entry_known_by_its_id() -> None:
    body = """<feed><entry><title>Dam</title><link href="https://news.example/dam"/></entry>
<entry><title>Weir</title><id>https://news.example/weir</id></entry><entry><title>No link</title><id>tag:x,2026:1</id></entry></feed>"""
    assert [(url, title) for url, title, _, _ in entries(body, "application/atom+xml")] == [
        ("https://news.example/dam", "Dam"), ("https://news.example/weir", "Weir")]


def test_titles_keep_what_only_looks_like_markup() -> None:
    rss = """<rss version="2.0"><channel><item><title>std::vector&lt;int&gt; explained</title>
<link>https://news.example/vector</link></item><item><guid ispermalink="false">https://news.example/feed/42</guid></item>
</channel></rss>"""
    assert [entry[:2] for entry in entries(rss)] == [("https://news.example/vector", "std::vector<int> explained")]
    atom = """<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="text">Why &lt;blink&gt; died</title>
<link href="https://news.example/blink"/></entry></feed>"""
    assert entries(atom, "application/atom+xml")[0][1] == "Why <blink> died"


def test_an_entry_of_a_long_text_does_not_cut_the_feed() -> None:
    long = "word &amp; " * 1_200_000  # 13 MB of escaped text in one node: past libxml2's 10 MB bound
    items = f"<item><link>/long</link><description>{long}</description></item><item><link>/after</link></item>"
    assert [url for url, *_ in entries(f'<rss version="2.0"><channel>{items}</channel></rss>')] == [
        "https://news.example/long", "https://news.example/after"]
