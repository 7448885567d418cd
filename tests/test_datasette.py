"""`archiver serve`: Datasette with the shipped metadata, canned queries, article pages and inert raw captures."""

from __future__ import annotations

import asyncio
import gzip
import os
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from datasette.app import Datasette

from conftest import Crawl, run_archiver
from newssite import PDF, NewsSite
from scriptedsite import SCRIPTED_PATH, ScriptedSite
from served import Served

from archiver.web.metadata import metadata

pytestmark = pytest.mark.crawl

REQUIRED_CSP = ("sandbox", "default-src 'none'", "img-src data:", "style-src 'unsafe-inline'")


def capture_id(crawl: Crawl, url: str) -> int:
    return next(crawl.db.query("select id from captures where url = ? order by id desc", [url]))["id"]


def article_id(crawl: Crawl, url: str) -> int:
    return next(crawl.db.query("select id from articles where url = ?", [url]))["id"]


def query(served: Served, name: str, **params: str) -> list[dict]:
    args = "&".join(f"{k}={v}" for k, v in params.items())
    return served.json(f"/archive/{name}.json?_shape=array&{args}")


def test_the_shipped_metadata_describes_every_column(web_archive: Crawl) -> None:
    tables = metadata("archive")["databases"]["archive"]["tables"]
    db = sqlite_utils.Database(web_archive.db_path)
    for table in db.table_names():
        if table.startswith("articles_fts") or tables.get(table, {}).get("hidden"):
            continue
        described = tables.get(table, {}).get("columns", {})
        assert set(db[table].columns_dict) == set(described), table


def test_serve_applies_title_facets_order_and_search(served: Served, crawl_urls: dict) -> None:
    assert served.json("/-/metadata.json")["title"] == "archiver"
    articles = served.json("/archive/articles.json")
    assert articles["human_description_en"] == "sorted by date descending"
    dates = [row[articles["columns"].index("date")] for row in articles["rows"]]
    assert dates == sorted(dates, reverse=True)
    assert {"site", "language", "crawl_id"} <= set(articles["facet_results"])
    assert {"status", "host", "crawl_id"} <= set(served.json("/archive/captures.json")["facet_results"])
    found = served.json("/archive/articles.json?_search=Borodyanka&_shape=array")
    assert [row["url"] for row in found] == [crawl_urls["daily"]]
    queries = {q["name"] for q in served.json("/archive.json")["queries"]}
    assert {"search", "latest", "site_articles", "url_captures", "problems", "crawl_health", "host_health"} <= queries


def test_search_query_highlights_matches_and_links_the_article(served: Served, web_archive: Crawl, crawl_urls: dict) -> None:
    rows = query(served, "search", q="Borodyanka")
    assert [row["article_id"] for row in rows] == [article_id(web_archive, crawl_urls["daily"])]
    assert "<mark>Borodyanka</mark>" in rows[0]["snippet"]
    page = served.get("/archive/search?q=Borodyanka").text
    assert "<mark>Borodyanka</mark>" in page  # rendered as a highlight, not escaped
    assert f'href="/-/archiver/archive/article/{rows[0]["article_id"]}"' in page
    # words that are FTS5 syntax are searched as words, not an error
    assert served.get("/archive/search?q=%22Borodyanka+AND%22").status == 200


def test_search_opened_without_words_shows_the_form(served: Served) -> None:
    for path in ("/archive/search", "/archive/search?q=", "/archive/search?q=%22+%22"):
        page = served.get(path)
        assert page.status == 200, page.text[:2000]
        assert 'name="q"' in page.text and "syntax error" not in page.text
    assert query(served, "search", q="") == []


