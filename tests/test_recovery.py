"""Recovery after a crash: the gzip member walker ends on every input, and a killed crawl's big record is kept.

The walker (:func:`archiver.archive.recovery.whole_members_end`) is checked on
generated files: members of every size on both sides of each power of two up
to several MiB, compressible or not, with and without optional gzip header
fields, cut inside a header, inside the deflate data, inside the trailer or
between members, and followed by garbage.  Then a real crawl is killed with
``kill -9`` while a page of several MiB sits in its open WARC file.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import time
import tracemalloc
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from archiver.archive.recovery import READ_SIZE, whole_members_end
from conftest import Crawl, run_archiver, run_crawl, start_crawl
from loopback import LoopbackSite, Reply
from test_stopping import assert_archive_whole

MIB = 1 << 20
HANG = 60  # seconds: a hang detector, not a measure
LARGEST_POWER = 22  # members up to 4 MiB (and a little over) of content
WORDS = b"council budget river bridge harbour school election minister vote report storm energy price ".split()


@dataclass(frozen=True)
class Member:
    """One gzip member and where its parts end."""

    size: int  # of its content
    header: bytes
    body: bytes
    trailer: bytes

    @property
    def raw(self) -> bytes:
        return self.header + self.body + self.trailer


@lru_cache(maxsize=None)
def content(size: int, kind: str) -> bytes:
    """``size`` bytes: text (compresses well), noise (does not), or half of each."""
    rng = random.Random(size)
    if kind == "text":
        phrase = b" ".join(rng.choice(WORDS) for _ in range(997))
        return (phrase * (size // len(phrase) + 1))[:size]
    if kind == "noise":
        return rng.randbytes(size)
    return content(size // 2, "text") + content(size - size // 2, "noise")


@lru_cache(maxsize=None)
def member(size: int, kind: str, fields: bool) -> Member:
    """A gzip member of ``size`` bytes of content; ``fields`` adds FEXTRA, FNAME, FCOMMENT and FHCRC to its header."""
    data = content(size, kind)
    if fields:
        extra = b"AB" + struct.pack("<H", 300) + bytes(300)
        fixed = b"\x1f\x8b\x08" + bytes([0x02 | 0x04 | 0x08 | 0x10]) + bytes(4) + b"\x00\xff"
        header = fixed + struct.pack("<H", len(extra)) + extra + b"record.warc\x00" + b"a comment\x00"
        header += struct.pack("<H", zlib.crc32(header) & 0xFFFF)
    else:
        header = b"\x1f\x8b\x08\x00" + bytes(4) + b"\x00\xff"
    # noise is stored as it is (level 0), which is quick and makes the compressed side as big as the content
    deflater = zlib.compressobj(0 if kind == "noise" else 1, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = deflater.compress(data) + deflater.flush()
    return Member(size, header, body, struct.pack("<II", zlib.crc32(data), size & 0xFFFFFFFF))


def around_powers(largest: int) -> st.SearchStrategy[int]:
    """Sizes on both sides of a power of two (and on it), up to ``2**largest + 1``; half of them of the top four powers."""
    powers = st.one_of(st.sampled_from(range(largest + 1)), st.sampled_from(range(largest - 3, largest + 1)))
    return st.builds(lambda power, delta: max(0, (1 << power) + delta), powers, st.sampled_from([-1, 0, 1]))


def members(largest: int) -> st.SearchStrategy[Member]:
    return st.builds(member, around_powers(largest), st.sampled_from(["text", "noise", "mixed"]), st.booleans())


CUTS = ["between", "header", "deflate", "trailer"]
GARBAGE = {
    "none": lambda rng: b"",
    "noise": lambda rng: rng.randbytes(rng.randint(1, 5000)),
    "zeros": lambda rng: bytes(rng.randint(1, 5000)),
    "gzip magic": lambda rng: b"\x1f\x8b\x08\x00" + rng.randbytes(rng.randint(0, 5000)),
    "bad header": lambda rng: b"\x1f\x8b\x09\x00" + bytes(6),
}


def cut_file(whole: list[Member], cut: str, where: float, garbage: str, seed: int) -> tuple[bytes, int]:
    """The whole members, then maybe a member cut at ``cut`` (``where`` places it in that part), then garbage.

    Returns the file and the offset just past its last whole member.
    """
    expected = sum(len(m.raw) for m in whole)
    data = b"".join(m.raw for m in whole)
    if cut != "between" and whole:
        last = whole[-1]
        part = {"header": last.header, "deflate": last.body, "trailer": last.trailer}[cut]
        start = {"header": 0, "deflate": len(last.header), "trailer": len(last.header) + len(last.body)}[cut]
        at = start + min(int(where * len(part)), len(part) - 1)  # inside that part: never its whole
        data = data[: expected - len(last.raw) + at]
        expected -= len(last.raw)
        if garbage == "zeros":  # zeros can be the very bytes cut away (an empty member's end is all zeros)
            garbage = "none"
    return data + GARBAGE[garbage](random.Random(seed)), expected


def walk(data: bytes, read_size: int = READ_SIZE) -> int:
    """``whole_members_end`` over ``data``; a walk that has not ended after a minute fails (a hang detector)."""
    def hung(signum: int, frame: object) -> None:
        raise AssertionError(f"the walk over {len(data)} bytes did not end")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(HANG)
    try:
        return whole_members_end(io.BytesIO(data), read_size)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check(whole: list[Member], cut: str, where: float, garbage: str, seed: int, read_size: int) -> None:
    data, expected = cut_file(whole, cut, where, garbage, seed)
    assert walk(data, read_size) == expected


walks = dict(cut=st.sampled_from(CUTS), where=st.floats(0, 1), garbage=st.sampled_from(list(GARBAGE)),
             seed=st.integers(0, 2**32))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(whole=st.lists(members(LARGEST_POWER), min_size=0, max_size=3), **walks)
def test_the_walker_ends_at_the_last_whole_member_of_any_size(whole, cut, where, garbage, seed) -> None:
    event(f"a member's content over one step (1 MiB): {any(m.size > READ_SIZE for m in whole)}")
    event(f"a member over one read (1 MiB): {any(len(m.raw) > READ_SIZE for m in whole)}")
    event(f"cut {cut if whole else 'nothing'}, garbage {garbage}")
    check(whole, cut, where, garbage, seed, READ_SIZE)


@settings(max_examples=1000, deadline=None)
@given(whole=st.lists(members(12), min_size=0, max_size=5), read_size=around_powers(10).map(lambda n: max(n, 1)),
       **walks)
def test_the_walker_ends_whatever_its_reads_and_steps(whole, cut, where, garbage, seed, read_size) -> None:
    # the same walk with small reads and steps puts every boundary of the file on a read's edge
    check(whole, cut, where, garbage, seed, read_size)


@settings(max_examples=500, deadline=None)
@given(data=st.binary(max_size=3000), read_size=st.integers(1, 64))
def test_the_walker_ends_on_any_bytes(data: bytes, read_size: int) -> None:
    assert 0 <= walk(data, read_size) <= len(data)


def test_the_walker_holds_one_step_however_big_a_member_is() -> None:
    # 64 MiB of content in a member of 64 KiB: what a page full of repeats compresses to
    bomb = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    data = b"".join(bomb.compress(bytes(MIB)) for _ in range(64)) + bomb.flush()
    tracemalloc.start()
    try:
        assert walk(data + data[:100]) == len(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * READ_SIZE, peak


# A real crawl killed while its open WARC file holds a page of several MiB.

BIG_PAGE_BYTES = 2 * MIB + 1  # over the walker's 1 MiB step (the hang needed one byte more than 1 MiB)


def big_article(number: int, size: int) -> bytes:
    """An article page of about ``size`` bytes, of text that compresses as prose does."""
    rng = random.Random(number)
    paragraphs, length = [], 0
    while length < size:
        paragraph = "<p>" + " ".join(rng.choice(WORDS).decode() for _ in range(60)) + f" ({number}.{len(paragraphs)}).</p>"
        paragraphs.append(paragraph)
        length += len(paragraph)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Long read {number}</title>"
            f"<meta property='og:type' content='article'></head><body><article><h1>Long read {number}</h1>"
            + "\n".join(paragraphs) + "</article></body></html>").encode()


class BigSite(LoopbackSite):
    """``/big/N.html``: pages of several MiB answered at once; ``/slow/N.html``: small pages answered after a pause."""

    def __init__(self, big: int, slow: int, pause: float) -> None:
        super().__init__()
        self.big, self.slow, self.pause = big, slow, pause

    def urls(self) -> list[str]:
        return [self.url(f"/big/{n}.html") for n in range(self.big)] + [self.url(f"/slow/{n}.html") for n in range(self.slow)]

    def route(self, path: str) -> Reply:
        html = [(b"Content-Type", b"text/html; charset=utf-8")]
        if path == "/robots.txt":
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")], b"User-agent: *\nAllow: /\n")
        if match := re.fullmatch(r"/big/(\d+)\.html", path):
            return Reply(200, "OK", html, big_article(int(match[1]), BIG_PAGE_BYTES))
        if match := re.fullmatch(r"/slow/(\d+)\.html", path):
            time.sleep(self.pause)
            return Reply(200, "OK", html, big_article(1000 + int(match[1]), 20_000))
        return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"no such page")


def wait_for_big_capture(db_path: Path, process: subprocess.Popen, timeout: float = 240) -> None:
    """Until the crawl has committed the capture of a big page (its record is in the open WARC file)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the crawl ended before it could be killed"
        if db_path.exists():
            db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
            try:
                if db.execute("SELECT count(*) FROM captures WHERE url LIKE '%/big/%'").fetchone()[0]:
                    return
            except sqlite3.OperationalError:  # no tables yet
                pass
            finally:
                db.close()
        time.sleep(0.2)
    raise AssertionError("the big page was never captured")


