"""Scheduled re-checks: next_check_at, conditional GET, revisit records, versions with diffs."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from changingsite import PARAGRAPHS, ChangingSite
from conftest import Crawl, run_crawl

from archiver.values.schedule import RecheckSchedule
from archiver.storage import reading
from archiver.text.versions import compare, fingerprint
from archiver.formats.warc import read_response

NEW_PARAGRAPH = ("Engineers told the council the work would take two years and cost about fifty million euros, "
                 "most of it paid by the regional government.")


def rows(crawl: Crawl, sql: str, params: list | None = None) -> list[dict]:
    return list(crawl.db.query(sql, params or []))


def warc_records(crawl: Crawl) -> list:
    records = []
    for path in sorted(crawl.warc_dir.glob("*.warc.gz")):
        with open(path, "rb") as f:
            for record in ArchiveIterator(f):
                records.append((record.rec_type, dict(record.rec_headers.headers), record.content_stream().read()))
    return records


@pytest.fixture(scope="module")
def rechecked(tmp_path_factory: pytest.TempPathFactory):
    """Four crawls of one changing site into one archive, with what each did."""
    site = ChangingSite().start()
    tmp = tmp_path_factory.mktemp("rechecks")
    urls = ",".join(site.article_urls())
    runs: dict[str, Crawl] = {}

    def crawl(name: str, **args: str) -> Crawl:
        before = len(site.server.received)
        done = run_crawl(tmp, "article", {"url": urls, **args})
        assert done.returncode == 0, done.stderr[-3000:]
        done.sent = site.server.received[before:]  # what the site was asked, and with which headers
        runs[name] = done
        return done

    crawl("first")
    crawl("too soon")
    # time passes for two articles: their re-check is now due
    with sqlite3.connect(tmp / "archive.db") as conn:
        conn.execute("UPDATE articles SET next_check_at = '2000-01-01T00:00:00.000Z' WHERE url IN (?, ?)",
                     [site.url("/validated/0"), site.url("/plain/0")])
    crawl("due")
    site.articles["/plain/1"].body[1] = NEW_PARAGRAPH
    site.articles["/validated/1"].body[1] = NEW_PARAGRAPH
    site.articles["/plain/2"].updated = "Updated 17:05"
    crawl("forced", recrawl="1")
    yield site, runs
    site.stop()


@pytest.mark.crawl
def test_a_crawl_before_the_next_check_fetches_nothing(rechecked) -> None:
    site, runs = rechecked
    crawl = rows(runs["first"], "select * from crawls order by id")[0]
    assert crawl["new"] == 6
    too_soon = rows(runs["too soon"], "select * from crawls order by id")[1]
    assert too_soon["skipped_archived"] == 6 and too_soon["new"] == 0
    assert [path for path, _ in runs["too soon"].sent if path != "/robots.txt"] == []


@pytest.mark.crawl
def test_the_first_crawl_schedules_an_hourly_check_for_a_new_article(rechecked) -> None:
    site, runs = rechecked
    row = rows(runs["forced"], "select * from articles where url = ?", [site.url("/validated/2")])[0]
    checked = datetime.fromisoformat(row["last_checked_at"].replace("Z", "+00:00"))
    assert datetime.fromisoformat(row["next_check_at"].replace("Z", "+00:00")) - checked == timedelta(hours=1)


@pytest.mark.crawl
def test_a_due_recheck_is_a_conditional_get(rechecked) -> None:
    site, runs = rechecked
    asked = dict(runs["due"].sent)
    assert set(asked) - {"/robots.txt"} == {"/validated/0", "/plain/0"}
    validated, plain = asked["/validated/0"], asked["/plain/0"]
    assert validated["If-None-Match"].startswith('"') and validated["If-Modified-Since"] == "Fri, 20 Nov 2026 10:00:00 GMT"
    assert "If-None-Match" not in plain and "If-Modified-Since" not in plain


@pytest.mark.crawl
def test_unchanged_pages_become_revisit_records_and_no_new_version(rechecked) -> None:
    site, runs = rechecked
    crawl = runs["due"]
    captures = {r["url"]: r for r in rows(crawl, "select * from captures where crawl_id = 3")}
    not_modified, identical = captures[site.url("/validated/0")], captures[site.url("/plain/0")]
    assert (not_modified["status"], not_modified["revisit"]) == (304, "not-modified")
    assert (identical["status"], identical["revisit"]) == (200, "identical-payload")
    originals = {r["url"]: r for r in rows(crawl, "select * from captures where crawl_id = 1")}
    assert not_modified["revisit_of"] == originals[site.url("/validated/0")]["id"]
    assert identical["revisit_of"] == originals[site.url("/plain/0")]["id"]
    for url in (site.url("/validated/0"), site.url("/plain/0")):  # unchanged in all four crawls
        assert [v["number"] for v in rows(crawl, "select number from versions where url = ?", [url])] == [1]
        article = rows(crawl, "select * from articles where url = ?", [url])[0]
        assert article["checks"] == 3 and article["capture_id"] == originals[url]["id"]
    records = list(warc_records(crawl))
    revisits = {h["WARC-Record-ID"]: (h, body) for kind, h, body in records if kind == "revisit"}
    dates = {h["WARC-Record-ID"]: h["WARC-Date"] for kind, h, _ in records if kind == "response"}
    for url, capture, profile in ((site.url("/validated/0"), not_modified, "server-not-modified"),
                                  (site.url("/plain/0"), identical, "identical-payload-digest")):
        headers, body = revisits[capture["warc_record_id"]]
        original = originals[url]
        assert headers["WARC-Target-URI"] == url
        assert headers["WARC-Profile"].endswith("/revisit/" + profile)
        assert headers["WARC-Refers-To"] == original["warc_record_id"]
        assert headers["WARC-Refers-To-Target-URI"] == url
        assert headers["WARC-Refers-To-Date"] == dates[original["warc_record_id"]]  # exactly, to the microsecond
        assert headers["WARC-Payload-Digest"] == original["payload_digest"]
        assert body == b""  # no payload: the bytes stay in the record it refers to


@pytest.mark.crawl
def test_a_revisit_still_replays_the_bytes_it_refers_to(rechecked) -> None:
    site, runs = rechecked
    crawl = runs["due"]
    revisit = rows(crawl, "select id from captures where url = ? and revisit is not null", [site.url("/plain/0")])[0]
    with sqlite3.connect(crawl.db_path) as conn:
        resolved = reading.capture(conn, revisit["id"])
    body = read_response(crawl.warc_dir / resolved["warc_filename"], resolved["warc_offset"], resolved["warc_length"]).body
    assert PARAGRAPHS[0].encode() in body and resolved["status"] == 200


@pytest.mark.crawl
def test_a_changed_paragraph_makes_a_new_version_with_its_diff(rechecked) -> None:
    site, runs = rechecked
    crawl = runs["forced"]
    for path in ("/plain/1", "/validated/1"):
        url = site.url(path)
        versions = rows(crawl, "select * from versions where url = ? order by number", [url])
        assert [v["number"] for v in versions] == [1, 2]
        old, new = versions
        assert PARAGRAPHS[1] in old["text"] and NEW_PARAGRAPH in new["text"] and PARAGRAPHS[1] not in new["text"]
        assert f"-{PARAGRAPHS[1]}" in new["diff"].splitlines() and f"+{NEW_PARAGRAPH}" in new["diff"].splitlines()
        change = compare(None, PARAGRAPHS[1], None, NEW_PARAGRAPH)
        assert (new["words_added"], new["words_removed"]) == (change.words_added, change.words_removed) != (0, 0)
        article = rows(crawl, "select * from articles where url = ?", [url])[0]
        assert article["version_id"] == new["id"] and NEW_PARAGRAPH in article["text"]
        assert article["last_changed_at"] == article["last_checked_at"]
        capture = rows(crawl, "select * from captures where id = ?", [article["capture_id"]])[0]
        assert capture["status"] == 200 and capture["revisit"] is None and capture["crawl_id"] == 4


@pytest.mark.crawl
def test_a_cosmetic_change_is_noted_not_stored(rechecked) -> None:
    site, runs = rechecked
    crawl = runs["forced"]
    url = site.url("/plain/2")
    versions = rows(crawl, "select * from versions where url = ?", [url])
    assert len(versions) == 1 and versions[0]["cosmetic_changes"] == 1
    assert "Updated 17:05" in rows(crawl, "select text from articles where url = ?", [url])[0]["text"]
    unchanged = rows(crawl, "select * from versions where url = ?", [site.url("/plain/0")])[0]
    assert unchanged["cosmetic_changes"] == 0


def test_versions_ignore_spacing_case_and_date_lines() -> None:
    text = "Updated 10:32\nThe council voted on Tuesday.\nIt will cost forty million."
    assert fingerprint("Bridge", text) == fingerprint("bridge ", "Updated 17:05 BST\nThe council  voted on Tuesday.\n\nit will cost forty million.")
    assert fingerprint("Bridge", text) != fingerprint("Bridge", text.replace("forty", "fifty"))
    change = compare("Bridge", text, "Bridge", text.replace("forty", "fifty"))
    assert (change.words_added, change.words_removed) == (1, 1)


def test_words_added_and_removed_count_words_in_every_script() -> None:
    before = "东京都今天发布了新的防灾计划。"
    after = before + "计划将在五年内增加避难所。"  # a sentence of 12 characters added to a paragraph
    change = compare("防灾计划", before, "防灾计划", after)
    assert (change.words_added, change.words_removed) == (12, 0)  # not one whitespace token for another
    assert (compare(None, after, None, after.replace("五年", "十年")).words_added) == 1
    thai = "ผมชอบกินข้าว"  # 10 letters: 3 words at LETTERS_PER_WORD
    assert compare(None, thai, None, thai + "มากครับ").words_added == 2  # 6 letters more
    assert compare(None, thai, None, "").words_removed == 3


def test_a_huge_repetitive_text_is_compared_as_bags_of_words() -> None:
    # a page of a few repeated lines: difflib would look at a million pairs of equal lines and of words
    old, new = "\n".join(["alpha", "beta"] * 500), "\n".join(["beta", "alpha", "alpha"] * 333)
    change = compare("Title", old, "Title", new)
    assert (change.words_added, change.words_removed) == (666 - 500, 500 - 333)  # alphas in, betas out
    lines = change.diff.splitlines()
    assert lines[:4] == ["--- previous", "+++ this version", "@@ -1,1001 +1,1000 @@", "-# Title"]  # replaced whole
    assert lines.count("-beta") == 500 and lines.count("+alpha") == 666


def test_the_schedule_setting() -> None:
    schedule = RecheckSchedule.parse("1d:1h,7d:1d,30d:7d")
    now = datetime(2026, 11, 21, 12, 0)
    assert schedule.next_check(now, now - timedelta(hours=3), changed=False) == now + timedelta(hours=1)
    assert schedule.next_check(now, now - timedelta(days=3), changed=False) == now + timedelta(days=1)
    assert schedule.next_check(now, now - timedelta(days=10), changed=False) == now + timedelta(weeks=1)
    assert schedule.next_check(now, now - timedelta(days=31), changed=False) is None
    assert schedule.next_check(now, now - timedelta(days=10), changed=True) == now + timedelta(hours=1)
    assert RecheckSchedule.parse("off").next_check(now, now, changed=True) is None
    for bad in ("1d", "7d:1d,1d:1h", "1x:1h"):
        with pytest.raises(ValueError):
            RecheckSchedule.parse(bad)
