"""Extraction edge cases: chrome rules that must not eat the story, pages lxml dislikes."""

from __future__ import annotations

import pytest

from archiver.extract import NoArticle, clean_text, extract_article

BODY = "".join(
    f"<p>Paragraph {i} of the report says the council met on Tuesday and voted on the budget for the coming year.</p>"
    for i in range(10)
)


def page(body: str, head: str = "<title>Budget vote</title>") -> str:
    return f"<!DOCTYPE html><html lang='en'><head>{head}</head><body><header><nav>Home News</nav></header>{body}</body></html>"


def test_a_promo_box_inside_the_story_goes_but_the_story_stays() -> None:
    html = page(f"<article><div class='entry-content has-promo'>{BODY}"
                "<div class='promo-box'><p>Support our journalism: become a member today and get our weekly newsletter.</p></div>"
                "</div></article>")
    article = extract_article(html, "https://example.org/budget")
    assert "Paragraph 9 of the report" in article.text and "become a member" not in article.text


def test_drupal_promoted_nodes_are_not_promo_boxes() -> None:
    article = extract_article(page(f"<div class='node node-article node-promoted'>{BODY}</div>"), "https://example.org/n")
    assert article.text.count("Paragraph") == 10


def test_source_read_full_article_line_goes() -> None:
    html = page(f"<article>{BODY}<p>Source: <a href='https://example.com/x'>Read Full Article</a></p></article>")
    assert "Read Full Article" not in extract_article(html, "https://example.org/a").text


def test_xhtml_with_an_xml_declaration_is_read() -> None:
    html = '<?xml version="1.0" encoding="utf-8"?>\n' + page(f"<article>{BODY}</article>").replace("<!DOCTYPE html>", "")
    assert extract_article(html, "https://example.org/x").word_count > 100


def test_chrome_lines_are_dropped_only_when_they_are_the_whole_line() -> None:
    text = "Leave a Reply\nHe said: leave a reply to the minister's letter by Friday.\nYour email address will not be published."
    assert clean_text(text) == "He said: leave a reply to the minister's letter by Friday."


@pytest.mark.parametrize("line", [
    "Read more: Looted colonial art returns to Benin", "Lesen Sie auch die folgenden Beiträge:", "Auch interessant",
    "LE PUEDE INTERESAR: La ficha de Juan Orlando Hernández en el MDC de Nueva York", "Schon gelesen?", "À lire aussi :",
    "© 2020 General Mills. All Rights Reserved", "This article is © The Gazette 2021.", "27.01.2022", "19:49", "3:59 PM",
])
def test_prompts_copyright_notices_and_bare_dates_leave_the_text(line: str) -> None:
    assert clean_text(f"The council met on Tuesday.\n{line}") == "The council met on Tuesday."


@pytest.mark.parametrize("line", [
    "Weitere Informationen finden Sie in der Pressemeldung sowie im Monatsbericht.",  # a sentence, not a prompt
    "Related to this, the council voted on the budget.", "Mira cómo el presidente habló con los periodistas.",
    "The court ruled that the © symbol on the logo was not enough to prove ownership of the design, "
    "and the company will appeal the decision at the federal court in the spring.",  # long: story text
    "At 19:49 the last train left.",
])
def test_story_lines_that_look_like_prompts_stay(line: str) -> None:
    assert clean_text(line) == line


@pytest.mark.parametrize("html, reason", [("", "empty page"), ("<html><body></body></html>", "no main text found")])
def test_pages_without_an_article_say_why(html: str, reason: str) -> None:
    with pytest.raises(NoArticle, match=reason):
        extract_article(html, "https://example.org/empty")


def test_a_page_the_default_pass_misses_gets_a_recall_pass() -> None:
    import json
    from pathlib import Path

    from w3lib.encoding import html_to_unicode

    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-pages"
    name = "OnlineMarketing.de-Instagram.html"
    annotation = json.loads((corpus / "annotations.json").read_text())[name]
    html = html_to_unicode("text/html", (corpus / "html" / name).read_bytes())[1]
    text = " ".join(extract_article(html, annotation["url"]).text.split())
    assert all(" ".join(segment.split()) in text for segment in annotation["with"])
