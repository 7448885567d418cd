"""Bounded extraction that keeps the story: what no extractor reads is dropped before the byte limit applies,
JSON-LD is read to a bounded depth, and a page nested past lxml's limit is read again flattened."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from archiver.config import SETTINGS
from archiver.values.values import parse_size
from archiver.extract import NoArticle, extract_page, page_head
from archiver.extract.lean import ATTRIBUTE_MAX, lean
from archiver.extract.listing import is_listing
from archiver.extract.pipeline import MAX_BYTES
from archiver.extract.structured import JSON_DEPTH, json_ld_scripts, too_deep
from boundsite import PATHS, STORY, TITLE, BoundSite, page, story_page
from conftest import finish_crawl, start_crawl
from hostilesite import TreeMemory


@pytest.fixture(scope="module")
def bound_site() -> BoundSite:
    site = BoundSite().start()
    yield site
    site.stop()


@pytest.mark.crawl
def test_stories_behind_megabytes_of_images_json_ld_and_scripts_or_past_nesting_limits_are_archived(
        tmp_path: Path, bound_site: BoundSite) -> None:
    started = time.monotonic()
    process = start_crawl(tmp_path, "article", {"url": ",".join(bound_site.url(path) for path in PATHS)},
                          {"CONCURRENT_REQUESTS": "1"})
    memory = TreeMemory(process.pid)
    crawl = finish_crawl(tmp_path, process)
    print(f"{len(PATHS)} pages in {time.monotonic() - started:.1f} s, "
          f"peak memory of the process tree {memory.stop() / 2**20:.0f} MiB")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert "Traceback" not in crawl.stderr
    found = {row["url"]: row for row in crawl.db.query("select url, title, author, text, extractor from articles")}
    assert set(found) == {bound_site.url(path) for path in PATHS}, crawl.db.execute("select url, error from captures").fetchall()
    for path in PATHS:
        row = found[bound_site.url(path)]
        assert row["title"] == TITLE, path
        assert all(paragraph in row["text"] for paragraph in STORY), path
    said = {path: json.loads(found[bound_site.url(path)]["extractor"]) for path in PATHS}
    # the row says what extraction did not read
    assert said["/inline-image"]["dropped"] == {"inline data: URIs": 20_000_015}
    assert said["/many-images"]["dropped"] == {"inline data: URIs": 10_000 * 2_015}  # each value, its quotes too
    assert said["/json-ld"]["dropped"] == {"JSON scripts past their share": 11_688_966}
    assert said["/scripts"]["dropped"]["scripts"] == 13_600_000
    assert "input" not in said["/json-ld"]  # all of it read, the JSON-LD blob aside
    # the over-deep JSON-LD is ignored and said so; the article's own is read
    assert said["/deep-json-ld"]["warnings"] == [f"1 JSON-LD script(s) nested deeper than {JSON_DEPTH} levels ignored"]
    assert found[bound_site.url("/deep-json-ld")]["author"] == "Ada Quayle"
    assert said["/deep-tables"]["warnings"][0].startswith("lxml stopped (Excessive depth in document: 2048")
    assert "read again with tags nested deeper than 256 levels dropped, their text kept" in said["/deep-tables"]["warnings"][0]


def test_a_page_within_the_limit_is_read_as_it_is() -> None:
    """Pages under ARCHIVER_EXTRACT_MAX_BYTES (all of the corpus) are not touched: their extraction is unchanged."""
    body = story_page(f'<img src="data:image/png;base64,{"A" * 100_000}"><script>var x = 1;</script>')
    head, whole = page_head(body, MAX_BYTES)
    article = extract_page(head, "text/html", "https://example.org/a", whole=whole)
    assert "input" not in article.extractor and "dropped" not in article.extractor
    assert parse_size(SETTINGS["EXTRACT_MAX_BYTES"].default) == MAX_BYTES  # a worker told nothing reads as a crawl does


@pytest.mark.slow
def test_a_cut_page_says_so_and_a_page_without_text_in_its_first_bytes_says_where_it_looked() -> None:
    body = story_page("<div>" + "<p>word</p>" * 200_000 + "</div>")  # 2.2 MB of markup that is kept
    head, whole = page_head(body, 1_000_000)
    assert (head, whole) == (body, None)  # the worker gets 8 MB at most: all of it
    article = extract_page(head, "text/html", "https://example.org/a", whole=whole, max_bytes=1_000_000)
    assert article.extractor["input"] == f"the first 1,000,000 bytes of {len(body):,}"
    # more than 8 times the limit: the story is not sent, and the image's tag, cut, never closes: read as it is
    image = story_page(f'<img src="data:,{"A" * 9_000_000}">')
    head, whole = page_head(image, 1_000_000)
    assert len(head) == 8_000_000 and whole == len(image)
    with pytest.raises(NoArticle, match=r"no main text found .* \(in the first 1,000,000 bytes of 9,000,\d+\)"):
        extract_page(head, "text/html", "https://example.org/a", whole=whole, max_bytes=1_000_000)


def test_a_utf_16_page_is_cut_not_scanned() -> None:
    body = "\ufeff".encode("utf-16-le") + story_page("<!--" + "x" * 3_000_000 + "-->").decode().encode("utf-16-le")
    # the story is past the first 2 MB: not found, and the row says where extraction looked
    with pytest.raises(NoArticle, match=r"\(in the first 2,000,000 bytes of "):
        extract_page(body, "text/html", "https://example.org/a", max_bytes=2_000_000)


# the single pass, on generated pages ------------------------------------------------------------------

WORDS = st.sampled_from(["harbour", "quay", "storm", "steel", "a < b", "x > y", "fish", "&amp;", "data:", "'", '"'])
TEXT = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)
ATTRIBUTE = st.one_of(
    st.tuples(st.sampled_from(["class", "id", "href", "alt"]), TEXT.map(lambda t: t.replace('"', ""))).map(
        lambda a: f'{a[0]}="{a[1]}"'),
    st.integers(1, 3 * ATTRIBUTE_MAX).map(lambda n: f'data-props="{"x" * n}"'),
    st.integers(0, 300).map(lambda n: f"src='data:image/png;base64,{'A' * n}'"),
    st.integers(0, 300).map(lambda n: f"src=data:image/gif;base64,{'B' * n}"),
)


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> str:
    """Well-formed HTML: text, paragraphs and divs with attributes, scripts, styles, comments."""
    kind = draw(st.sampled_from(["text", "p", "div", "script", "style", "comment", "json"] if depth < 4 else ["text"]))
    if kind == "text":
        return draw(TEXT).replace("<", "&lt;")
    if kind in ("p", "div"):
        attributes = " ".join(draw(st.lists(ATTRIBUTE, max_size=3)))
        inner = "".join(draw(st.lists(elements(depth + 1), max_size=4)))
        return f"<{kind} {attributes}>{inner}</{kind}>"
    if kind == "comment":
        return f"<!-- {draw(TEXT)} -->"
    if kind == "json":
        return f'<script type="application/ld+json">{json.dumps({"name": draw(TEXT)})}</script>'
    return f"<{kind}>{draw(TEXT)} if (a < b) {{ x = '</p>'; }}</{kind}>"


def visible_text(body: bytes) -> str:
    tree = lxml_html.document_fromstring(body, parser=lxml_html.HTMLParser(encoding="utf-8", remove_comments=True))
    for hidden in tree.xpath("//script | //style"):
        hidden.drop_tree()
    return tree.text_content()


@settings(max_examples=300, deadline=None)
@given(st.lists(elements(), min_size=1, max_size=12).map("".join))
def test_dropping_what_no_extractor_reads_keeps_every_word_of_text(markup: str) -> None:
    body = f"<html><body>{markup}</body></html>".encode()
    slim = lean(body, len(body))
    assert slim.read == len(body) and len(slim.body) <= len(body)
    assert visible_text(slim.body) == visible_text(body)
    kept = lxml_html.document_fromstring(slim.body)
    assert not any(len(value) > ATTRIBUTE_MAX or value.lstrip().lower().startswith("data:")
                   for element in kept.iter() if isinstance(element.tag, str) for value in element.attrib.values())
    assert all(json.loads(script.text) for script in kept.xpath("//script[@type='application/ld+json']"))
    assert not any(script.text for script in kept.xpath("//script[not(@type)] | //style"))


PIECES = st.sampled_from(["<", ">", "<!--", "-->", "--!>", "<script>", "</script", "<style x='", "</", '"', "'", "=",
                          " ", "data:", "<p ", "<div a=", "</div>", "x" * 50, "\x00", "<!-->", "/>", "<br>"])


@settings(max_examples=500, deadline=None)
@given(st.lists(PIECES, max_size=200).map("".join), st.integers(1, 3000), st.none() | st.integers(0, 5))
def test_the_pass_ends_within_its_bounds_on_any_bytes(soup: str, limit: int, depth: int | None) -> None:
    body = soup.encode()
    slim = lean(body, limit, max_depth=depth)
    assert len(slim.body) <= limit
    assert 0 <= slim.read <= len(body)
    assert sum(slim.dropped.values()) <= len(body)
    if len(slim.body) < limit:  # not cut: everything was read
        assert slim.read == len(body)


@st.composite
def json_values(draw: st.DrawFn) -> str:
    """JSON nested to a drawn depth, strings holding brackets and escaped quotes."""
    depth = draw(st.integers(0, 2 * JSON_DEPTH))
    leaf = json.dumps(draw(st.text(alphabet='[]{}"\\ab', max_size=8)))
    text = leaf
    for level in range(depth):
        text = f"[{text}, 1]" if draw(st.booleans()) else f'{{"k{level}": {text}}}'
    return text


def nesting(value: object) -> int:
    depth, todo = 0, [(value, 0)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, (list, dict)):
            depth = max(depth, level + 1)
            todo += [(child, level + 1) for child in (item.values() if isinstance(item, dict) else item)]
    return depth


@settings(max_examples=300, deadline=None)
@given(json_values())
def test_json_depth_is_told_without_decoding(text: str) -> None:
    assert too_deep(text) == (nesting(json.loads(text)) > JSON_DEPTH)


@pytest.mark.parametrize("blob", ["[" * 200_000, "[" * 200_000 + "]" * 200_000, '{"a":' * 100_000 + "1" + "}" * 100_000,
                                  '[ // "\n' + "[" * 100_000])
def test_json_ld_nested_past_the_bound_is_ignored_never_decoded(blob: str) -> None:
    tree = lxml_html.document_fromstring(story_page(head=f'<script type="application/ld+json">{blob}</script>'))
    assert json_ld_scripts(tree) == ([], 1)
    assert not is_listing(tree)  # what a site crawl asks of every page, on its archiver-read thread


def test_a_generated_page_behind_each_kind_of_ballast_keeps_its_story() -> None:
    """``extract_page`` directly, as the crawl above calls it in a worker: the figures of bench/extract_bounds.py."""
    for path in PATHS:
        head, whole = page_head(page(path), MAX_BYTES)
        article = extract_page(head, "text/html; charset=utf-8", f"https://example.org{path}", whole=whole)
        assert all(paragraph in article.text for paragraph in STORY), path
