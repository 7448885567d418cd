"""Soft-failure flags: interstitials, link lists, missing date or title, text too short for its site."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.extract import extract_article
from archiver.archive.writer import ArchiveWriter, FilingRules
from archiver.extract.flags import interstitial, link_share, mostly_links
from made import an_article

PARAGRAPHS = "".join(f"<p>Paragraph {i}: the council met on Tuesday and voted on next year's budget at length.</p>" for i in range(8))


@pytest.mark.parametrize("text, kind", [
    ("Please enable JavaScript to view this page.", "javascript"),
    ("We value your privacy. Accept all cookies or manage your cookie preferences.", "consent"),
    ("Subscribe to continue reading. Already a subscriber? Sign in.", "paywall"),
    ("Are you a robot? Please complete the CAPTCHA below.", "captcha"),
    ("Bitte aktivieren Sie JavaScript, um diese Seite zu sehen.", "javascript"),
    ("Wir respektieren Ihre Privatsphäre. Alle Cookies akzeptieren | Cookie-Einstellungen", "consent"),
    ("Ce contenu est réservé aux abonnés. Déjà abonné ? Connectez-vous.", "paywall"),
    ("¿Eres un robot? Completa el CAPTCHA para continuar.", "captcha"),
    ("The council met on Tuesday.", None),
    ("Der Stadtrat hat am Dienstag den Haushalt beschlossen.", None),
])
def test_interstitials(text: str, kind: str | None) -> None:
    assert interstitial(None, text, len(text.split())) == kind


def test_a_long_article_that_mentions_a_captcha_is_not_an_interstitial() -> None:
    text = "Researchers broke the CAPTCHA. " * 200
    assert interstitial("Robots", text, len(text.split())) is None


def test_a_list_of_headlines_is_mostly_links() -> None:
    items = "".join(f"<li><a href='/n/{i}'>Headline number {i} about the council budget vote</a></li>" for i in range(30))
    article = extract_article(f"<html><head><title>News</title></head><body><main><ul>{items}</ul></main></body></html>",
                              "https://example.org/news/")
    assert article.link_share > 0.5 and mostly_links(article.link_share)
    story = extract_article(f"<html><head><title>Budget</title></head><body><article>{PARAGRAPHS}</article></body></html>",
                            "https://example.org/budget")
    assert link_share(story.text, {"Home", "News"}) == 0.0 and not mostly_links(story.link_share)


def test_missing_date_and_title_are_flagged(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path / "a.db")
    writer.article("https://example.org/x", None, extract_article(f"<html><body><article>{PARAGRAPHS}</article></body></html>",
                                                                  "https://example.org/x"))
    row = next(writer.storage.db.query("select flag_no_date, flag_no_title from articles"))
    assert row == {"flag_no_date": 1, "flag_no_title": 1}
    writer.close()


def test_too_short_is_relative_to_the_site(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path / "a.db", rules=FilingRules(chrome_stories=0))
    for i in range(4):
        writer.article(f"https://a.example/{i}", 1, an_article("word " * 800))
    writer.article("https://a.example/short", 1, an_article("word " * 150))
    writer.article("https://b.example/short", 1, an_article("word " * 150))
    flags = {r["url"]: r["flag_too_short"] for r in writer.storage.db.query("select url, flag_too_short from articles")}
    assert flags["https://a.example/short"] == 1  # 150 words where the site's articles have 800
    assert flags["https://b.example/short"] == 0  # a site seen once: only the absolute floor applies
    assert flags["https://a.example/0"] == 0
    writer.close()
