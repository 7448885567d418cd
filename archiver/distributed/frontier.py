"""The shared frontier's bookkeeping in Redis: workers, heartbeats, the requests each one holds.

Scrapy-free.  scrapy-redis keeps the frontier (a sorted set of serialized
requests, ``archiver:SPIDER:requests``) and the duplicate filter
(``archiver:SPIDER:dupefilter``); it pops a request and forgets it.  Here a
worker *claims* a request instead: one Lua script moves it from the frontier
into the worker's own in-flight set (``archiver:SPIDER:inflight:WORKER``),
and it leaves that set only when its response has been archived and filed
(:meth:`Frontier.done`).  Every worker writes a heartbeat (``archiver:SPIDER:workers``,
the Redis server's clock, so machines need not agree on the time); any
worker that finds another silent for longer than the timeout puts that
one's in-flight requests back in the frontier.  The scripts are atomic, so
two workers never both take back the same requests.

A plain Redis server (not a cluster): the scripts touch keys they compute.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "

# KEYS: workers, queue; ARGV: inflight key prefix, timeout ms, this worker.
# Puts the in-flight requests of every silent worker back in the queue; returns how many.
_RECLAIM = _NOW + """
local moved = 0
local seen = redis.call('HGETALL', KEYS[1])
for i = 1, #seen, 2 do
  if seen[i] ~= ARGV[3] and now - tonumber(seen[i + 1]) > tonumber(ARGV[2]) then
    local key = ARGV[1] .. seen[i]
    local held = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
    for j = 1, #held, 2 do
      redis.call('ZADD', KEYS[2], held[j + 1], held[j])
      moved = moved + 1
    end
    redis.call('DEL', key)
    redis.call('HDEL', KEYS[1], seen[i])
  end
end
"""

# KEYS: workers, queue; ARGV: inflight prefix, timeout ms, this worker.  Heartbeat, then reclaim.
_HEARTBEAT = _RECLAIM + "redis.call('HSET', KEYS[1], ARGV[3], now) return moved"

# KEYS: workers, queue, dupefilter; ARGV: inflight prefix, timeout ms, this worker.
# A worker joining a frontier nobody works on (empty, nothing held, no worker
# heard from within the timeout) starts a new run: the duplicate filter of the
# last run is forgotten.  Otherwise it joins the run (or resumes a killed one).
_JOIN = _NOW + """
local fresh = redis.call('ZCARD', KEYS[2]) == 0
local seen = redis.call('HGETALL', KEYS[1])
for i = 1, #seen, 2 do
  if seen[i] ~= ARGV[3] and (now - tonumber(seen[i + 1]) <= tonumber(ARGV[2])
      or redis.call('ZCARD', ARGV[1] .. seen[i]) > 0) then
    fresh = false
  end
end
if fresh then
  redis.call('DEL', KEYS[3], KEYS[1])
end
redis.call('HSET', KEYS[1], ARGV[3], now)
if fresh then return 1 else return 0 end
"""

# KEYS: queue, inflight.  The best request (lowest score) moves to the worker's in-flight set.
_CLAIM = """
local best = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #best == 0 then return false end
redis.call('ZREM', KEYS[1], best[1])
redis.call('ZADD', KEYS[2], best[2], best[1])
return best[1]
"""

# KEYS: queue, inflight.  This worker's in-flight requests go back to the queue.
_RELEASE = """
local held = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for j = 1, #held, 2 do redis.call('ZADD', KEYS[1], held[j + 1], held[j]) end
redis.call('DEL', KEYS[2])
return #held / 2
"""

# KEYS: workers; ARGV: inflight prefix.  Requests held by all workers, live or silent.
_HELD = """
local total = 0
local seen = redis.call('HKEYS', KEYS[1])
for i = 1, #seen do total = total + redis.call('ZCARD', ARGV[1] .. seen[i]) end
return total
"""


def worker_name() -> str:
    """This worker's name: host and process id (also in its WARC file names)."""
    host = "".join(c if c.isalnum() or c in "-_" else "-" for c in socket.gethostname()) or "host"
    return f"{host}-{os.getpid()}"


def connect(url: str) -> Any:
    """A Redis client for ``url`` (``redis://HOST:PORT/DB``), bytes in and out."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=30, retry_on_timeout=True)


def redis_error() -> type[Exception]:
    """redis-py's base exception, for ``except redis_error():`` around Redis calls.

    Python evaluates an except clause only when an exception reaches it, and
    those calls happen only in a distributed crawl: a crawl of one process
    never loads redis-py (5 MiB).
    """
    from redis.exceptions import RedisError

    return RedisError


@dataclass(frozen=True)
class Keys:
    """The Redis keys of one spider's frontier."""

    spider: str

    @property
    def queue(self) -> str:
        return f"archiver:{self.spider}:requests"

    @property
    def dupefilter(self) -> str:
        return f"archiver:{self.spider}:dupefilter"

    @property
    def workers(self) -> str:
        return f"archiver:{self.spider}:workers"

    @property
    def inflight_prefix(self) -> str:
        return f"archiver:{self.spider}:inflight:"


class Frontier:
    """One worker's view of a spider's shared frontier: claims, heartbeats, dead workers' requests taken back."""

    def __init__(self, client: Any, spider: str, worker: str, timeout: float):
        self.client = client
        self.keys = Keys(spider)
        self.worker = worker
        self.timeout_ms = int(timeout * 1000)
        self.inflight = self.keys.inflight_prefix + worker
        script = client.register_script
        self._join, self._heartbeat, self._claim = script(_JOIN), script(_HEARTBEAT), script(_CLAIM)
        self._release, self._held = script(_RELEASE), script(_HELD)

    def _args(self) -> list[Any]:
        return [self.keys.inflight_prefix, self.timeout_ms, self.worker]

    def join(self) -> bool:
        """Register this worker; True when it starts a new run (the last run's duplicate filter forgotten)."""
        return bool(self._join(keys=[self.keys.workers, self.keys.queue, self.keys.dupefilter], args=self._args()))

    def heartbeat(self) -> int:
        """Say this worker is alive; take back the requests of silent workers.  Returns how many were taken back."""
        return int(self._heartbeat(keys=[self.keys.workers, self.keys.queue], args=self._args()))

    def claim(self) -> bytes | None:
        """The frontier's best request, now held by this worker; None when the frontier is empty."""
        found = self._claim(keys=[self.keys.queue, self.inflight])
        return found or None

    def done(self, data: bytes) -> None:
        """A claimed request is archived and filed: this worker no longer holds it."""
        self.client.zrem(self.inflight, data)

    def release(self) -> int:
        """Put back every request this worker holds (it stops before handling them)."""
        return int(self._release(keys=[self.keys.queue, self.inflight]))

    def queued(self) -> int:
        """Requests waiting in the frontier."""
        return int(self.client.zcard(self.keys.queue))

    def held(self) -> int:
        """Requests held by any worker, live or silent."""
        return int(self._held(keys=[self.keys.workers], args=[self.keys.inflight_prefix]))
