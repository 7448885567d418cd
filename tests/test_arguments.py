"""A bad spider argument or setting stops the crawl at start with one sentence that says what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_crawl

pytestmark = pytest.mark.crawl


def error_line(crawl) -> str:
    assert crawl.returncode == 2, crawl.stderr[-2000:]
    assert "Traceback" not in crawl.stderr
    last = crawl.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ")
    return last.removeprefix("Error: ")


def test_no_url_given(tmp_path: Path) -> None:
    assert error_line(run_crawl(tmp_path, "article", {})) == (
        "Say what to archive: -a url=URL (several separated by commas) or -a urls=FILE (one URL a line)."
    )


@pytest.mark.parametrize("spider, args, message", [
    ("site", {"url": "http://127.0.0.1:9/", "maxpages": "3"},
     "The site spider takes no -a maxpages: did you mean -a max_pages? "
     "(it takes -a allow, deny, depth, max_pages, recrawl, render, since, subdomains, url)."),
    ("article", {"url": "http://127.0.0.1:9/", "since": "2d"}, "The article spider takes no -a since (it takes -a recrawl, render, url, urls)."),
    ("feed", {"ulr": "http://127.0.0.1:9/feed"}, "The feed spider takes no -a ulr: did you mean -a url? (it takes -a recrawl, render, since, url)."),
])
def test_an_argument_the_spider_does_not_take(tmp_path: Path, spider: str, args: dict, message: str) -> None:
    assert error_line(run_crawl(tmp_path, spider, args)) == message  # ignored before: a crawl of 500 pages, not 3


def test_a_render_mode_that_does_not_exist(tmp_path: Path) -> None:
    assert error_line(run_crawl(tmp_path, "article", {"url": "http://127.0.0.1:9/", "render": "sometimes"})) == (
        "-a render=sometimes is not a render mode; give render=never or render=auto or render=always.")
    assert error_line(run_crawl(tmp_path, "article", {"url": "http://127.0.0.1:9/"}, {"ARCHIVER_RENDER": "yes"})) == (
        "ARCHIVER_RENDER must be never, auto or always, not 'yes'.")


def test_a_spider_that_does_not_exist(tmp_path: Path) -> None:
    assert error_line(run_crawl(tmp_path, "articles", {"url": "http://127.0.0.1:9/"})) == (
        "there is no spider named 'articles'; the spiders are article, feed, site, sitemap (scrapy list).")


def test_missing_url_file(tmp_path: Path) -> None:
    message = error_line(run_crawl(tmp_path, "article", {"urls": str(tmp_path / "nope.txt")}))
    assert message.startswith(f"Cannot read the URL list '{tmp_path / 'nope.txt'}' (No such file or directory)")
    assert message.endswith("check the path given to -a urls=.")


def test_url_file_without_urls(tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("# nothing yet\n\n   \n# still nothing\n")
    assert error_line(run_crawl(tmp_path, "article", {"urls": str(urls)})) == (
        f"The URL list '{urls}' holds no URL; put one URL a line (blank lines and # comments are ignored)."
    )


@pytest.mark.parametrize("bad", ["ftp://example.org/file.txt", "example.org/news", "javascript:alert(1)",
                                 "http://[::1", "http://exa mple.org/", "https:///path-only"])
def test_not_an_http_url(tmp_path: Path, bad: str) -> None:
    assert error_line(run_crawl(tmp_path, "article", {"url": bad})) == (
        f"{bad!r} is not an http(s) URL; give full URLs such as https://example.org/news/story.html."
    )


def test_url_with_credentials(tmp_path: Path) -> None:
    assert error_line(run_crawl(tmp_path, "article", {"url": "http://user:secret@example.org/"})) == (
        "'http://user:secret@example.org/' carries a user name or password; "
        "remove it (use Scrapy's HTTP auth settings instead)."
    )


def test_bad_url_in_a_file_names_its_line(tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("https://example.org/a\n# comment\nwww.example.org/b\n")
    message = error_line(run_crawl(tmp_path, "article", {"urls": str(urls)}))
    assert message.startswith(f"'www.example.org/b' (line 3 of {urls}) is not an http(s) URL")


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"ARCHIVER_WARC_MAX_SIZE": "lots"},
         "ARCHIVER_WARC_MAX_SIZE must be a positive size in bytes, such as 1000000000 or 1GB, not 'lots'."),
        ({"ARCHIVER_WARC_DIRR": "x"}, "Unknown setting ARCHIVER_WARC_DIRR; did you mean ARCHIVER_WARC_DIR?"),
        ({"ARCHIVER_EXTRACT_WORKERS": "-1"},
         "ARCHIVER_EXTRACT_WORKERS must be a whole number of processes (0 extracts in a thread instead), not '-1'."),
        ({"ARCHIVER_WARC_PREFIX": "my archive"},
         "ARCHIVER_WARC_PREFIX must be letters, digits, '.', '_' or '-' (used in file names), not 'my archive'."),
        ({"ARCHIVER_LOCK": "maybe"},
         "ARCHIVER_LOCK must be 1 or 0 (0 lets crawls of one spider on one archive overlap), not 'maybe'."),
        ({"ARCHIVER_VOTE": "perhaps"},
         "ARCHIVER_VOTE must be 1 or 0 (0: the extractor's text without the other extractors' vote), not 'perhaps'."),
        ({"ARCHIVER_CHROME_PAGES": "1"},
         "ARCHIVER_CHROME_PAGES must be a number of different stories from 2 up, or 0 (the site chrome memory off), not '1'."),
    ],
)
def test_bad_setting(tmp_path: Path, settings: dict, message: str) -> None:
    assert error_line(run_crawl(tmp_path, "article", {"url": "http://127.0.0.1:9/"}, settings)) == message


def test_database_path_that_cannot_be_opened(tmp_path: Path) -> None:
    (tmp_path / "adir").mkdir()
    message = error_line(run_crawl(tmp_path, "article", {"url": "http://127.0.0.1:9/"}, {"ARCHIVER_DB": str(tmp_path / "adir")}))
    assert message.startswith(f"Cannot open the archive database {tmp_path / 'adir'} (")
    assert message.endswith("set ARCHIVER_DB to a writable SQLite file path.")


def test_warc_directory_that_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    message = error_line(run_crawl(tmp_path, "article", {"url": "http://127.0.0.1:9/"}, {"ARCHIVER_WARC_DIR": str(tmp_path / "file")}))
    assert message.startswith(f"Cannot write WARC files in {tmp_path / 'file'} (")
    assert message.endswith("set ARCHIVER_WARC_DIR to a writable directory.")
