"""The article a JavaScript page carries as data: taken without a browser, its provenance recorded; bounded."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.extract import NoArticle, extract_article
from archiver.extract.embedded import EmptyShell
from jssite import KEYS, STORIES, JsSite

SITE = JsSite()  # only its markup: no server started


def norm(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("kind, source", [
    ("next", "embedded:next_data"), ("nuxt", "embedded:nuxt_data"), ("state", "embedded:state:__INITIAL_STATE__"),
    ("jsonld", "embedded:json_ld"), ("plain", "html"),
])
def test_the_article_is_taken_from_the_data_the_page_carries(kind: str, source: str) -> None:
    story = STORIES[KEYS[0]]
    article = extract_article(SITE.markup(kind, story), f"http://news.test/{kind}/{story.key}")
    assert article.source == source
    assert story.title in (article.title or "")
    text = norm(article.text)
    assert all(norm(line) in text for line in story.body)
    assert article.word_count >= 0.9 * sum(len(line.split()) for line in story.body)


def test_a_shell_without_data_says_why_it_looks_empty() -> None:
    story = STORIES[KEYS[1]]
    # what create-react-app serves: the "text" is the header and the <noscript>
    article = extract_article(SITE.markup("fetch", story), "http://news.test/fetch/x")
    assert article.shell == "empty app root <div id=root>" and article.interstitial == "javascript"
    with pytest.raises(EmptyShell, match="^no main text found.*; empty app root <div id=app>$"):
        extract_article('<html><head><title>App</title></head><body><div id="app"></div>'
                        '<script src="/app.js"></script></body></html>', "http://news.test/app")


def test_a_normal_page_is_no_shell() -> None:
    article = extract_article(SITE.markup("plain", STORIES[KEYS[2]]), "http://news.test/plain/x")
    assert article.shell is None and article.source == "html"


def test_a_short_teaser_is_not_taken_for_the_article() -> None:
    data = {"props": {"pageProps": {"teaser": {"body": "Ten words only, which is far too short to be a story."}}}}
    markup = f'<html><body><div id="__next"></div><script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script></body></html>'
    with pytest.raises(EmptyShell):
        extract_article(markup, "http://news.test/t")


def _shell_with(script: str) -> str:
    return f'<html><head><title>T</title></head><body><div id="root"></div>{script}</body></html>'


def test_deep_nesting_and_huge_arrays_are_bounded() -> None:
    deep = "[" * 200_000 + "]" * 200_000
    wide = json.dumps([{"body": "word " * 3} for _ in range(300_000)])
    for document in (deep, wide, '{"a":' * 50_000 + "1" + "}" * 50_000):
        for script in (f'<script id="__NEXT_DATA__" type="application/json">{document}</script>',
                       f"<script>window.__STATE__ = {document};</script>"):
            with pytest.raises(NoArticle):
                extract_article(_shell_with(script), "http://news.test/deep")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(
        st.sampled_from(["body", "content", "text", "title", "children", "value", "x", "props"]), children, max_size=6),
    max_leaves=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=json_values, prefix=st.sampled_from(["window.__INITIAL_STATE__ = ", "var s=", "self.__X__=JSON.parse(",
                                                     "__NUXT_DATA__", "__NEXT_DATA__", "ld"]))
def test_any_json_in_any_place_gives_an_article_or_says_why(document: object, prefix: str) -> None:
    text = json.dumps(document).replace("</", "<\\/")
    if prefix in ("__NUXT_DATA__", "__NEXT_DATA__"):
        script = f'<script id="{prefix}" type="application/json">{text}</script>'
    elif prefix == "ld":
        script = f'<script type="application/ld+json">{text}</script>'
    elif prefix.endswith("("):
        script = f"<script>{prefix}{json.dumps(text)});</script>"
    else:
        script = f"<script>{prefix}{text};</script>"
    try:
        article = extract_article(_shell_with(script), "http://news.test/any")
    except NoArticle as exc:
        assert str(exc)
    else:
        assert article.source.startswith("embedded:") and article.word_count >= 30


@settings(max_examples=80, deadline=None)
@given(script=st.text(alphabet="window.=_{}[]\"'\\ ;:(),JSONparse0123456789abc<>/p\n", max_size=400))
def test_any_script_text_is_read_without_error(script: str) -> None:
    try:
        extract_article(_shell_with(f"<script>{script.replace('</', '')}</script>"), "http://news.test/s")
    except NoArticle:
        pass


def test_a_comments_noscript_beside_a_real_article_does_not_make_a_shell_to_render() -> None:
    from archiver.crawl.render import looks_empty

    story = STORIES[KEYS[2]]
    markup = SITE.markup("plain", story).replace(
        "</article>", "</article><div id='disqus_thread'></div><noscript>Please enable JavaScript to view the comments.</noscript>")
    article = extract_article(markup, "http://news.test/plain/x")
    assert article.shell == "a <noscript> asks for JavaScript" and not looks_empty(article)
    assert looks_empty(extract_article(SITE.markup("fetch", story), "http://news.test/fetch/x"))
    assert not looks_empty(extract_article(SITE.markup("next", story), "http://news.test/next/x"))
