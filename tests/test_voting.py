"""Extractor voting: short lines no other extractor finds leave the text; long agreed paragraphs join it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import html as lxml_html
from w3lib.encoding import html_to_unicode

from archiver.extract import extract_article
from archiver.extract.voting import RULE, Rule, element_lines, vote, voted_text

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-pages"
STORY = ("The council met on Tuesday and voted on next year's budget after a long debate about the new "
         "swimming pool, the roads and the library that the town has wanted for years.")
MISSED = ("A late amendment moved money from the car parks to the library, which the mayor called a fair "
          "compromise and the opposition called a trick played at midnight on a tired council.")


def test_short_lines_no_voter_finds_leave_and_long_lines_stay() -> None:
    text = f"Budget approved\n{STORY}\nShare this article\nRelated stories"
    voters = {"justext": [STORY], "resiliparse": ["Budget approved", STORY]}
    assert vote(text, voters) == f"Budget approved\n{STORY}"
    # a long line stays even when no voter has it: the vote only reaches short lines
    assert vote(f"{STORY}\n{MISSED}", {"justext": [STORY], "resiliparse": [STORY]}, Rule(add_from=None)) == f"{STORY}\n{MISSED}"


def test_voters_that_found_nothing_abstain() -> None:
    text = f"Budget approved\n{STORY}"
    assert vote(text, {"justext": [], "resiliparse": [], "readability": []}) == text


def test_long_paragraphs_the_others_agree_on_join_in_their_place() -> None:
    voters = {"justext": ["Budget approved", STORY, MISSED, "Cookie settings and privacy"],
              "resiliparse": [STORY, MISSED, "The vote was 7 to 2."], "readability": [f"{STORY} {MISSED}"]}
    assert vote(f"Budget approved\n{STORY}\nThe vote was 7 to 2.", voters).splitlines() == \
        ["Budget approved", STORY, MISSED, "The vote was 7 to 2."]
    # one confirming voter is not enough for RULE
    del voters["readability"]
    assert MISSED not in vote(f"Budget approved\n{STORY}", voters)


def test_lines_match_as_words_whatever_the_extractor_did_to_spacing_and_soft_hyphens() -> None:
    voters = {"justext": ["Mes\u00adsen\u00adger\u00addiens\u00adte sind kein Raum"], "resiliparse": []}
    assert vote("Messengerdienste sind kein Raum!", voters, Rule(add_from=None)) == "Messengerdienste sind kein Raum!"


def test_element_lines_gives_a_line_per_block() -> None:
    tree = lxml_html.fromstring("<div><h2>Head</h2><p>One <b>bold</b> line</p><ul><li>a</li><li>b</li></ul></div>")
    assert element_lines(tree) == ["Head", "One bold line", "a", "b"]


def test_the_real_voters_drop_a_share_bar_and_keep_the_story() -> None:
    body = "".join(f"<p>{STORY} Paragraph {i}.</p>" for i in range(6))
    html = (f"<html><head><title>Budget</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
            f"<article><h1>Council approves the budget</h1>{body}<ul class='social'><li><a href='#'>Share on Facebook</a></li></ul></article>"
            f"<footer>Contact us</footer></body></html>")
    tree = lxml_html.fromstring(html)
    text = "\n".join([f"{STORY} Paragraph {i}." for i in range(6)] + ["Share on Facebook"])
    voted = voted_text(tree, "https://towncrier.example/budget", text, "en")
    assert voted.splitlines() == [f"{STORY} Paragraph {i}." for i in range(6)]
    assert set(RULE.voters) == {"justext", "resiliparse", "readability"}


@pytest.mark.parametrize("name", ["baumev.de.Transformationslabor.html", "aoc.media.archaisme.html"])
def test_on_corpus_pages_the_vote_drops_chrome_and_keeps_the_content(name: str) -> None:
    annotations = json.loads((CORPUS / "annotations.json").read_text())
    html = html_to_unicode(None, (CORPUS / "html" / name).read_bytes())[1]
    url = annotations[name]["url"]
    plain, voted = extract_article(html, url, vote=False).text, extract_article(html, url, vote=True).text
    fold = lambda s: " ".join(s.split())  # noqa: E731
    for segment in annotations[name]["with"]:
        assert fold(segment) in fold(voted)
    dropped = [s for s in annotations[name]["without"] if fold(s) in fold(plain) and fold(s) not in fold(voted)]
    assert dropped


def test_the_article_records_the_vote_it_went_through() -> None:
    html = f"<html><body><article><h1>Budget</h1>{''.join(f'<p>{STORY}</p>' for _ in range(4))}</article></body></html>"
    assert extract_article(html, "https://a.example/x").extractor["vote"]["drop_voters"] == ("justext", "resiliparse")
    assert extract_article(html, "https://a.example/x", vote=False).extractor["vote"] is False


@pytest.mark.crawl
@pytest.mark.parametrize("setting, recorded", [("1", "justext"), ("0", None)])
def test_a_crawl_records_whether_its_articles_went_through_the_vote(tmp_path: Path, chrome_site, setting: str,
                                                                     recorded: str | None) -> None:
    from conftest import run_crawl

    crawl = run_crawl(tmp_path, "article", {"url": chrome_site.urls()[0]}, {"ARCHIVER_VOTE": setting})
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    vote_record = json.loads(next(crawl.db.query("select extractor from articles"))["extractor"])["vote"]
    assert (vote_record["drop_voters"][0] if vote_record else None) == recorded


@pytest.mark.crawl
def test_reextract_votes_or_not_as_asked(tmp_path: Path, chrome_site) -> None:
    from conftest import reextract, run_crawl

    crawl = run_crawl(tmp_path, "article", {"url": chrome_site.urls()[0]})
    assert crawl.returncode == 0, crawl.stderr[-2000:]

    def vote_record() -> object:
        return json.loads(next(crawl.db.query("select extractor from articles"))["extractor"])["vote"]

    assert reextract(crawl, "--no-vote").startswith("1 re-extracted") and vote_record() is False
    assert reextract(crawl, "--vote").startswith("1 re-extracted") and vote_record()["drop_voters"][0] == "justext"



def test_the_vote_reads_readability_from_trafilaturas_own_pass() -> None:
    """trafilatura runs readability as its fallback; the vote takes those lines instead of running it again."""
    from archiver.extract import Page
    from archiver.extract.trafilatura_backend import FullTrafilaturaExtractor
    from archiver.extract.voting import readability_lines

    html = (f"<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article><h1>Budget</h1>"
            f"{''.join(f'<p>{STORY} Paragraph {i}.</p>' for i in range(5))}<p>Share on Facebook</p></article></body></html>")
    found = FullTrafilaturaExtractor().main_text(Page(html, "https://a.example/x", lambda: lxml_html.fromstring(html)))
    assert found is not None and found.ballots["readability"] == readability_lines(lxml_html.fromstring(html))
    # a corpus page whose vote asks readability: its lines come without running readability again (the
    # default extractor's fast pass runs no fallbacks: there the vote runs readability itself)
    html = html_to_unicode(None, (CORPUS / "html" / "aoc.media.archaisme.html").read_bytes())[1]
    full = "archiver.extract.trafilatura_backend.FullTrafilaturaExtractor"
    article = extract_article(html, "https://aoc.media/archaisme", extractor=full)
    assert "vote/justext" in article.cpu and "vote/readability" not in article.cpu
    assert "vote/readability" in extract_article(html, "https://aoc.media/archaisme").cpu
