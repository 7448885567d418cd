"""What the workers of a distributed crawl share per host: in-flight slots, send times, robots.txt.

Scrapy-free.  A host (a download slot key) has, in Redis:

- ``archiver:host:SLOT:busy``: how many requests each worker has in flight
  there (a hash, worker -> count).  A worker *takes* a slot before sending
  and gives it back when the response (or the failure) is in; one Lua script
  counts the slots of live workers only, so a killed worker's slots come back
  once its ``archiver:alive:WORKER`` key (refreshed every quarter of the
  worker timeout) expires.
- ``archiver:host:SLOT:sent``: when a worker last sent there (the Redis
  server's clock).  A worker holding a slot asks for its *turn*: when
  ``delay`` has passed since that send, the time is now its send and it
  sends at once; else it is told how long to wait, and asks again then.  The
  turn is taken at the moment of sending (not reserved ahead), so a worker
  that wakes late never sends closer than ``delay`` after another's send:
  sends to a host are ``delay`` apart across all workers together.
- ``archiver:crawl_delays``: each host's robots.txt ``Crawl-delay`` (ms), a
  floor of every worker's delay there.
- ``archiver:robots:NETLOC``: the robots.txt one worker fetched (status and
  body, kept a day), which the others parse instead of fetching it again;
  ``archiver:robots:NETLOC:fetching`` names the worker fetching it, until it
  is done or its ``alive`` key lapses.
"""

from __future__ import annotations

import json
from typing import Any

CRAWL_DELAYS = "archiver:crawl_delays"
ALIVE_PREFIX = "archiver:alive:"
ROBOTS_TTL = 24 * 3600  # seconds a fetched robots.txt is shared (RFC 9309: cache it at most a day)
FETCHING_TTL = 600  # seconds other workers wait at most for one live worker's robots.txt fetch
SENT_MEMORY_MS = 600_000  # a host's last send time is forgotten this long after it (or its delay)

NO_CEILING = 1e9  # seconds: a delay without a ceiling (about 31 years)
_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "

# KEYS[2] sent, KEYS[3] crawl delays; ARGV[1] slot, ARGV[4] delay ms, ARGV[7] the longest Crawl-delay ms.
# 0: this worker's turn, now (recorded as the host's last send); else the milliseconds until the
# turn comes.  What Redis holds is bounded: a Crawl-delay past the longest (written by anyone who
# can write to Redis) counts as the longest, and a send time in the future as none.
_TURN_BODY = """
local shared = math.min(tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0'), tonumber(ARGV[7]))
local delay = math.max(tonumber(ARGV[4]), shared)
local sent = tonumber(redis.call('GET', KEYS[2]) or '')
if sent and sent <= now and sent + delay > now then return sent + delay - now end
redis.call('SET', KEYS[2], now, 'PX', math.max(delay, %d))
return 0
""" % SENT_MEMORY_MS

# KEYS: busy, sent, crawl delays; ARGV: slot, worker, limit, delay ms, alive prefix, timeout ms, longest Crawl-delay ms.
# -1: the host has `limit` requests in flight across live workers.  Else the slot is taken,
# and the turn asked for (see _TURN).
_TAKE = _NOW + """
redis.call('SET', ARGV[5] .. ARGV[2], now, 'PX', ARGV[6])
local held = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #held, 2 do
  if held[i] == ARGV[2] or redis.call('EXISTS', ARGV[5] .. held[i]) == 1 then
    total = total + tonumber(held[i + 1])
  else
    redis.call('HDEL', KEYS[1], held[i])
  end
end
if total >= tonumber(ARGV[3]) then return -1 end
redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
""" + _TURN_BODY

# The same keys and arguments as _TAKE (KEYS[1], ARGV[2], ARGV[3], ARGV[5], ARGV[6] unused): the turn alone.
_TURN = _NOW + _TURN_BODY

# KEYS: busy; ARGV: worker.  One of this worker's slots at the host is free again.
_GIVE_BACK = """
local count = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if count > 1 then redis.call('HINCRBY', KEYS[1], ARGV[1], -1) else redis.call('HDEL', KEYS[1], ARGV[1]) end
return count
"""


