"""Tidying up after a crash: what a killed crawl left behind, put right by the next run.

A crawl killed with ``kill -9`` (or by a power cut) leaves its ``crawls``
row unfinished and its last WARC file under its ``.open`` name, perhaps
with a partial gzip member at the end.  The next crawl or command that opens
the archive (:meth:`archiver.core.writer.ArchiveWriter.recover`):

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

from .warc import OPEN_SUFFIX

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


def whole_members_end(file: BinaryIO) -> int:
    """The offset just past the last complete gzip member of a file (0 when there is none)."""
    file.seek(0)
    end = position = 0
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    while chunk := file.read(READ_SIZE):
        data = chunk
        while data:
            try:
                inflater.decompress(data, READ_SIZE)
                while inflater.unconsumed_tail:  # bounded output: walk the member without holding it
                    inflater.decompress(inflater.unconsumed_tail, READ_SIZE)
            except zlib.error:
                return end
            if not inflater.eof:
                position += len(data)
                break
            position += len(data) - len(inflater.unused_data)
            end, data = position, inflater.unused_data
            inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    return end


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
