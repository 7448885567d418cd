"""Only http and https by default: every other URL scheme, from every source, is refused before any I/O.

Sources: a URL list (``-a url``/``-a urls``), a feed, a sitemap, a site's links and a redirect's
``Location``.  Each hostile URL (tests/schemesite.py) is refused with a log line naming it, counted in
``archiver/refused/scheme``, never connects (the trap port counts connections), never reads the local
disk, and the good entries of the same source are archived.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from archiver.config import ArchiverConfig
from archiver.crawl.arguments import check_url, read_url_list
from archiver.crawl.schemes import refusal
from archiver.errors import ConfigError, SpiderArgumentError
from conftest import Crawl, run_crawl
from discoverysite import ARTICLE_PATHS
from schemesite import GOOD_KEYS, LINKED_KEYS, SchemeSite, Trap, hostile_urls
from scrapy.settings import Settings

CASES = list(hostile_urls("127.0.0.1:9"))
WEB = ("http", "https")


@pytest.fixture(scope="module")
def trap():
    trap = Trap()
    yield trap
    trap.close()


@pytest.fixture(scope="module")
def site(trap: Trap):
    site = SchemeSite(trap).start()
    yield site
    site.stop()


def crawl_source(site: SchemeSite, tmp: Path, source: str) -> Crawl:
    if source == "feed":
        return run_crawl(tmp, "feed", {"url": site.url("/hostile/feed.xml")})
    if source == "sitemap":  # offsite=1: entries without this site's host are read too, and refused for their scheme
        return run_crawl(tmp, "sitemap", {"url": site.url("/hostile/sitemap.xml"), "offsite": "1"})
    if source == "link":
        return run_crawl(tmp, "site", {"url": site.url("/hostile/links/"), "depth": "1"})
    urls = [site.url(f"/hostile/go/{case}") for case in CASES] + [site.url(ARTICLE_PATHS[k]) for k in GOOD_KEYS]
    return run_crawl(tmp, "article", {"url": ",".join(urls)})


SOURCES = ("feed", "sitemap", "link", "redirect")


@pytest.fixture(scope="module")
def crawls(site: SchemeSite, trap: Trap, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Crawl]:
    done = {}
    for source in SOURCES:
        crawl = crawl_source(site, tmp_path_factory.mktemp(source), source)
        assert crawl.returncode == 0, crawl.stderr[-3000:]
        done[source] = crawl
    assert trap.connections == 0  # no crawl connected where a refused URL points
    return done


def refusal_lines(crawl: Crawl) -> list[str]:
    return [line for line in crawl.log.splitlines() if "Refused " in line or "refused: " in line]


@pytest.mark.crawl
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("source", SOURCES)
def test_every_other_scheme_is_refused_with_a_line_and_the_source_goes_on(crawls: dict[str, Crawl], site: SchemeSite,
                                                                         source: str, case: str) -> None:
    crawl = crawls[source]
    marker = f"case-{case.replace('_', '-')}".replace("mixed-case", "mixed").replace("leading-space", "leading")
    lines = [line for line in refusal_lines(crawl) if marker in line]
    if source == "link" and not lines:
        # Scrapy's link extractor follows http(s), file and ftp links only: the others are not links to crawl
        assert not any(marker in line for line in crawl.log.splitlines() if "Refused" in line)
    else:
        assert lines, (marker, refusal_lines(crawl))
        assert "scheme is not fetched" in lines[0]
    # nothing but http(s) reached the archive; the local file was never read
    assert all(row["url"].split(":")[0] in WEB for row in crawl.db.query("select url from captures"))
    assert not any("root:" in (row["text"] or "") for row in crawl.db.query("select text from articles"))
    keys = LINKED_KEYS if source == "link" else GOOD_KEYS
    archived = {row["url"] for row in crawl.db.query("select url from articles")}
    assert {site.url(ARTICLE_PATHS[k]) for k in keys} <= archived


@pytest.mark.crawl
@pytest.mark.parametrize("source", SOURCES)
def test_refusals_are_counted(crawls: dict[str, Crawl], source: str) -> None:
    stats = json.loads(crawls[source].crawl_row()["stats"])
    assert stats["archiver/refused/scheme"] >= (3 if source == "link" else len(CASES))


@pytest.mark.crawl
def test_a_refused_redirect_says_why_on_its_capture(crawls: dict[str, Crawl], site: SchemeSite) -> None:
    rows = {row["url"]: row for row in crawls["redirect"].db.query("select url, status, error from captures")}
    for case in CASES:
        row = rows[site.url(f"/hostile/go/{case}")]
        assert row["status"] == 302 and "refused" in row["error"] and "scheme is not fetched" in row["error"], row


@pytest.mark.parametrize("case", CASES)
def test_a_url_list_takes_http_and_https_only(case: str, tmp_path: Path) -> None:
    url = hostile_urls("127.0.0.1:9")[case]
    with pytest.raises(SpiderArgumentError, match="is not an http"):
        check_url(url)
    listed = tmp_path / "urls.txt"
    listed.write_text(f"https://example.org/story.html\n{url}\n", encoding="utf-8")
    with pytest.raises(SpiderArgumentError, match="line 2 of"):
        read_url_list(str(listed))


@pytest.mark.crawl
def test_a_crawl_given_a_file_url_stops_with_one_sentence(tmp_path: Path) -> None:
    crawl = run_crawl(tmp_path, "article", {"url": "file:///etc/passwd"})
    assert crawl.returncode != 0 and "is not an http(s) URL" in crawl.stderr
    assert not (tmp_path / "archive.db").exists() or not crawl.db["captures"].count


def test_schemes_are_read_as_browsers_read_them() -> None:
    """Generated: leading spaces and C0 controls, tabs and newlines inside, any case; only http(s) pass."""
    rng = random.Random(29)
    schemes = ["http", "https", "file", "ftp", "data", "s3", "javascript", "mailto", "tel", "about", "blob", "ws",
               "wss", "gopher", "view-source", "x-unknown", "chrome", "jar", "smb", "ldap"]
    controls = [chr(c) for c in range(0x21)]
    for _ in range(5000):
        scheme = rng.choice(schemes)
        written = "".join(c.upper() if rng.random() < 0.5 else c for c in scheme)
        if rng.random() < 0.3:  # a tab or a newline inside the scheme: dropped, as browsers drop it
            cut = rng.randrange(len(written) + 1)
            written = written[:cut] + rng.choice("\t\r\n") + written[cut:]
        url = "".join(rng.choices(controls, k=rng.randrange(4))) + written + rng.choice([":", "://"]) + "127.0.0.1/x"
        why = refusal(url, WEB)
        if scheme in WEB and url.partition(":")[2].startswith("//"):
            assert why is None, url
        else:
            assert why is not None, url


def test_allow_schemes_is_validated() -> None:
    assert ArchiverConfig.from_settings(Settings()).allow_schemes == ("http", "https")
    assert ArchiverConfig.from_settings(Settings({"ARCHIVER_ALLOW_SCHEMES": "HTTPS, ftp"})).allow_schemes == ("https", "ftp")
    for bad in ("", "http https:", "ht tp/s"):
        with pytest.raises(ConfigError, match="ARCHIVER_ALLOW_SCHEMES must be URL schemes"):
            ArchiverConfig.from_settings(Settings({"ARCHIVER_ALLOW_SCHEMES": bad}))


@pytest.mark.crawl
def test_a_scheme_allowed_by_the_setting_still_has_no_download_handler(site: SchemeSite, trap: Trap, tmp_path: Path) -> None:
    """ARCHIVER_ALLOW_SCHEMES lets ftp: past the spiders and the first middleware; settings.py installs no ftp
    handler, so it still connects nowhere: each layer holds without the others."""
    crawl = run_crawl(tmp_path, "feed", {"url": site.url("/hostile/feed.xml")}, {"ARCHIVER_ALLOW_SCHEMES": "http https ftp"})
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert trap.connections == 0
    assert "Unsupported URL scheme 'ftp'" in crawl.log
    assert not any("case-ftp" in line for line in refusal_lines(crawl))  # allowed: not refused for its scheme
    archived = {row["url"] for row in crawl.db.query("select url from articles")}
    assert {site.url(ARTICLE_PATHS[k]) for k in GOOD_KEYS} <= archived
