"""The background IDF's compact word table gives back every word's share, and nothing for other words."""

from __future__ import annotations

import pytest

from archiver.text.similarity import WORDFREQ_CODES, background
from archiver.text.wordshares import WordShares, frequency_buckets


def test_a_table_gives_back_what_it_holds_and_nothing_else() -> None:
    shares = {f"word{i}": i / 1000 for i in range(5000)}
    table = WordShares(shares)
    assert len(table) == 5000
    asked = ["word0", "word4999", "word1234", "absent", "", "wörd"]
    assert table.lookup(asked) == {"word0": 0.0, "word4999": 4.999, "word1234": 1.234}
    assert WordShares({}).lookup(["word0"]) == {} and table.lookup([]) == {}


def test_the_background_knows_common_words_of_each_language() -> None:
    english, german = background("English").lookup(["the", "president", "zzqxj"]), background("German").lookup(["und"])
    assert set(english) == {"the", "president"} and english["the"] > 0.99 > english["president"] > 0.05
    assert german["und"] > 0.99


@pytest.mark.parametrize("code", sorted(WORDFREQ_CODES.values()))
def test_word_lists_read_from_wordfreq_files_are_wordfreqs_own(code: str) -> None:
    import wordfreq

    assert frequency_buckets(code) == wordfreq.get_frequency_list(code, wordlist="small")
