"""Words in every script: a Shift_JIS article is not "too short", and CJK and Thai texts count sensibly.

One real `scrapy crawl` of a Japanese article served in Shift_JIS with its
charset only in a <meta> tag; the word count itself is unit-tested.
"""

from __future__ import annotations

import pytest

from conftest import Crawl, run_crawl
from loopback import LoopbackSite, Reply
from archiver.text.similarity import words as story_words
from archiver.text.words import LETTERS_PER_WORD, count, tokens, units, units_words

JA_PATH = "/kokunai/2026/11/bosai-keikaku"
JA_TITLE = "東京都、新しい防災計画を発表"
JA_PARAGRAPHS = [
    "東京都は二十八日、首都直下地震に備えた新しい防災計画を発表した。計画では、避難所の数を今後五年間で二割増やし、"
    "高齢者や障害のある人が優先して利用できる福祉避難所も拡充する。",
    "都の担当者によると、新しい計画は昨年の被害想定の見直しを受けたもので、木造住宅が密集する地域での火災対策を"
    "重点的に進めるという。消防団の装備も更新し、夜間の訓練を増やす方針だ。",
    "また、帰宅困難者への対応として、駅周辺の企業と協定を結び、一時滞在施設を確保する。飲料水や食料の備蓄も見直し、"
    "三日分から七日分に増やすことを目指す。",
    "専門家は計画を評価しつつも、住民一人ひとりが日頃から備えることが重要だと指摘している。都は来月から区市町村と"
    "協力して説明会を開き、住民の意見を計画に反映させる予定だ。",
]


class ShiftJisSite(LoopbackSite):
    """One Japanese article in Shift_JIS; the header names no charset, the page's <meta> does."""

    def route(self, path: str) -> Reply:
        if path != JA_PATH:
            return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"not here")
        paragraphs = "\n".join(f"<p>{p}</p>" for p in JA_PARAGRAPHS)
        markup = (
            '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">\n'
            f'<title>{JA_TITLE}</title>\n<meta property="og:type" content="article">\n</head>\n'
            f"<body>\n<article><h1>{JA_TITLE}</h1>\n{paragraphs}\n</article>\n</body>\n</html>\n"
        )
        return Reply(200, "OK", [(b"Content-Type", b"text/html")], markup.encode("shift_jis"))


@pytest.fixture(scope="module")
def japanese(tmp_path_factory: pytest.TempPathFactory) -> tuple[Crawl, ShiftJisSite]:
    site = ShiftJisSite().start()
    try:
        crawl = run_crawl(tmp_path_factory.mktemp("japanese"), "article", {"url": site.url(JA_PATH)})
    finally:
        site.stop()
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    return crawl, site


@pytest.mark.crawl
def test_a_shift_jis_article_is_decoded_counted_and_not_too_short(japanese: tuple[Crawl, ShiftJisSite]) -> None:
    crawl, site = japanese
    (row,) = crawl.db.query("select * from articles")
    assert row["title"] == JA_TITLE
    assert all(paragraph in row["text"] for paragraph in JA_PARAGRAPHS)
    characters = sum(len(p) for p in JA_PARAGRAPHS)
    # each ideograph or kana counts, punctuation does not: a few hundred words, not 1
    assert characters * 0.85 < row["word_count"] <= characters + len(JA_TITLE)
    assert row["flag_too_short"] == 0
    # story terms are character bigrams of the text, not whole sentences
    terms = {r["term"] for r in crawl.db.query("select term from story_terms")}
    assert terms and terms <= {t for t in story_words(row["text"])} and all(len(t) == 2 for t in terms)


def test_words_are_counted_in_every_script() -> None:
    english = "The council approved the budget on Tuesday, 18,000 votes to 2 — a U.S. first."
    assert count(english) == len(english.split())  # texts with spaces count as they always did
    assert count("東京都は今日、防災計画を発表した。") == 15  # 15 kanji and kana; the commas and stops are not words
    assert count("国务院今天发布了新的规定") == 12  # Chinese: each character
    assert count("iPhone15の発売日") == 5  # a Latin word inside a Japanese run, and four characters
    assert count("สวัสดีครับ ผมชอบกินข้าว") == 2 + 3  # Thai: letters (vowel and tone marks aside) per LETTERS_PER_WORD
    assert LETTERS_PER_WORD == 4
    assert count("이것은 한국어 문장입니다") == 3  # Korean is written with spaces
    assert count("") == 0


def test_diff_units_cut_spaceless_runs_and_count_as_words_do() -> None:
    assert units("The council, on Tuesday") == ["The", "council,", "on", "Tuesday"]  # spaced text: its tokens
    assert units("iPhone15の発売日。") == ["iPhone15", "の", "発", "売", "日"]
    assert units("ข้าว") == ["ข้", "า", "ว"]  # a Thai letter keeps its vowel and tone marks
    for text in ("東京都は今日、防災計画を発表した。", "iPhone15の発売日", "ผมชอบกินข้าว", "The council voted.", "\u0e31\u0e48abc กขค"):
        assert units_words(units(text)) == count(text)


def test_story_tokens_keep_words_whole_and_cut_cjk_into_bigrams() -> None:
    assert tokens("東京都は今日") == ["東京", "京都", "都は", "は今", "今日"]
    assert tokens("hello 東") == ["hello", "東"]
    assert tokens("हिन्दी समाचार") == ["हिन्दी", "समाचार"]  # vowel signs stay inside their word
    assert tokens("ผมชอบกินข้าว") == ["ผมชอบกินข้าว"]
    assert story_words("The Council, the COUNCIL") == ["the", "council", "the", "council"]
    # a mark beyond the BMP (Brahmi's vowel sign I) joins its word too, in a text that has one
    assert tokens("𑀓𑀺𑀢 and") == ["𑀓𑀺𑀢", "and"]
    assert tokens("नमस्ते 𑀓𑀺𑀢") == ["नमस्ते", "𑀓𑀺𑀢"]
