"""`archiver serve` as a user runs it: a real Datasette process over an archive, on a free loopback port."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_LISTENING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@dataclass
class HttpReply:
    status: int
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Served:
    """``archiver serve DB --port 0 ...`` from start() to stop()."""

    def __init__(self, db_path: Path, *options: str, env: dict[str, str] | None = None) -> None:
        self.command = [sys.executable, "-m", "archiver.cli", "serve", str(db_path), "--port", "0", *options]
        self.env = env
        self.process: subprocess.Popen[str] | None = None
        self.base = ""
        self.log: list[str] = []
        self._reader: threading.Thread | None = None

    def start(self) -> "Served":
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 60
        assert self.process.stderr is not None
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            self.log.append(line)
            if match := _LISTENING.search(line):
                self.base = match.group(1)
                # keep reading, so a chatty server never blocks on a full pipe
                self._reader = threading.Thread(target=self._read_log, daemon=True)
                self._reader.start()
                return self
        self.stop()
        raise RuntimeError("archiver serve did not start:\n" + "".join(self.log))

    def _read_log(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)

    def stop(self) -> None:
        """Stop the server; ``log`` then holds everything it wrote to stderr."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        if self._reader is not None:
            self._reader.join(timeout=20)

    def get(self, path: str) -> HttpReply:
        """GET a path of the instance; error statuses are returned, not raised."""
        try:
            with urllib.request.urlopen(self.base + path, timeout=30) as response:
                return HttpReply(response.status, _headers(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return HttpReply(error.code, _headers(error.headers), error.read())

    def json(self, path: str) -> dict:
        import json

        reply = self.get(path)
        assert reply.status == 200, reply.text[:2000]
        return json.loads(reply.body)


def _headers(message) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in message.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers
