"""`archiver import` trusts no length, target or gzip member of a file: each record it cannot trust is skipped with
a line naming the file and the byte offset, reading goes on after it, and the exit status says so."""

from __future__ import annotations

import gzip
import random
import subprocess
from pathlib import Path

import pytest
import sqlite_utils

from archiver.formats.warc import read_response
from archiver.archive.warcimport import ImportedRecord, Skipped, read_records
from conftest import run_archiver
from handmadewarc import gzipped, response

GOOD = [f"http://news.example/{n}" for n in range(5)]


def import_(tmp: Path, source: Path) -> subprocess.CompletedProcess:
    return run_archiver("import", str(source), "--db", str(tmp / "archive.db"), "--warc-dir", str(tmp / "warcs"),
                        "--workers", "1")


def damaged_member(record: bytes) -> bytes:
    """A gzip member whose deflate stream is broken in its middle."""
    member = bytearray(gzip.compress(record))
    for i in range(len(member) // 2, len(member) // 2 + 8):
        member[i] ^= 0xFF
    return bytes(member)


def hostile_records() -> list[tuple[bytes, str | None]]:
    """Records, each with what the import must say of it (None: imported)."""
    return [
        (response(GOOD[0], title="Story zero"), None),
        (response("http://news.example/negative", length="-50"), "its Content-Length is not a count of bytes"),
        (response(GOOD[1], title="Story one"), None),
        (response("ftp://news.example/file", title="By FTP"), "its target is not an http(s) URL (ftp)"),
        (response(GOOD[2], title="Story two"), None),
        (response("http://news.example/absurd", length=str(10**15)), "it is cut short: its Content-Length says 1,000,000,000,000,000 bytes"),
        (response(GOOD[3], title="Story three"), None),
        (response("http://news.example/short", length="10"), "its Content-Length does not end it (other bytes follow)"),
        (response(GOOD[4], title="Story four"), None),
    ]


def rows(tmp: Path, sql: str) -> list[dict]:
    return list(sqlite_utils.Database(tmp / "archive.db").query(sql))


@pytest.mark.crawl
def test_hostile_records_of_a_gzipped_file_are_skipped_at_their_offset(tmp_path: Path) -> None:
    records = hostile_records()
    members = [gzip.compress(record) for record, _ in records]
    members.insert(5, damaged_member(response("http://news.example/damaged")))
    said = [why for _, why in records]
    said.insert(5, "damaged")
    source = tmp_path / "hostile.warc.gz"
    source.write_bytes(b"".join(members))
    done = import_(tmp_path, source)
    assert done.returncode == 1, done.stderr
    offsets = [sum(len(m) for m in members[:i]) for i in range(len(members))]
    expected = [(offsets[i], why) for i, why in enumerate(said) if why is not None]
    lines = done.stderr.splitlines()
    assert len(lines) == len(expected), done.stderr
    for line, (offset, why) in zip(lines, expected):
        assert line.startswith(f"{source}: the record at offset {offset:,} is skipped: {why}"), line
    assert "5 responses" in done.stdout and "4 records damaged and 1 of other URLs skipped" in done.stdout
    assert sorted(r["url"] for r in rows(tmp_path, "select url from captures")) == GOOD
    assert len(rows(tmp_path, "select id from articles")) == 5
    assert rows(tmp_path, "select count(*) n from captures where warc_length <= 0 or warc_offset < 0 or size < 0")[0]["n"] == 0


@pytest.mark.crawl
def test_hostile_records_of_an_uncompressed_file_are_skipped_and_reading_goes_on(tmp_path: Path) -> None:
    records = hostile_records()
    source = tmp_path / "hostile.warc"
    source.write_bytes(b"".join(record for record, _ in records) + b"garbage at the end\r\n")
    done = import_(tmp_path, source)
    assert done.returncode == 1, done.stderr
    offsets = [sum(len(r) for r, _ in records[:i]) for i in range(len(records))]
    for offset, (_, why) in zip(offsets, records):
        if why is not None and "ftp" not in why:
            assert f"{source}: the record at offset {offset:,} is skipped: " in done.stderr
    assert f"{source}: the record at offset {offsets[3]:,} is skipped: its target is not an http(s) URL (ftp)." in done.stderr
    assert f"the record at offset {len(b''.join(r for r, _ in records)):,} is skipped: damaged" in done.stderr
    assert sorted(r["url"] for r in rows(tmp_path, "select url from captures")) == GOOD


@pytest.mark.crawl
def test_only_records_of_other_urls_skipped_is_exit_status_3(tmp_path: Path) -> None:
    source = tmp_path / "dns.warc.gz"
    first = gzipped(response(GOOD[0]))
    source.write_bytes(first + gzipped(response("dns:news.example"), response(GOOD[1])))
    done = import_(tmp_path, source)
    assert done.returncode == 3, done.stderr
    assert done.stderr == f"{source}: the record at offset {len(first):,} is skipped: its target is not an http(s) URL (dns).\n"


@pytest.mark.parametrize("seed", range(4))
def test_any_damage_ends_the_walk_and_every_record_read_is_whole(tmp_path: Path, seed: int) -> None:
    """Generated files (gzipped or not) with cut, flipped, inserted and lengthened bytes: the walk always ends,
    offsets only grow, and every record it yields reads back at its place."""
    rng = random.Random(seed)
    for case in range(60):
        records = [response(f"http://news.example/{case}/{n}", length=rng.choice([None] * 6 + ["-1", "7", str(10**9), "x"]))
                   for n in range(rng.randint(1, 6))]
        data = bytearray(gzipped(*records) if case % 2 else b"".join(records))
        for _ in range(rng.randint(0, 3)):
            at = rng.randrange(len(data))
            kind = rng.choice(["flip", "cut", "insert"])
            if kind == "flip":
                data[at] ^= 1 << rng.randrange(8)
            elif kind == "cut":
                del data[at:at + rng.randint(1, 300)]
            else:
                data[at:at] = rng.choice([b"\x1f\x8b\x08", b"\nWARC/1.1\r\n", bytes(rng.randrange(256) for _ in range(20))])
        path = tmp_path / f"case-{case}.warc{'.gz' if case % 2 else ''}"
        path.write_bytes(bytes(data))
        last = -1
        try:
            found = list(read_records(path, path.name))
        except Exception as exc:  # only a file gzipped as one stream may stop it
            assert type(exc).__name__ == "NotPerRecordGzip", (seed, case, exc)
            continue
        for item in found:
            assert item.offset > last if isinstance(item, Skipped) else item.location.offset > last, (seed, case)
            last = item.offset if isinstance(item, Skipped) else item.location.offset
            if isinstance(item, ImportedRecord):
                assert item.location.length > 0 and item.location.offset + item.location.length <= len(data)
                read_response(path, item.location.offset, item.location.length)