def test_canned_queries_answer_what_users_ask(served: Served, web_archive: Crawl, crawl_urls: dict) -> None:
    db = web_archive.db
    assert len(query(served, "latest")) == db["articles"].count
    assert {row["article_id"] for row in query(served, "site_articles", site="127.0.0.1")} == {
        row["id"] for row in db.query("select id from articles")
    }
    herald = query(served, "url_captures", url=crawl_urls["herald"])
    assert [row["status"] for row in herald] == [200] and herald[0]["raw_capture"] == capture_id(web_archive, crawl_urls["herald"])
    problems = {row["url"]: row for row in query(served, "problems")}
    assert problems[crawl_urls["missing"]]["status"] == 404
    assert problems[crawl_urls["refused"]]["raw_capture"] is None  # nothing to replay: no response
    assert "not HTML" in problems[crawl_urls["pdf"]]["error"]
    assert crawl_urls["herald"] not in problems
    (crawl,) = query(served, "crawl_health")
    assert crawl["captures"] == db["captures"].count and crawl["articles"] == db["articles"].count
    assert crawl["status_4xx"] >= 2 and crawl["no_response"] >= 1 and crawl["status_3xx"] == 1
    assert crawl["bytes"] == sum(row["size"] or 0 for row in db.query("select size from captures"))
    hosts = {row["host"]: row for row in query(served, "host_health", crawl_id="")}
    assert hosts["127.0.0.1"]["captures"] == crawl["captures"]
    assert query(served, "host_health", crawl_id="999") == []


def test_article_page_reads_like_the_article(served: Served, web_archive: Crawl, crawl_urls: dict, news_site: NewsSite) -> None:
    story = news_site.stories["herald"]
    row = next(web_archive.db.query("select * from articles where url = ?", [crawl_urls["herald"]]))
    table = served.get("/archive/articles").text
    assert f'href="/-/archiver/archive/article/{row["id"]}"' in table  # linked from the articles table
    page = served.get(f"/-/archiver/archive/article/{row['id']}")
    assert page.status == 200
    assert f"<h1>{story.title}</h1>" in page.text.replace("&#39;", "'")
    assert story.author in page.text and row["date"] in page.text
    assert all(f"<p>{p}</p>" in page.text.replace("&#39;", "'").replace("&#34;", '"') for p in story.body[:3])
    assert not any(line in page.text for line in story.chrome_lines())
    assert f'href="{crawl_urls["herald"]}"' in page.text
    assert f'href="/-/archiver/archive/capture/{row["capture_id"]}/raw"' in page.text
    missing = served.get("/-/archiver/archive/article/99999")
    assert missing.status == 404 and "There is no article 99999" in missing.text and "Traceback" not in missing.text


def test_raw_capture_is_the_archived_body_served_inert(served: Served, web_archive: Crawl, crawl_urls: dict, news_site: NewsSite) -> None:
    reply = served.get(f"/-/archiver/archive/capture/{capture_id(web_archive, crawl_urls['herald'])}/raw")
    assert reply.status == 200
    csp = reply.headers["content-security-policy"]
    assert all(directive in csp for directive in REQUIRED_CSP)
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in reply.headers  # the archived page set two cookies; replay sets none
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    herald_sent = [s for s in news_site.sent if news_site.url(s.path) == crawl_urls["herald"]]
    assert reply.body == herald_sent[-1].body
    # a gzip-encoded page is served decoded, byte for byte what the server compressed
    daily_sent = [s for s in news_site.sent if news_site.url(s.path) == crawl_urls["daily"]][-1]
    daily = served.get(f"/-/archiver/archive/capture/{capture_id(web_archive, crawl_urls['daily'])}/raw")
    assert daily.body == gzip.decompress(daily_sent.body) and "content-encoding" not in daily.headers


def test_raw_capture_of_other_bodies_and_statuses(served: Served, web_archive: Crawl, crawl_urls: dict) -> None:
    pdf = served.get(f"/-/archiver/archive/capture/{capture_id(web_archive, crawl_urls['pdf'])}/raw")
    assert pdf.status == 200 and pdf.body == PDF
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'attachment; filename="peskov-transcript.pdf"'
    assert all(directive in pdf.headers["content-security-policy"] for directive in REQUIRED_CSP)
    missing = served.get(f"/-/archiver/archive/capture/{capture_id(web_archive, crawl_urls['missing'])}/raw")
    assert missing.status == 200 and missing.headers["x-archiver-status"] == "404 Nothing Here"
    assert b"Sorry, that page is not here" in missing.body
    refused = served.get(f"/-/archiver/archive/capture/{capture_id(web_archive, crawl_urls['refused'])}/raw")
    assert refused.status == 404 and "has no WARC record" in refused.text and "Traceback" not in refused.text
    assert served.get("/-/archiver/archive/capture/99999/raw").status == 404


def _in_process(db_path: Path, warc_dir: Path, writable: bool = False) -> Datasette:
    return Datasette([str(db_path)], metadata=metadata(db_path.stem, warc_dir, writable))


