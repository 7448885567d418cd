"""Tidying up after a crash: what a killed crawl left behind, put right by the next run.

A crawl killed with ``kill -9`` (or by a power cut) leaves its ``crawls``
row unfinished and its last WARC file under its ``.open`` name, perhaps
with a partial gzip member at the end.  The next crawl or command that opens
the archive (:meth:`archiver.archive.writer.ArchiveWriter.recover`):

- finishes the rows of crawls whose running mark nobody holds
  (``finish_reason`` ``killed``, with the counters its rows show);
- for each ``.open`` file nobody holds, cuts away a partial last gzip member
  and renames it to its final name, which is the name the ``captures`` rows
  already give: every committed capture resolves again.
"""

from __future__ import annotations

import fcntl
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from archiver.formats.warc import OPEN_SUFFIX

READ_SIZE = 1 << 20


@dataclass
class Recovery:
    """What a recovery found and did."""

    crawls: list[int] = field(default_factory=list)  # crawl ids finished as killed
    warc_files: list[tuple[str, int]] = field(default_factory=list)  # (file name, bytes cut away)
    problems: list[str] = field(default_factory=list)  # what could not be put right, one sentence each

    def __bool__(self) -> bool:
        return bool(self.crawls or self.warc_files or self.problems)

    def summary(self) -> str:
        """One line for the log."""
        parts = []
        if self.crawls:
            parts.append(f"finished the rows of killed crawls {', '.join(map(str, self.crawls))}")
        for name, cut in self.warc_files:
            parts.append(f"closed the WARC file {name} left open" + (f" (cut {cut} bytes of a partial record)" if cut else ""))
        return "; ".join(parts + self.problems)


def whole_members_end(file: BinaryIO, read_size: int = READ_SIZE) -> int:
    """The offset just past the last complete gzip member of a file (0 when there is none).

    Reads ``read_size`` bytes at a time and inflates at most ``read_size``
    bytes per step, whatever a member holds.  Every step consumes input or
    yields output; one that does neither (it cannot, but a damaged stream is
    no place for faith) ends the walk like damage does.
    """
    file.seek(0)
    end = offset = 0  # end of the last whole member; file offset of data's first byte
    data = b""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    while True:
        if not data and not (data := file.read(read_size)):
            return end
        try:
            produced = inflater.decompress(data, read_size)
        except zlib.error:
            return end
        # After a member ends zlib leaves its unconsumed_tail stale: unused_data is what follows.
        left = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
        if len(left) == len(data) and not produced and not inflater.eof:
            return end
        offset += len(data) - len(left)
        data = left
        if inflater.eof:
            end = offset
            inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)


def close_leftover_warcs(directory: Path) -> Recovery:
    """Close every ``.open`` WARC file in ``directory`` that no live crawl holds."""
    found = Recovery()
    for path in sorted(directory.glob("*" + OPEN_SUFFIX)):
        final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
        with open(path, "r+b") as file:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live crawl is writing it
            size = os.fstat(file.fileno()).st_size
            end = whole_members_end(file)
            if final.exists():
                found.problems.append(f"{path.name} was left open but {final.name} exists too; both kept as they are")
                continue
            file.truncate(end)
            os.replace(path, final)
        found.warc_files.append((final.name, size - end))
    return found
