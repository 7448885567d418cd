"""Faster ways to read a page give what the plain ways give, on generated pages."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.extract.embedded import APP_ROOTS, Carried
from archiver.extract.pipeline import parse_html

# what APP_ROOTS replaced: every element tested for each id
PLAIN_APP_ROOTS = ("//*[@id='root' or @id='app' or @id='__next' or @id='__nuxt' or @id='___gatsby' or @id='svelte']"
                   "|//app-root")
IDS = ["root", "app", "__next", "__nuxt", "___gatsby", "svelte", "Root", "app ", "main", ""]
TAGS = ["div", "main", "section", "app-root", "span", "p"]


@st.composite
def pages(draw: st.DrawFn) -> str:
    """A page of nested elements, some with an app root's id (or one close to it), some app-root elements."""
    def element(depth: int) -> str:
        tag = draw(st.sampled_from(TAGS))
        ident = draw(st.one_of(st.none(), st.sampled_from(IDS)))
        attribute = "" if ident is None else f' id="{ident}"'
        children = "" if depth > 3 else "".join(element(depth + 1) for _ in range(draw(st.integers(0, 3))))
        text = draw(st.sampled_from(["", "Loading...", "The council met on Tuesday and voted on the budget. " * 5]))
        return f"<{tag}{attribute}>{text}{children}</{tag}>"

    return "<html><body>" + "".join(element(0) for _ in range(draw(st.integers(1, 4)))) + "</body></html>"


@settings(max_examples=300, deadline=None)
@given(pages())
def test_app_roots_are_the_elements_the_plain_expression_finds_in_the_same_order(html: str) -> None:
    tree = parse_html(html)
    assert tree.xpath(APP_ROOTS) == tree.xpath(PLAIN_APP_ROOTS)


def test_an_empty_app_root_still_makes_a_page_a_shell() -> None:
    tree = parse_html('<html><body><div id="main"><p>Menu</p></div><div id="__next">Loading...</div></body></html>')
    assert Carried.read(tree).shell == "empty app root <div id=__next>"
    tree = parse_html('<html><body><app-root></app-root><p>Some text</p></body></html>')
    assert Carried.read(tree).shell == "empty app root <app-root id=>"