def test_problems_leaves_out_revisits_and_keeps_empty_pages(web_archive: Crawl, crawl_urls: dict, tmp_path: Path) -> None:
    shutil.copy(web_archive.db_path, tmp_path / "archive.db")
    db = sqlite_utils.Database(tmp_path / "archive.db")
    herald = next(db.query("select * from captures where url = ? and status = 200", [crawl_urls["herald"]]))
    # what re-checks add: a 304 written as a revisit record, and the same bytes again
    revisit = {"revisit_of": herald["id"], "size": 0}
    rows = {
        "not-modified": {**revisit, "status": 304, "reason": "Not Modified", "revisit": "not-modified"},
        "identical-payload": {**revisit, "revisit": "identical-payload"},
        "empty": {"size": 0},  # a 200 with no body, not a revisit: a problem
    }
    ids = {kind: db["captures"].insert({**herald, "id": None, **row}).last_pk for kind, row in rows.items()}
    client = _in_process(tmp_path / "archive.db", web_archive.warc_dir).client
    reply = asyncio.run(client.get("/archive/problems.json?_shape=array"))
    problems = {row["id"] for row in reply.json()}
    assert ids["empty"] in problems
    assert ids["not-modified"] not in problems and ids["identical-payload"] not in problems
    # the 304's raw view is the bytes it revisits
    raw = asyncio.run(client.get(f"/-/archiver/archive/capture/{ids['not-modified']}/raw"))
    assert raw.status_code == 200 and raw.text == asyncio.run(client.get(f"/-/archiver/archive/capture/{herald['id']}/raw")).text


def test_a_missing_or_damaged_warc_file_gives_an_error_page(web_archive: Crawl, scripted_site: ScriptedSite, tmp_path: Path) -> None:
    shutil.copy(web_archive.db_path, tmp_path / "archive.db")
    (tmp_path / "empty").mkdir()
    url = scripted_site.url(SCRIPTED_PATH)
    capture = next(web_archive.db.query("select * from captures where url = ?", [url]))
    raw = f"/-/archiver/archive/capture/{capture['id']}/raw"
    missing = asyncio.run(_in_process(tmp_path / "archive.db", tmp_path / "empty").client.get(raw))
    assert missing.status_code == 404 and "is not in" in missing.text and "--warc-dir" in missing.text
    shutil.copytree(web_archive.warc_dir, tmp_path / "damaged")
    warc = tmp_path / "damaged" / capture["warc_filename"]
    data = bytearray(warc.read_bytes())
    data[capture["warc_offset"] + 20 : capture["warc_offset"] + 60] = b"\x00" * 40
    warc.write_bytes(bytes(data))
    damaged = asyncio.run(_in_process(tmp_path / "archive.db", tmp_path / "damaged").client.get(raw))
    assert damaged.status_code == 500 and "cannot be read back" in damaged.text and "Traceback" not in damaged.text


def test_the_archive_is_read_only_unless_asked(web_archive: Crawl, tmp_path: Path) -> None:
    shutil.copy(web_archive.db_path, tmp_path / "archive.db")
    insert = "insert into site_rules (site, note) values ('example.org', 'from a plugin')"
    read_only = _in_process(tmp_path / "archive.db", web_archive.warc_dir).get_database("archive")
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
        asyncio.run(read_only.execute_write(insert))
    writable = _in_process(tmp_path / "archive.db", web_archive.warc_dir, writable=True).get_database("archive")
    asyncio.run(writable.execute_write(insert))
    assert sqlite_utils.Database(tmp_path / "archive.db")["site_rules"].count == 1


def test_serve_refuses_a_missing_archive_with_one_sentence(tmp_path: Path) -> None:
    done = run_archiver("serve", str(tmp_path / "nothing.db"))
    assert done.returncode == 1
    assert done.stderr.strip() == f"Error: No archive at {tmp_path / 'nothing.db'}; give its path: archiver serve PATH."


def test_serve_stopped_with_sigterm_leaves_no_temporary_files(web_archive: Crawl, tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    served = Served(web_archive.db_path, env={**os.environ, "TMPDIR": str(scratch)}).start()
    assert served.get("/archive/articles.json").status == 200
    served.stop()
    assert served.process is not None and served.process.returncode == 128 + signal.SIGTERM
    assert list(scratch.iterdir()) == []
