"""What the archive's pages make of any stored value: dates, descriptions, headlines, site names, diffs, charts."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import lxml.etree
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.web import charts, diffview, formats

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)
WORDY = st.lists(st.sampled_from(["the", "council", "bridge", "voted", "a", "loan", " ", "—", "…", "...", "x" * 40]),
                 max_size=120).map(" ".join)
LINES = st.lists(st.sampled_from(["one", "two", "three", "four", "the same line", "Updated 10:32", "<b>&"]), max_size=40)


@given(st.one_of(TEXT, WORDY), st.integers(min_value=1, max_value=300))
def test_a_description_is_whole_words_of_the_original_within_the_limit(description: str, limit: int) -> None:
    shown = formats.short_description(description, limit)
    normal = " ".join(description.split())
    if shown is None:
        return
    assert len(shown) <= limit + 1
    if not shown.endswith("…") or normal.endswith("…") and shown == normal:
        assert shown == normal
        return
    kept = shown[:-1]
    assert normal.startswith(kept) and kept
    rest = normal[len(kept):]
    # cut at a word: what follows is a space or what a cut leaves dangling, unless one word is longer than the limit
    assert not rest or rest[0] in formats._TRAILING or " " not in normal[: limit + 1]


@given(TEXT)
def test_any_stored_date_gives_a_readable_one_or_itself(value: str) -> None:
    shown = formats.readable_date(value)
    assert isinstance(shown, str)
    tag = str(formats.time_tag(value))
    assert tag == "" if not value else tag.startswith("<time datetime=")


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                    timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=5, minutes=30)),
                                               timezone(timedelta(hours=-8))])))
def test_a_date_time_reads_as_its_utc_minute(moment: datetime) -> None:
    shown = formats.readable_date(moment.isoformat())
    utc = moment.astimezone(timezone.utc)
    assert shown == f"{utc.day} {utc:%b %Y}, {utc:%H:%M} UTC"


@given(TEXT.filter(lambda t: len(t.splitlines()) <= 1), st.lists(TEXT, max_size=5))
def test_the_headline_is_dropped_from_the_text_only_as_its_first_line(title: str, lines: list[str]) -> None:
    text = "\n".join([f"  {title.upper()}  ", *lines])
    paragraphs = formats.paragraphs_under(title, text)
    kept = [line for line in text.splitlines() if line.strip()]
    if title.strip() and formats.folded(title.upper()) == formats.folded(title):
        assert paragraphs == kept[1:]
    else:
        assert paragraphs in (kept, kept[1:])
    assert all(line.strip() for line in paragraphs)


@given(st.one_of(st.none(), TEXT), TEXT, st.sampled_from(["example.org", "127.0.0.1", ""]))
def test_the_site_name_is_never_the_headline(sitename: str | None, title: str, host: str) -> None:
    name = formats.site_name(sitename, title, host)
    if formats.folded(name) and formats.folded(name) == formats.folded(title):
        assert name == host
    assert name == host or len(name.split()) <= formats.SITENAME_MAX_WORDS


def _plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


@given(LINES, LINES)
def test_a_comparison_shows_every_paragraph_of_both_versions_in_order(old: list[str], new: list[str]) -> None:
    comparison = diffview.compare("\n".join(old), "\n".join(new))
    for side, lines in (("old", old), ("new", new)):
        shown: list[str | None] = []
        for row in comparison.rows:
            if row.kind == "folded":
                shown += [None] * row.count  # folded rows are unchanged on both sides
            elif getattr(row, side):
                shown.append(_plain(getattr(row, side)))
        assert len(shown) == len(lines)
        assert all(s is None or s == line for s, line in zip(shown, lines))


def test_a_huge_repetitive_pair_of_versions_is_compared_within_bounds() -> None:
    old = "\n".join(["the same line"] * 5000 + ["x " * 5000])
    new = "\n".join(["the same line"] * 4999 + ["y " * 5000])
    comparison = diffview.compare(old, new)
    assert comparison.shortened
    assert sum(len(str(r.old)) + len(str(r.new)) for r in comparison.rows) < 10 * len(old)


@settings(max_examples=50)
@given(st.lists(st.lists(st.integers(min_value=0, max_value=10**6), min_size=3, max_size=3), max_size=40), TEXT)
def test_a_bar_chart_is_well_formed_svg_with_a_bar_per_value(values: list[list[int]], label: str) -> None:
    series = [charts.Series(label or "s", [v[k] for v in values], charts.PALETTE[k]) for k in range(3)]
    for stacked in (True, False):
        svg = lxml.etree.fromstring(str(charts.bar_chart(label, label, [str(i) for i in range(len(values))], series,
                                                          stacked=stacked)))
        rects = svg.findall("{http://www.w3.org/2000/svg}rect")
        assert len(rects) == sum(1 for v in values for x in v if x)
        assert all(float(r.get("height")) >= 0 and float(r.get("y")) >= 0 for r in rects)


@settings(max_examples=50)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "<c>"]), st.datetimes(),
                          st.booleans()), min_size=1, max_size=30))
def test_a_time_line_keeps_every_point_inside_the_chart(points: list) -> None:
    svg = lxml.etree.fromstring(str(charts.timeline("t", "d", [
        charts.Point(lane, when, f"{lane} {when}", f"/x/{n}", copy) for n, (lane, when, copy) in enumerate(points)])))
    circles = svg.findall(".//{http://www.w3.org/2000/svg}circle")
    assert len(circles) == len(points)
    assert all(0 <= float(c.get("cx")) <= charts.WIDTH for c in circles)


def test_many_changed_long_paragraphs_are_marked_within_the_pages_budget() -> None:
    words = [f"w{n}" for n in range(240)]  # 479 tokens a paragraph, words and spaces
    old = "\n".join(" ".join(words[k:] + words[:k]) for k in range(1000))
    new = "\n".join(" ".join(reversed(words[k:] + words[:k])) for k in range(1000))
    rows = diffview.compare(old, new).rows
    assert len(rows) == 1000 and all(row.kind == "changed" for row in rows)
    whole = [row for row in rows if str(row.old).startswith("<del>") and str(row.old).endswith("</del>")
             and str(row.old).count("<del>") == 1]
    compared = len(rows) - len(whole)
    assert 0 < compared * 479 * 479 <= diffview.MAX_PAGE_WORD_PAIRS + 479 * 479  # word by word while the budget lasts
