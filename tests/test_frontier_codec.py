"""The shared frontier stores requests as data: JSON of Scrapy's Request.to_dict, never pickles.

Every value a request of ours carries round-trips (bytes bodies and headers, a re-check's Previous record,
datetimes, tuples, dicts with keys JSON has no place for); anything else is refused by name; and what loads
reads back is data or a FrontierDataError: a pickle, a foreign request class, a private callback, garbage.
"""

from __future__ import annotations

import json
import pickle
import random
from datetime import datetime, timezone
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.utils.request import request_from_dict

from archiver.formats.records import Previous
from archiver.formats.warc import RefersTo
from archiver.crawl.serializer import FrontierDataError, dumps, loads
from spiders.feed import FeedSpider


class CreatesAFile:
    """Unpickled, it creates a file: what a crafted frontier entry could do."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return open, (str(self.path), "w")


def crafted_pickle(path: Path) -> bytes:
    return pickle.dumps(CreatesAFile(path), protocol=pickle.HIGHEST_PROTOCOL)


def test_a_recheck_request_round_trips_as_json() -> None:
    spider = FeedSpider(url="https://example.org/feed.xml")
    previous = Previous(7, RefersTo("<urn:uuid:1>", "https://example.org/a", datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc),
                                    "sha1:ABC"))
    request = Request("https://example.org/a", callback=spider.parse_article, errback=spider.fetch_failed,
                      method="POST", body=bytes(range(256)), headers={"If-None-Match": b'"\xff"'},
                      meta={"archiver_previous": previous, "handle_httpstatus_list": [304], "status": ("HTTP/1.1", 200, b"OK"),
                            "$odd": {1: "one", b"k": None}, "depth": 2, "latency": 0.5},
                      cb_kwargs={"hints": {"title": "Zürich", "date": "2026-11-02"}}, priority=-3, dont_filter=True)
    data = dumps(request.to_dict(spider=spider))
    assert isinstance(json.loads(data), dict) and not data.startswith(b"\x80")  # JSON, not a pickle
    back = request_from_dict(loads(data), spider=spider)
    assert back.to_dict(spider=spider) == request.to_dict(spider=spider)
    assert back.callback == spider.parse_article and back.meta["archiver_previous"] == previous


def test_a_value_the_frontier_does_not_store_is_refused_by_name() -> None:
    with pytest.raises(FrontierDataError, match=r"request\['meta'\]\['seen'\] holds a set"):
        dumps(Request("https://example.org/", meta={"seen": {1, 2}}).to_dict())


@pytest.mark.parametrize("entry, why", [
    ("pickle", "not JSON"),
    ({"url": "https://example.org/", "_class": "subprocess.Popen"}, "request class that is not Scrapy's"),
    ({"url": "https://example.org/", "callback": "__init__"}, "not a public method name"),
    ({"url": "https://example.org/", "meta": {"x": {"$record": ["CreatesAFile", {}]}}}, "malformed \\$record"),
    ({"url": "https://example.org/", "meta": {"x": {"$eval": "1"}}}, "unknown tag"),
    ({"url": "https://example.org/", "body": {"$bytes": "not base64!"}}, "malformed \\$bytes"),
    (["https://example.org/"], "not a request"),
])
def test_what_is_not_a_request_as_data_is_refused(entry, why, tmp_path: Path) -> None:
    target = tmp_path / "created"
    data = crafted_pickle(target) if entry == "pickle" else json.dumps(entry).encode()
    with pytest.raises(FrontierDataError, match=why):
        loads(data)
    assert not target.exists()


def test_loads_ends_on_any_bytes_with_data_or_a_refusal() -> None:
    """Generated: random bytes, truncations and mutations of a real entry, and deep nesting."""
    rng = random.Random(10)
    good = dumps(Request("https://example.org/a", body=b"\x00\x01", meta={"t": (1, b"x")}).to_dict())
    cases = [bytes(rng.randrange(256) for _ in range(rng.randrange(64))) for _ in range(1000)]
    cases += [good[:cut] for cut in range(len(good))]
    for _ in range(2000):
        mutated = bytearray(good)
        mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        cases.append(bytes(mutated))
    cases += [b"[" * 100_000, b'{"url":"x","meta":' + b'{"a":' * 5000 + b"1" + b"}" * 5001]
    for data in cases:
        try:
            assert isinstance(loads(data), dict)
        except FrontierDataError:
            pass
