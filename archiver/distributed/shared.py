"""What the workers of a distributed crawl share besides the frontier: re-check state and Retry-After pauses.

Scrapy-free.  Each worker files into its own shard, so "is this URL already
archived, is its re-check due, which validators does a conditional GET send"
cannot be read from one database: every worker publishes a URL's state here
after filing it (``archiver:recheck``, a hash of JSON; ``archiver:due:SITE``,
a sorted set by next check, by the site of :mod:`archiver.values.sites`), and
reads it before fetching.  A ``Retry-After``
pause of a host is kept in ``archiver:pauses`` (host slot -> until, on the
Redis server's clock) and honoured by every worker.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from archiver.values.dates import iso_utc, parse_date
from archiver.values.sites import site_of, site_of_host
from archiver.formats.records import Previous, RecheckState
from archiver.formats.warc import RefersTo

RECHECK = "archiver:recheck"
DUE = "archiver:due:"  # + site
DUE_BY_SITE = "archiver:due-by-site"  # set once the due sets of an older version (by host) are merged by site
PAUSES = "archiver:pauses"
PAUSES_REFRESH = 1.0  # seconds between reads of the pauses by one worker

# KEYS: pauses; ARGV: slot, milliseconds.  The pause ends at the later of the old and the new end.
_PAUSE = """
local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ = now + tonumber(ARGV[2])
local old = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if old > until_ then until_ = old end
redis.call('HSET', KEYS[1], ARGV[1], until_)
return until_
"""


def due_key(site: str) -> str:
    """The sorted set of a site's archived URLs by next check (any host name of the site gives the same)."""
    return DUE + site_of_host(site)


def merge_due_by_site(client: Any) -> int:
    """Merge the due sets an older version kept by host into their sites' sets, once a Redis database; how many.

    Idempotent and safe with workers running: ``ZUNIONSTORE`` is atomic, a URL is in one set.
    """
    if client.get(DUE_BY_SITE):
        return 0
    merged = 0
    for key in client.scan_iter(match=DUE + "*", count=1000):
        name = key.decode("utf-8", "replace")[len(DUE):]
        if due_key(name) != DUE + name:
            client.zunionstore(due_key(name), [due_key(name), key], aggregate="MIN")
            client.delete(key)
            merged += 1
    client.set(DUE_BY_SITE, "1")
    return merged


def to_shared(state: RecheckState) -> str:
    """A URL's re-check state as published: when it is due, its validators, the record that holds its bytes."""
    refers = state.previous.refers_to if state.previous else None
    return json.dumps({
        "next_check_at": state.next_check_at, "etag": state.etag, "last_modified": state.last_modified,
        "record_id": refers.record_id if refers else None, "uri": refers.url if refers else None,
        "date": iso_utc(refers.date, "microseconds") if refers and refers.date else None,
        "digest": refers.payload_digest if refers else None,
    }, sort_keys=True)


def combined(local: RecheckState | None, shared: str | bytes | None) -> RecheckState | None:
    """The state every worker agrees on (the shared one), with this shard's capture when it holds the record.

    A record held by another shard gives a ``Previous`` without a capture id:
    the revisit refers to the record by its WARC-Record-ID, and ``archiver
    merge`` links the two captures.
    """
    if shared is None:
        return local
    found = json.loads(shared)
    previous = None
    if found["record_id"]:
        if local is not None and local.previous is not None and local.previous.refers_to.record_id == found["record_id"]:
            previous = local.previous
        else:
            refers = RefersTo(found["record_id"], found["uri"], parse_date(found["date"]), found["digest"])
            previous = Previous(None, refers)
    return RecheckState(found["next_check_at"], previous, found["etag"], found["last_modified"])


class SharedState:
    """The re-check state and pauses all workers of a Redis database share."""

    def __init__(self, client: Any):
        self.client = client
        merge_due_by_site(client)
        self._pause = client.register_script(_PAUSE)
        self._pauses: dict[str, float] = {}  # slot -> until, local monotonic clock
        self._read_at = float("-inf")

    # re-checks ---------------------------------------------------------------

    def recheck_state(self, url: str, local: RecheckState | None) -> RecheckState | None:
        """The URL's state as every worker sees it (``local``: this shard's)."""
        return combined(local, self.client.hget(RECHECK, url))

    def publish(self, url: str, state: RecheckState | None) -> None:
        """Publish a URL's state after filing it, and index when it is due, by its site."""
        if state is None:
            return
        pipe = self.client.pipeline(transaction=False)
        pipe.hset(RECHECK, url, to_shared(state))
        due = parse_date(state.next_check_at) if state.next_check_at else None
        if due is None:
            pipe.zrem(due_key(site_of(url)), url)
        else:
            pipe.zadd(due_key(site_of(url)), {url: due.timestamp()})
        pipe.execute()

    def due_urls(self, site: str, now: datetime, limit: int) -> list[str]:
        """Archived article URLs of a site (any host name of it) whose re-check is due, whichever worker archived them."""
        found = self.client.zrangebyscore(due_key(site), "-inf", now.timestamp(), start=0, num=limit)
        return [url.decode() for url in found]

    # pauses ---------------------------------------------------------------------

    def pause(self, slot: str, seconds: float) -> None:
        """Pause every worker's requests to a download slot for ``seconds`` (the later end wins)."""
        self._pause(keys=[PAUSES], args=[slot, int(seconds * 1000)])
        self._read_at = float("-inf")

    def paused_for(self, slot: str) -> float:
        """Seconds this slot is still paused by any worker (read from Redis at most once a second)."""
        now = time.monotonic()
        if now - self._read_at >= PAUSES_REFRESH:
            self._read_at = now
            pipe = self.client.pipeline(transaction=False)
            pipe.time()
            pipe.hgetall(PAUSES)
            (seconds, micros), pauses = pipe.execute()
            server_ms = seconds * 1000 + micros // 1000
            self._pauses = {key.decode(): now + (int(until) - server_ms) / 1000
                            for key, until in pauses.items() if int(until) > server_ms}
        return max(0.0, self._pauses.get(slot, now) - now)