@pytest.mark.crawl
def test_after_kill_9_with_a_big_record_open_the_next_crawl_and_reextract_read_every_capture(tmp_path: Path) -> None:
    site = BigSite(big=1, slow=30, pause=0.4).start()
    try:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(site.urls()) + "\n", encoding="utf-8")
        # one request at a time: the big pages first, then the slow ones keep the crawl going
        # (extracting the big page takes seconds, more on a loaded machine: no watchdog here)
        settings = {"CONCURRENT_REQUESTS": "1", "ARCHIVER_EXTRACT_TIMEOUT": "0"}
        process = start_crawl(tmp_path, "article", {"urls": str(urls)}, settings, own_group=True)
        wait_for_big_capture(tmp_path / "archive.db", process)
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=90)
        killed = Crawl(process.returncode, "", "", tmp_path / "archive.db", tmp_path / "warcs")
        [left_open] = killed.warc_dir.glob("*.open")
        captured = killed.db["captures"].count
        # the same wreck twice: one for `archiver reextract` to open first, one for the next crawl
        other = tmp_path / "other"
        shutil.copytree(killed.warc_dir, other / "warcs")
        for path in tmp_path.glob("archive.db*"):
            shutil.copy(path, other / path.name)
        first = run_archiver("reextract", "--db", str(other / "archive.db"), "--warc-dir", str(other / "warcs"))

        # a generous timeout: before the fix both hung for ever
        rerun = run_crawl(tmp_path, "article", {"urls": str(urls)}, settings)
    finally:
        site.stop()
    assert first.returncode == 0, first.stderr[-3000:]
    assert "After an earlier crash: finished the rows of killed crawls 1; closed the WARC file" in first.stderr
    assert_archive_whole(Crawl(0, "", "", other / "archive.db", other / "warcs"))

    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "After an earlier crash: finished the rows of killed crawls 1" in rerun.stderr
    assert rerun.db["captures"].count >= captured
    assert_archive_whole(rerun)
    # the big record the killed crawl wrote is read from the file it left open
    [big] = rerun.db.query("SELECT warc_filename FROM captures WHERE crawl_id = 1 AND url LIKE '%/big/%'")
    assert big["warc_filename"] == left_open.name.removesuffix(".open")
    assert {row["url"] for row in rerun.db.query("select url from articles")} == set(site.urls())

    done = run_archiver("reextract", "--db", str(rerun.db_path), "--warc-dir", str(rerun.warc_dir))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "unreadable" not in done.stdout or " 0 unreadable" in done.stdout, done.stdout
