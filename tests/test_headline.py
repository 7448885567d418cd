"""The headline a reader sees: entities decoded, the visible <h1> when structured titles agree, affixes gone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import html as lxml_html
from w3lib.encoding import html_to_unicode

from archiver.extract import extract_article
from archiver.extract.headline import headline, strip_affixes, visible_h1s
from archiver.extract.structured import plain

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-pages"
BODY = "".join(f"<p>Paragraph {i}: the council met on Tuesday and voted on next year's budget at length.</p>" for i in range(8))


@pytest.mark.parametrize("raw, expected", [
    ("Why it doesn&#8217;t work", "Why it doesn’t work"),
    ("Die Welt zerst&ouml;ren", "Die Welt zerstören"),
    ("&quot;No le soporto&quot;", '"No le soporto"'),
    ("A &#163;5 note", "A £5 note"),
    ("Two&nbsp;words \n  and\tmore", "Two words and more"),
    ("Twice escaped: doesn&amp;#8217;t", "Twice escaped: doesn’t"),
    ("Mes\u00adsen\u00adger\u00addiens\u00adte", "Messengerdienste"),
    ("AT&T results", "AT&T results"),
    ("   ", None),
])
def test_metadata_values_are_plain_text(raw: str, expected: str | None) -> None:
    assert plain(raw) == expected


@pytest.mark.parametrize("title, others, sitename, url, expected", [
    ("Derby ends in a draw | Sport", ["Derby ends in a draw"], "The Paper", "https://paper.example/a", "Derby ends in a draw"),
    ("Zinsen steigen | Börsen-Zeitung", [], "Börsen-Zeitung", "https://www.boersen-zeitung.de/a", "Zinsen steigen"),
    ("Flut in Italien | DW | 28.04.2023", [], "Deutsche Welle", "https://www.dw.com/de/a", "Flut in Italien"),
    ("Neuer Landtag - Die Neue Südtiroler Tageszeitung", [], "Die Neue Südtiroler Tageszeitung",
     "https://www.tageszeitung.it/a", "Neuer Landtag"),
    ("Sport | Derby ends in a draw", ["Derby ends in a draw"], None, "https://paper.example/a", "Derby ends in a draw"),
    ("Historischer Markt › Wehranlage in Horka", ["Wehranlage in Horka"], None, "https://horka.example/a", "Wehranlage in Horka"),
    ("Kyiv - Kharkiv - Odesa: the road", [], "Kyiv Herald", "https://kyivherald.example/a", "Kyiv - Kharkiv - Odesa: the road"),
])
def test_site_section_and_date_affixes_leave_titles(title: str, others: list[str], sitename: str | None, url: str,
                                                    expected: str) -> None:
    assert strip_affixes(title, sitename, url, others) == expected


def test_the_visible_h1_wins_when_a_structured_title_extends_it() -> None:
    seo = "Iranischer Angriff auf Israel: «Die israelische Armee ist vorbereitet»"
    assert headline([seo, seo], ["«Die israelische Armee ist vorbereitet»"], "NZZ", "https://www.nzz.ch/a") == \
        "«Die israelische Armee ist vorbereitet»"
    # an <h1> that no structured title contains (a section name, a logo) does not
    assert headline(["Council approves the budget"], ["Local politics"], None, "https://a.example/x") == \
        "Council approves the budget"
    # a structured title that only names the site gives way to the <h1>
    assert headline(["Bundespolizei"], ["Illegale Migration über Polen"], "Bundespolizei", "https://www.bundespolizei.de/a") == \
        "Illegale Migration über Polen"


def test_hidden_h1s_are_not_seen() -> None:
    tree = lxml_html.fromstring("<html><body><h1 class='sr-only'>Site</h1><div style='display: none'><h1>Old</h1></div>"
                                "<h1>  The real\nheadline </h1></body></html>")
    assert visible_h1s(tree) == ["The real headline"]


def test_pages_get_the_headline_without_entities_or_site_name() -> None:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle",
          "headline": "Why the budget doesn&#8217;t add up | Town Crier", "description": "Sums&nbsp;that fail"}
    html = (f"<html><head><title>Why the budget doesn’t add up | Town Crier</title>"
            f"<meta property='og:site_name' content='Town Crier'>"
            f"<script type='application/ld+json'>{json.dumps(ld)}</script></head>"
            f"<body><header><h1>Town Crier</h1></header><article><h1>Why the budget doesn’t add up</h1>{BODY}</article></body></html>")
    article = extract_article(html, "https://towncrier.example/budget")
    assert article.title == "Why the budget doesn’t add up"
    assert article.description == "Sums that fail"


@pytest.mark.parametrize("name, expected", [
    # the structured titles carry a section ("Listenseite für Pressemitteilungen 2022 - "); the <h1> soft hyphens
    ("bka.de-messengerdienste.html", "Messengerdienste sind kein rechtsfreier Raum"),
    ("dw.com-elephants.html", "La perte des terres fertiles et les éléphants en Guinée-Conakry"),  # " | DW | 23.05.2011"
    ("lokalo.de-Weinbergsbahnen.html",  # "&#8211;" in the JSON-LD headline
     "Weinbergsbahnen in Erden nicht manipuliert – Ermittlungen zu Trittenheimer Fall gehen weiter"),
    ("wirtschaftspsychologie-aktuell.de.starken.html",  # SEO prefix "Stärkenorientierte Führung: "
     "Warum Sie die Stärken Ihrer Mitarbeitenden stärken sollten"),
    ("handball.ch-bruderduell.html",  # " - Handball Schweiz"
     "Cup-Vorschau: Beim BSV Stans freut man sich auf ein Bruderduell und viele Fans"),
])
def test_corpus_pages_get_the_headline_people_see(name: str, expected: str) -> None:
    annotations = json.loads((CORPUS / "annotations.json").read_text())
    html = html_to_unicode(None, (CORPUS / "html" / name).read_bytes())[1]
    assert extract_article(html, annotations[name]["url"], vote=False).title == expected

