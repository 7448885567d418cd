"""The project deploys to a real scrapyd, and a scheduled crawl shares its archive with a manual one.

A scrapyd runs on loopback from a temporary folder; scrapyd-deploy sends it
a copy of the project (so nothing is built inside the checkout), and the
crawl is scheduled through schedule.json as an operator would.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from conftest import ROOT, TEST_SETTINGS, Crawl, finish_crawl, start_crawl
from heldsite import HeldNewsSite

pytestmark = pytest.mark.crawl

PROJECT_FILES = ("pyproject.toml", "setup.py", "scrapy.cfg", "README.md", "archiver", "spiders")
DEADLINE = 90  # seconds for any one wait; the test takes far less when all is well


def until(ready: Callable[[], Any], what: str) -> Any:
    """Poll ``ready()`` until it returns something true; fail after DEADLINE seconds."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        value = ready()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Scrapyd:
    """A scrapyd process serving on 127.0.0.1, everything it writes in ``home``."""

    def __init__(self, home: Path):
        self.home = home
        self.url = f"http://127.0.0.1:{free_port()}/"
        port = self.url.rsplit(":", 1)[1].strip("/")
        home.mkdir()
        (home / "scrapyd.conf").write_text(
            "[scrapyd]\nbind_address = 127.0.0.1\n"
            f"http_port = {port}\npoll_interval = 0.2\n"
            f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n"
        )
        # scrapyd reads scrapyd.conf from its working directory
        self.process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home,
                                        stdout=subprocess.DEVNULL, stderr=(home / "scrapyd.out").open("w"))
        try:
            until(self._up, "scrapyd's daemonstatus.json")
        except BaseException:
            self.stop()
            raise

    def _up(self) -> bool:
        assert self.process.poll() is None, (self.home / "scrapyd.out").read_text()[-3000:]
        try:
            return self.get("daemonstatus.json")["status"] == "ok"
        except OSError:
            return False

    def get(self, endpoint: str, **query: str) -> dict:
        with urlopen(f"{self.url}{endpoint}?{urlencode(query)}", timeout=30) as response:
            return json.load(response)

    def schedule(self, spider: str, url: str, settings: dict[str, str]) -> str:
        """schedule.json: a crawl of the archiver project; its job id."""
        fields = [("project", "archiver"), ("spider", spider), ("url", url),
                  *(("setting", f"{name}={value}") for name, value in settings.items())]
        with urlopen(self.url + "schedule.json", data=urlencode(fields).encode(), timeout=30) as response:
            return json.load(response)["jobid"]

    def job_log(self, spider: str, job: str) -> str:
        return (self.home / "logs" / "archiver" / spider / f"{job}.log").read_text()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[Scrapyd]:
    server = Scrapyd(tmp_path / "scrapyd")
    yield server
    server.stop()


def deploy(scrapyd: Scrapyd, tmp: Path) -> str:
    """Run scrapyd-deploy on a copy of the project whose [deploy] target points at this scrapyd."""
    copy = tmp / "project"
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            copy.mkdir(exist_ok=True)
            shutil.copy(source, copy / name)
    config = configparser.ConfigParser()
    config.read(copy / "scrapy.cfg")
    assert config["deploy"]["project"] == "archiver"  # the committed target
    config["deploy"]["url"] = scrapyd.url
    with (copy / "scrapy.cfg").open("w") as file:
        config.write(file)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY")}
    done = subprocess.run([sys.executable, "-m", "scrapyd_client.deploy"], cwd=copy, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def test_a_crawl_scheduled_on_scrapyd_and_a_manual_crawl_share_one_archive(tmp_path: Path, scrapyd: Scrapyd) -> None:
    answer = json.loads(deploy(scrapyd, tmp_path))
    assert answer["status"] == "ok" and answer["project"] == "archiver"
    assert sorted(scrapyd.get("listspiders.json", project="archiver")["spiders"]) == ["article", "feed", "site", "sitemap"]
    # the egg scrapyd keeps carries the project: its spiders and where its settings are
    (egg,) = (scrapyd.home / "eggs" / "archiver").glob("*.egg")
    with zipfile.ZipFile(egg) as archive:
        # every module and template: one missing is found in a checkout's editable install, not on a server
        shipped = {p.relative_to(ROOT).as_posix() for folder in ("archiver", "spiders") for p in (ROOT / folder).rglob("*")
                   if p.suffix in (".py", ".html", ".yml") and "__pycache__" not in p.parts}
        assert shipped - set(archive.namelist()) == set()
        assert "settings = archiver.settings" in archive.read("EGG-INFO/entry_points.txt").decode()

    # The scheduled crawl's two articles are held until the manual crawl asks for a
    # page of its own: both crawls are then running, and writing, at the same time.
    site = HeldNewsSite(held={"herald", "daily"}, release_on="observer").start()
    urls = site.article_urls()
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    try:
        settings = {**TEST_SETTINGS, "ARCHIVER_DB": str(db), "ARCHIVER_WARC_DIR": str(warcs)}
        job = scrapyd.schedule("article", f"{urls['herald']},{urls['daily']}", settings)

        def finished(jobid: str = job) -> bool:
            return any(j["id"] == jobid for j in scrapyd.get("listjobs.json", project="archiver")["finished"])

        until(lambda: site.holding.is_set() or finished(), "the scheduled crawl to ask for its articles")
        assert not finished(), scrapyd.job_log("article", job)[-3000:]
        # the next scheduled run of the spider, due while this one runs, is skipped
        second = scrapyd.schedule("article", urls["canindia"], settings)
        until(lambda: finished(second), "the second scheduled crawl to stop")
        assert f"ERROR: Another article crawl is writing {db} (pid " in scrapyd.job_log("article", second)
        manual = finish_crawl(tmp_path, start_crawl(tmp_path, "site", {"url": site.url("/"), "depth": "1",
                                                                       "deny": "herald|daily"}))
        until(finished, "the scheduled crawl to finish")
    finally:
        site.release()
        site.stop()

    job_log = scrapyd.job_log("article", job)
    assert manual.returncode == 0, manual.stderr[-3000:]
    for log in (job_log, manual.stderr):
        assert "database is locked" not in log and "archiver/errors" not in log and "Traceback" not in log
    archive = Crawl(0, "", "", db, warcs).db
    crawls = {r["spider"]: r for r in archive.query("select * from crawls")}
    assert set(crawls) == {"article", "site"}
    assert all(r["finish_reason"] == "finished" for r in crawls.values())
    assert crawls["article"]["started_at"] < crawls["site"]["started_at"] < crawls["article"]["finished_at"]
    assert json.loads(crawls["article"]["args"])["_job"] == job  # scrapyd's job id, on record
    assert {r["url"] for r in archive.query("select url from articles")} == set(urls.values())
    by_crawl = {r["crawl_id"]: r["n"] for r in archive.query("select crawl_id, count(*) n from captures group by 1")}
    assert by_crawl[crawls["article"]["id"]] == 3  # robots.txt and the two articles
    assert by_crawl[crawls["site"]["id"]] == 5  # robots.txt, the front page, three articles
    for row in archive.query("select warc_filename from captures where crawl_id = ?", [crawls["article"]["id"]]):
        assert (warcs / row["warc_filename"]).is_file()
    assert len(list(warcs.glob("*.warc.gz"))) == 2  # one file per crawl