# KEYS: fetching; ARGV: worker, alive prefix, seconds.  1: this worker is to fetch the robots.txt
# (nobody is, or the worker that was is dead); 0: a live worker is fetching it.
_FETCHING = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. holder) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
"""


def busy_key(slot: str) -> str:
    return f"archiver:host:{slot}:busy"


def sent_key(slot: str) -> str:
    return f"archiver:host:{slot}:sent"


def robots_key(netloc: str) -> str:
    return f"archiver:robots:{netloc}"


class SharedHosts:
    """One worker's share of every host: slots taken and given back, send times reserved, robots.txt."""

    def __init__(self, client: Any, worker: str, timeout: float):
        self.client = client
        self.worker = worker
        self.timeout_ms = int(timeout * 1000)
        script = client.register_script
        self._take, self._turn, self._give_back = script(_TAKE), script(_TURN), script(_GIVE_BACK)
        self._fetching = script(_FETCHING)

    # slots and send times --------------------------------------------------------

    def _run(self, script: Any, slot: str, limit: int, delay: float, ceiling: float) -> int:
        return int(script(keys=[busy_key(slot), sent_key(slot), CRAWL_DELAYS],
                          args=[slot, self.worker, limit, int(delay * 1000), ALIVE_PREFIX, self.timeout_ms,
                                int(min(ceiling, NO_CEILING) * 1000)]))

    def take(self, slot: str, limit: int, delay: float, ceiling: float = NO_CEILING) -> float | None:
        """Take one of the host's ``limit`` slots, and ask for the turn to send (see :meth:`turn`);
        no ``Crawl-delay`` read from Redis counts for more than ``ceiling`` seconds (``ARCHIVER_CRAWL_DELAY_MAX``).

        None when every slot is taken (try again later); else the slot is
        this worker's, and the seconds to wait are as :meth:`turn` says.
        """
        wait = self._run(self._take, slot, limit, delay, ceiling)
        return None if wait < 0 else wait / 1000

    def turn(self, slot: str, delay: float, ceiling: float = NO_CEILING) -> float:
        """0 when this worker may send now (``delay``, or the host's ``Crawl-delay`` up to ``ceiling``, has passed
        since any worker's last send: now is the host's last send); else the seconds to wait before asking again."""
        return self._run(self._turn, slot, 0, delay, ceiling) / 1000

    def give_back(self, slot: str) -> None:
        """The response (or the failure) is in: the slot is free for any worker."""
        self._give_back(keys=[busy_key(slot)], args=[self.worker])

    def in_flight(self, slot: str) -> dict[str, int]:
        """Requests in flight at the host, by worker (dead workers' included until someone takes a slot there)."""
        return {worker.decode(): int(count) for worker, count in self.client.hgetall(busy_key(slot)).items()}

    def beat(self) -> None:
        """This worker is alive: its slots stay taken for another worker timeout."""
        self.client.set(ALIVE_PREFIX + self.worker, 1, px=self.timeout_ms)

    def leave(self) -> None:
        """This worker stops: any slot it still holds is free at once."""
        self.client.delete(ALIVE_PREFIX + self.worker)

    def set_crawl_delay(self, slot: str, seconds: float) -> None:
        """A host's robots.txt ``Crawl-delay``: the least gap between any two workers' sends there."""
        self.client.hset(CRAWL_DELAYS, slot, int(seconds * 1000))

    # robots.txt -----------------------------------------------------------------

    def robots(self, netloc: str) -> tuple[int, bytes] | None:
        """The robots.txt of ``netloc`` another worker fetched: its status and body; None if none did."""
        found = self.client.get(robots_key(netloc))
        if found is None:
            return None
        head, _, body = found.partition(b"\n")
        return int(json.loads(head)["status"]), body

    def fetching(self, netloc: str) -> bool:
        """Claim the fetch of a host's robots.txt: True for this worker, False while a live one is fetching it."""
        return bool(self._fetching(keys=[robots_key(netloc) + ":fetching"], args=[self.worker, ALIVE_PREFIX, FETCHING_TTL]))

    def share_robots(self, netloc: str, status: int, body: bytes) -> None:
        """Share a fetched robots.txt with every worker (for a day)."""
        pipe = self.client.pipeline(transaction=False)
        pipe.set(robots_key(netloc), json.dumps({"status": status}).encode() + b"\n" + body, ex=ROBOTS_TTL)
        pipe.delete(robots_key(netloc) + ":fetching")
        pipe.execute()

    def robots_failed(self, netloc: str) -> None:
        """This worker could not fetch that robots.txt: the others fetch it themselves."""
        self.client.delete(robots_key(netloc) + ":fetching")
