"""Distributed crawls: workers on a real redis-server share one frontier; one killed with SIGKILL loses nothing.

Politeness holds across the workers together: a robots.txt Crawl-delay spaces
every worker's requests, CONCURRENT_REQUESTS_PER_DOMAIN bounds them all, and
robots.txt is fetched once.

Every worker is a real `scrapy crawl` process with its own shard
(ARCHIVER_DB) and the WARC directory they all share; `archiver merge` joins
the shards, and Datasette serves the result.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlite_utils

from archiver.distributed.frontier import connect
from conftest import finish_crawl, run_archiver, start_crawl
from loopback import spaced
from manysite import ManySite
from redisserver import RedisServer
from served import Served

pytestmark = [pytest.mark.crawl, pytest.mark.redis]

TIMEOUT = "3"  # ARCHIVER_WORKER_TIMEOUT: a killed worker is found out in seconds
# Long enough that no live worker is taken for dead on a loaded machine (starting the
# extraction workers holds a crawl's reactor for seconds): then no page is fetched twice.
PATIENT = "60"


@pytest.fixture
def frontier(empty_redis: RedisServer) -> str:
    return empty_redis.url


def start_workers(tmp: Path, count: int, urls: Path, frontier: str, own_group: bool = False,
                  timeout: str = TIMEOUT, settings: dict[str, str] | None = None, first: int = 0) -> list:
    workers = []
    for number in range(first, first + count):
        shard = tmp / f"worker{number}"
        shard.mkdir(exist_ok=True)
        given = {"ARCHIVER_FRONTIER": frontier, "ARCHIVER_WARC_DIR": str(tmp / "warcs"), "ARCHIVER_WORKER_TIMEOUT": timeout,
                 **(settings or {})}
        workers.append((shard, start_crawl(shard, "article", {"urls": str(urls)}, given, own_group=own_group)))
    return workers


def finish_workers(workers: list) -> list:
    crawls = [finish_crawl(shard, process) for shard, process in workers]
    assert [crawl.returncode for crawl in crawls] == [0] * len(crawls), crawls[0].stderr[-3000:]
    return crawls


def stat(crawls: list, name: str) -> int:
    return sum(json.loads(crawl.crawl_row()["stats"]).get(name, 0) for crawl in crawls)


def working(crawls: list) -> int:
    """Workers that archived articles."""
    return sum(1 for crawl in crawls if crawl.db["articles"].count)


# Each worker takes at most two requests at a time: the others find some left when they start.
FEW_AT_A_TIME = {"CONCURRENT_REQUESTS": "2"}


def holds_requests(frontier: str, pid: int, timeout: float = 120) -> None:
    """Wait until the worker of that process holds in-flight requests in the frontier."""
    client = connect(frontier)
    deadline = time.monotonic() + timeout
    while not any(client.zcard(key) for key in client.scan_iter(f"archiver:article:inflight:*-{pid}")):
        assert time.monotonic() < deadline, "the worker never took a request"
        time.sleep(0.05)


def url_file(tmp: Path, site: ManySite) -> Path:
    path = tmp / "urls.txt"
    path.write_text("\n".join(site.urls()) + "\n")
    return path


def articles_served(site: ManySite) -> Counter:
    return Counter(path for path, _ in site.requests if path.startswith("/news/"))


def merge(tmp: Path, shards: list[Path]) -> str:
    done = run_archiver("merge", str(tmp / "archive.db"), *map(str, shards), "--warc-dir", str(tmp / "warcs"), "--workers", "1")
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def twice_reported(output: str) -> int:
    return sum(int(line.split("; ")[-1].split()[0]) for line in output.splitlines() if "archived twice" in line)


def twice_in(db: sqlite_utils.Database) -> int:
    """HTML captures whose URL already has a full record of the same bytes."""
    rows = db.execute("SELECT count(*) FROM captures WHERE revisit IS NULL AND warc_record_id IS NOT NULL "
                      "AND lower(content_type) LIKE '%html%' GROUP BY url, payload_digest HAVING count(*) > 1").fetchall()
    return sum(count - 1 for (count,) in rows)


def test_three_workers_with_the_same_urls_fetch_each_once_and_merge_into_one_archive(tmp_path: Path, frontier: str) -> None:
    # every page held until each worker holds claimed requests, two at a time: all three take part
    site = ManySite(pages=45, paragraphs=4, pause=0.05, held=set(range(45))).start()
    try:
        workers = start_workers(tmp_path, 3, url_file(tmp_path, site), frontier, timeout=PATIENT, settings=FEW_AT_A_TIME)
        for _, process in workers:
            holds_requests(frontier, process.pid)
        site.release()
        crawls = [finish_crawl(shard, process) for shard, process in workers]
    finally:
        site.stop()
    assert [crawl.returncode for crawl in crawls] == [0, 0, 0]
    served = articles_served(site)
    assert len(served) == 45 and set(served.values()) == {1}, served.most_common(3)
    # each worker its own shard and WARC files named apart, in the WARC directory they share
    prefixes = [{row["warc_filename"].rsplit("-", 2)[0] for row in
                 crawl.db.query("select warc_filename from captures where warc_filename is not null")} for crawl in crawls]
    assert all(len(names) == 1 for names in prefixes) and len(set().union(*prefixes)) == 3, prefixes

    shards = [crawl.db_path for crawl in crawls]
    first = merge(tmp_path, shards)
    archive = sqlite_utils.Database(tmp_path / "archive.db")
    assert archive.execute("select count(*) from articles").fetchone()[0] == 45
    assert archive.execute("select count(*) from crawls").fetchone()[0] == 3
    # ids remapped: every article points at a capture of its own URL, in a WARC file of the directory
    assert archive.execute("select count(*) from articles a join captures c on c.id = a.capture_id "
                           "where c.url = a.url").fetchone()[0] == 45
    assert archive.execute("select count(*) from articles where story_id is null").fetchone()[0] == 0
    counts = {table: archive[table].count for table in ("crawls", "captures", "articles", "versions", "stories")}
    again = merge(tmp_path, shards)
    assert {table: archive[table].count for table in counts} == counts
    assert "0 crawls, 0 captures, 0 articles added" in again and first != again

    # Datasette over the merged archive, as over a single crawl
    article_id, capture_id = archive.execute("select id, capture_id from articles limit 1").fetchone()
    served_archive = Served(tmp_path / "archive.db", "--warc-dir", str(tmp_path / "warcs")).start()
    try:
        assert "Report" in served_archive.get(f"/-/archiver/archive/article/{article_id}").text
        assert served_archive.get(f"/-/archiver/archive/capture/{capture_id}/raw").status == 200
    finally:
        served_archive.stop()


def test_a_worker_killed_mid_crawl_loses_nothing(tmp_path: Path, frontier: str) -> None:
    site = ManySite(pages=60, paragraphs=4, pause=0.3).start()
    try:
        workers = start_workers(tmp_path, 3, url_file(tmp_path, site), frontier, own_group=True)
        site.wait_served(12)
        killed_shard, killed = workers[0]
        holds_requests(frontier, killed.pid)  # under load a worker may start late: kill it once it holds some
        os.killpg(killed.pid, signal.SIGKILL)  # the machine dies: the crawl and its extraction workers
        killed.communicate()
        crawls = [finish_crawl(shard, process) for shard, process in workers[1:]]
    finally:
        site.stop()
    assert [crawl.returncode for crawl in crawls] == [0, 0]
    taken_back = sum(json.loads(crawl.crawl_row()["stats"]).get("archiver/frontier/taken_back", 0) for crawl in crawls)
    assert taken_back > 0  # the killed worker held requests; another took them back
    assert set(articles_served(site)) == {f"/news/{n:04d}-report.html" for n in range(60)}

    output = merge(tmp_path, [killed_shard / "archive.db"] + [crawl.db_path for crawl in crawls])
    archive = sqlite_utils.Database(tmp_path / "archive.db")
    assert {row[0] for row in archive.execute("select url from articles")} == set(site.urls())
    # a page fetched just before the kill and again after is counted, not hidden
    assert twice_reported(output) == twice_in(archive)


def test_an_incremental_run_of_several_workers_fetches_what_one_would(tmp_path: Path, frontier: str) -> None:
    site = ManySite(pages=20, paragraphs=4, pause=0.02).start()
    try:
        urls = url_file(tmp_path, site)
        first = [finish_crawl(shard, process) for shard, process in start_workers(tmp_path, 2, urls, frontier)]
        assert len(articles_served(site)) == 20
        assert [crawl.returncode for crawl in first] == [0, 0], "\n".join(crawl.stderr[-3000:] for crawl in first)
        time.sleep(float(TIMEOUT) + 0.5)  # the first run is over: the next starts a new one
        before = sum(articles_served(site).values())
        second = [finish_crawl(shard, process) for shard, process in start_workers(tmp_path, 2, urls, frontier)]
    finally:
        site.stop()
    # each shard holds only some articles, yet no worker fetches what another archived
    assert sum(articles_served(site).values()) == before
    skipped = [json.loads(crawl.crawl_row()["stats"]).get("archiver/skipped/archived", 0) for crawl in second]
    assert sum(skipped) >= 20


def test_an_unreachable_frontier_stops_the_crawl_with_one_sentence(tmp_path: Path) -> None:
    from redisserver import free_port

    crawl = finish_crawl(tmp_path, start_crawl(tmp_path, "article", {"url": "http://127.0.0.1:9/a"},
                                               {"ARCHIVER_FRONTIER": f"redis://127.0.0.1:{free_port()}/0"}))
    assert crawl.returncode == 2
    assert "Error: Cannot reach the frontier at redis://127.0.0.1:" in crawl.stderr
    bad = finish_crawl(tmp_path, start_crawl(tmp_path, "article", {"url": "http://127.0.0.1:9/a"},
                                             {"ARCHIVER_FRONTIER": "http://127.0.0.1:6379"}))
    assert bad.returncode == 2 and "Error: ARCHIVER_FRONTIER must be a redis:// URL" in bad.stderr


def test_a_retry_after_pause_holds_for_every_worker(frontier: str) -> None:
    from archiver.distributed.shared import SharedState

    one, other = SharedState(connect(frontier)), SharedState(connect(frontier))
    one.pause("slow.example", 30)
    assert other.paused_for("slow.example") > 20
    assert other.paused_for("fast.example") == 0
    one.pause("slow.example", 1)  # a shorter pause never shortens a longer one
    assert one.paused_for("slow.example") > 20


def test_a_crawl_delay_spaces_the_requests_of_all_workers_together(tmp_path: Path, frontier: str) -> None:
    site = ManySite(pages=10, paragraphs=2, pause=0, crawl_delay=1).start()
    try:
        workers = start_workers(tmp_path, 3, url_file(tmp_path, site), frontier, timeout=PATIENT, settings=FEW_AT_A_TIME)
        crawls = finish_workers(workers)
    finally:
        site.stop()
    assert set(articles_served(site).values()) == {1} and len(articles_served(site)) == 10
    assert working(crawls) >= 2
    times = site.article_times()
    assert spaced(times, 1.0), times
    # robots.txt fetched by one worker, its copy parsed by every other worker that took requests
    assert sum(1 for path, _ in site.requests if path == "/robots.txt") == 1
    assert stat(crawls, "archiver/robots/shared") == working(crawls) - 1


def test_concurrency_per_domain_holds_for_all_workers_together(tmp_path: Path, frontier: str) -> None:
    site = ManySite(pages=15, paragraphs=2, pause=0.4).start()
    try:
        workers = start_workers(tmp_path, 3, url_file(tmp_path, site), frontier, timeout=PATIENT,
                                settings={**FEW_AT_A_TIME, "CONCURRENT_REQUESTS_PER_DOMAIN": "1"})
        crawls = finish_workers(workers)
    finally:
        site.stop()
    assert len(articles_served(site)) == 15 and working(crawls) >= 2
    assert site.most_at_once == 1
    assert not connect(frontier).hgetall("archiver:host:127.0.0.1:busy")  # every slot given back


def test_a_killed_worker_does_not_keep_the_host_slots(tmp_path: Path, frontier: str) -> None:
    site = ManySite(pages=4, paragraphs=2, pause=0, held=set(range(4))).start()
    one_at_a_time = {"CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
    try:
        urls = url_file(tmp_path, site)
        [(_, killed)] = start_workers(tmp_path, 1, urls, frontier, own_group=True, settings=one_at_a_time)
        site.wait_served(1)  # the worker holds the host's only slot while the server holds its request
        assert connect(frontier).hgetall("archiver:host:127.0.0.1:busy")
        os.killpg(killed.pid, signal.SIGKILL)
        killed.communicate()
        site.release()
        # the next worker gets the slot once the killed one's lease expires (ARCHIVER_WORKER_TIMEOUT)
        [crawl] = finish_workers(start_workers(tmp_path, 1, urls, frontier, settings=one_at_a_time, first=1))
    finally:
        site.release()
        site.stop()
    assert crawl.db["articles"].count == 4
    assert not connect(frontier).hgetall("archiver:host:127.0.0.1:busy")


def test_host_slots_are_leased_to_live_workers(frontier: str) -> None:
    from archiver.distributed.hosts import SharedHosts

    one, other = SharedHosts(connect(frontier), "one", 0.3), SharedHosts(connect(frontier), "other", 0.3)
    assert one.take("h.example", 1, 0) == 0
    assert other.take("h.example", 1, 0) is None  # the only slot is one's
    one.give_back("h.example")
    assert other.take("h.example", 1, 0) == 0
    other.give_back("h.example")
    assert one.take("h.example", 1, 0) == 0
    time.sleep(0.5)  # one stops beating: its lease lapses
    assert other.take("h.example", 1, 0) is not None
    assert other.in_flight("h.example") == {"other": 1}
    one.give_back("h.example")  # late: gives back nothing of another's
    assert other.in_flight("h.example") == {"other": 1}
    # send times: a second send to a host waits the delay after the first, whichever worker sends it
    other.set_crawl_delay("d.example", 2)
    assert one.take("d.example", 4, 0) == 0
    assert 1.5 < other.take("d.example", 4, 0) <= 2
    assert 1.5 < other.turn("d.example", 0) <= 2  # asking again takes no turn ahead
    assert 2.5 < other.turn("d.example", 3) <= 3  # a worker's own longer delay counts too
    # robots.txt: one live worker fetches it; a dead one's claim passes to the next
    one.beat()
    assert one.fetching("r.example") and not other.fetching("r.example")
    time.sleep(0.5)
    assert other.fetching("r.example")
    other.share_robots("r.example", 200, b"User-agent: *\nCrawl-delay: 1\n")
    assert one.robots("r.example") == (200, b"User-agent: *\nCrawl-delay: 1\n")


def test_a_crafted_pickle_in_the_frontier_is_refused_and_the_crawl_goes_on(tmp_path: Path, frontier: str) -> None:
    from test_frontier_codec import crafted_pickle

    created = tmp_path / "created-by-a-pickle"
    client = connect(frontier)
    foreign = [
        crafted_pickle(created),  # what scrapy-redis's default serializer would have unpickled: code run
        json.dumps({"url": "https://example.org/", "_class": "subprocess.Popen", "args": ["touch", str(created)]}).encode(),
        json.dumps({"url": "https://example.org/", "callback": "_set_crawler"}).encode(),
    ]
    # data, but a file: URL: decoded, then refused by the first downloader middleware before any I/O
    local = json.dumps({"url": "file:///etc/passwd", "callback": "parse", "errback": "fetch_failed"}).encode()
    client.zadd("archiver:article:requests", {entry: 0 for entry in [*foreign, local]})
    site = ManySite(pages=6, paragraphs=3, pause=0).start()
    try:
        [crawl] = finish_workers(start_workers(tmp_path, 1, url_file(tmp_path, site), frontier))
    finally:
        site.stop()
    assert not created.exists()
    assert {row["url"] for row in crawl.db.query("select url from articles")} == set(site.urls())
    assert stat([crawl], "archiver/frontier/refused") == len(foreign)
    dropped = [line for line in crawl.log.splitlines() if "Frontier: dropped a queued entry" in line]
    assert len(dropped) == len(foreign) and any("not JSON" in line for line in dropped)
    assert stat([crawl], "archiver/refused/scheme") == 1 and "Refused 'file:///etc/passwd'" in crawl.log
    assert not any(row["url"].startswith("file:") for row in crawl.db.query("select url from captures"))
    assert client.zcard("archiver:article:requests") == 0 and not list(client.scan_iter("archiver:article:inflight:*"))


def test_what_redis_holds_never_delays_a_worker_past_the_ceiling(frontier: str) -> None:
    from archiver.distributed.hosts import CRAWL_DELAYS, SharedHosts, sent_key

    client = connect(frontier)
    hosts = SharedHosts(client, "one", 5)
    client.hset(CRAWL_DELAYS, "slow.example", 86_400_000)  # written by whoever can write to Redis
    assert hosts.take("slow.example", 4, 0, ceiling=2) == 0
    assert 1.5 < hosts.turn("slow.example", 0, ceiling=2) <= 2  # the day asked counts as the ceiling
    assert hosts.turn("slow.example", 0) > 80_000  # without one, as asked
    server_ms = int(client.time()[0]) * 1000
    client.set(sent_key("future.example"), server_ms + 86_400_000)  # a send "tomorrow": none
    assert hosts.take("future.example", 4, 0, ceiling=2) == 0
