"""`archiver demo`: the demo site, archived offline by two real crawls, in a folder that is the demo's alone."""

from __future__ import annotations

import fnmatch
import re
import sqlite3
import tomllib
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.cli.demo import MARKER, prepare
from archiver.demo.site import DemoSite, load_stories
from conftest import ROOT, run_archiver

CHROME = ("Accept all cookies", "We use cookies", "Sign me up", "The Courier in your inbox", "Post comment",
          "Related stories", "Contact the newsroom", "Comments are moderated")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("demo") / "demo"
    done = run_archiver("demo", "--dir", str(folder))
    assert done.returncode == 0, done.stderr[-3000:]
    return folder, done


@pytest.mark.crawl
def test_the_demo_archives_the_site(demo_run) -> None:
    folder, done = demo_run
    stories = load_stories()
    assert len(stories) == 11
    assert re.search(rf"^Demo done: 11 articles archived in {re.escape(str(folder / 'archive.db'))} ", done.stdout, re.M)
    assert f"Browse it:  archiver serve {folder / 'archive.db'}" in done.stdout
    db = sqlite3.connect(folder / "archive.db")
    rows = {url.rsplit("/", 1)[1][:-5]: (title, text, story) for url, title, text, story in
            db.execute("select url, title, text, story_id from articles")}
    assert set(rows) == {s.slug for s in stories}
    for story in stories:
        title, text, _ = rows[story.slug]
        assert title == story.title
        assert story.paragraphs[1] in text  # the text is kept...
        for chrome in CHROME:  # ...and the chrome is not
            assert chrome not in text, (story.slug, chrome)
    # the updated story has its second version; the two bridge stories are one story
    updated = db.execute("select count(*) from versions where url like '%/market-hall-fire.html'").fetchone()[0]
    assert updated == 2
    assert rows["harbour-bridge-closure"][2] == rows["bridge-closure-traders"][2] is not None
    # every article's response is in the WARC files
    urls = set()
    for path in (folder / "warcs").glob("*.warc.gz"):
        with path.open("rb") as stream:
            urls |= {r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(stream)
                     if r.rec_type in ("response", "revisit")}
    assert {u for u in urls if u.endswith(".html")} == {u for (u,) in db.execute("select url from articles")}


@pytest.mark.crawl
def test_the_demo_shows_each_crawls_report(demo_run) -> None:
    _, done = demo_run
    reports = re.findall(r"\[archiver\.report\] INFO: (Crawl \d \((\w+)\) finished)", done.stderr)
    assert [spider for _, spider in reports] == ["sitemap", "feed"], done.stderr
    assert "  Articles: 10 new, 0 changed, 0 unchanged; 0 pages gave no article" in done.stderr
    assert "  Articles: 1 new, 1 changed, 9 unchanged; 0 pages gave no article" in done.stderr
    assert " INFO: " not in re.sub(r"\[archiver\.report\] INFO: ", "", done.stderr)  # quiet crawls: the reports only
    assert "$ scrapy crawl sitemap -a url=http://127.0.0.1:" in done.stderr


def test_the_demo_site_serves_what_the_spiders_read() -> None:
    site = DemoSite().start()
    try:
        get = lambda path: urllib.request.urlopen(site.base + path)  # noqa: E731
        robots = get("/robots.txt").read().decode()
        assert f"Sitemap: {site.base}/sitemap.xml" in robots and f"Sitemap: {site.base}/news-sitemap.xml" in robots
        for path in ("/sitemap.xml", "/news-sitemap.xml", "/feed.xml"):
            tree = ET.fromstring(get(path).read())
            links = [e.text for e in tree.iter() if e.tag.endswith(("loc", "link")) and e.text.endswith(".html")]
            assert len(links) == 10, path
        site.edition = 2
        assert len(re.findall(r"<item>", get("/feed.xml").read().decode())) == 11
        page = get("/city/market-hall-fire.html").read().decode()
        assert "Update, Thursday" in page and 'property="og:site_name"' in page
        with pytest.raises(urllib.error.HTTPError) as missing:
            get("/city/no-such-story.html")
        assert missing.value.code == 404
    finally:
        site.stop()


@pytest.mark.crawl
def test_a_folder_that_is_not_the_demos_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "archive.db").write_bytes(b"my own archive")
    done = run_archiver("demo", "--dir", str(folder))
    assert done.returncode == 1
    assert done.stderr == (f"Error: {folder} holds files that are not the demo's (archive.db); "
                           "give an empty or new folder with --dir.\n")
    assert (folder / "archive.db").read_bytes() == b"my own archive"
    (tmp_path / "file").write_text("x")
    done = run_archiver("demo", "--dir", str(tmp_path / "file"))
    assert done.stderr == f"Error: Invalid value for '--dir': Directory '{tmp_path / 'file'}' is a file; see archiver demo -h.\n"


def test_the_demos_own_folder_is_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    prepare(folder)
    (folder / "archive.db").write_bytes(b"old")
    (folder / "archive.db-wal").write_bytes(b"old")
    (folder / "warcs").mkdir()
    (folder / "warcs" / "archiver-1.warc.gz").write_bytes(b"old")
    prepare(folder)
    assert sorted(p.name for p in folder.iterdir()) == [MARKER]


def test_the_demo_site_is_package_data() -> None:
    """A non-editable install has the site: every file of archiver/demo but its modules is in package-data."""
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    patterns = package_data["archiver.demo"]
    data = [p.relative_to(ROOT / "archiver" / "demo").as_posix() for p in (ROOT / "archiver" / "demo").rglob("*")
            if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts]
    assert len(data) == 13
    for name in data:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name
