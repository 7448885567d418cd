"""trafilatura's fast pass first, its fallbacks (readability, jusText) only on pages where it finds little."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from lxml import html as lxml_html
from w3lib.encoding import html_to_unicode

from archiver.text.words import count as count_words
from archiver.extract import Page, extract_article
from archiver.extract.trafilatura_backend import (FastTrafilaturaExtractor, FullTrafilaturaExtractor,
                                                  TrafilaturaExtractor)
from conftest import run_crawl

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-pages"
BACKEND = "archiver.extract.trafilatura_backend"
WORDS = ("harbour quay council budget ferry market lighthouse winter repairs fishermen berth catch town hall road "
         "school library pool debate vote year morning evening storm tide boat crew").split()


def _page(rng: random.Random) -> str:
    """A generated page: chrome around an article of a random number of paragraphs of random length."""
    paragraphs = ["<p>" + " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 60))).capitalize() + ".</p>"
                  for _ in range(rng.randint(0, 8))]
    chrome = "".join(f"<li><a href='/{w}'>{w}</a></li>" for w in rng.sample(WORDS, rng.randint(0, 8)))
    return (f"<html><body><nav><ul>{chrome}</ul></nav><article><h1>{rng.choice(WORDS).title()}</h1>"
            f"{''.join(paragraphs)}</article><footer>Imprint · Privacy</footer></body></html>")


def _text(extractor: object, html: str) -> str | None:
    found = extractor.main_text(Page(html, "https://harbour.example/a", lambda: lxml_html.fromstring(html)))
    return found.text if found else None


@pytest.mark.parametrize("seed", range(40))
def test_the_default_is_the_fast_pass_unless_it_finds_under_100_words_then_the_full_one(seed: int) -> None:
    html = _page(random.Random(seed))
    fast, full, default = _text(FastTrafilaturaExtractor(), html), _text(FullTrafilaturaExtractor(), html), \
        _text(TrafilaturaExtractor(), html)
    # the cascade's first pass skips the recall pass (the full pass that follows has its own)
    first = TrafilaturaExtractor()._pass(lxml_html.fromstring(html), "https://harbour.example/a", True, recall=False)[0]
    expected = full if count_words((first and first.text) or "") < TrafilaturaExtractor.full_below_words else fast
    assert default == expected


def test_a_long_article_spares_the_fallbacks_a_short_one_gets_them() -> None:
    story = "The council met on Tuesday and voted on next year's budget after a long debate about the harbour."
    page = lambda n: f"<html><body><article><h1>Budget</h1>{''.join(f'<p>{story} ({i})</p>' for i in range(n))}</article></body></html>"  # noqa: E731
    for paragraphs, fallbacks_ran in ((12, False), (3, True)):
        html = page(paragraphs)
        found = TrafilaturaExtractor().main_text(Page(html, "https://a.example/x", lambda: lxml_html.fromstring(html)))
        assert found is not None and story in found.text
        assert ("readability" in found.ballots) is fallbacks_ran  # readability runs only inside the fallbacks' pass
    full = FullTrafilaturaExtractor().main_text(Page(html, "https://a.example/x", lambda: lxml_html.fromstring(html)))
    assert "readability" in full.ballots


def test_on_a_corpus_page_the_fast_pass_misses_the_fallbacks_find_the_article() -> None:
    name = "smava.de.privatkredit.html"  # the fast pass finds 54 words and 1 of 6 content segments, the fallbacks 756
    annotations = json.loads((CORPUS / "annotations.json").read_text())[name]
    html = html_to_unicode(None, (CORPUS / "html" / name).read_bytes())[1]
    texts = {kind: extract_article(html, annotations["url"], extractor=f"{BACKEND}.{kind}TrafilaturaExtractor",
                                   vote=False).text for kind in ("", "Full", "Fast")}
    assert texts[""] == texts["Full"]
    found = {kind: sum(" ".join(s.split()) in " ".join(text.split()) for s in annotations["with"])
             for kind, text in texts.items()}
    assert found[""] == len(annotations["with"]) > found["Fast"]


@pytest.mark.crawl
def test_a_crawl_runs_and_records_the_extractor_it_is_told(tmp_path: Path, news_site) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": news_site.article_urls()["herald"]},
                      {"ARCHIVER_EXTRACTOR": f"{BACKEND}.FullTrafilaturaExtractor"})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    recorded = json.loads(next(crawl.db.query("select extractor from articles"))["extractor"])
    assert recorded["options"]["fast"] is False and recorded["options"]["full_below_words"] == 0
    assert recorded["vote"] is False  # the vote is off unless ARCHIVER_VOTE=1
