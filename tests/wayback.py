"""pywb for the tests, in its own virtual environment (its pins, redis<3 among them, clash with ours)."""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

PYWB = "pywb>=2.8,<3"  # 2.8 reads WACZ files (wb-manager add --unpack-wacz)
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "archiver-tests"


def pywb_bin() -> Path:
    """The bin folder of a venv with pywb, made once under the user's cache and reused."""
    venv = CACHE / "pywb-venv"
    done = venv / "installed.txt"  # written last: a half-made venv is made again
    CACHE.mkdir(parents=True, exist_ok=True)
    # tests/test_render.py and tests/test_wacz.py may ask at once (pytest-xdist workers): one makes it, the other waits
    with (CACHE / "pywb-venv.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_file() or done.read_text() != PYWB:
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", PYWB], check=True)
            done.write_text(PYWB)
    return venv / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Wayback:
    """pywb's ``wayback`` serving one collection made from WACZ files with ``wb-manager``."""

    def __init__(self, root: Path, *waczs: Path):
        self.bin = pywb_bin()
        self.root = root
        self.port = free_port()
        manager = str(self.bin / "wb-manager")
        subprocess.run([manager, "init", "archive"], cwd=root, check=True, capture_output=True)
        for wacz in waczs:
            subprocess.run([manager, "add", "--unpack-wacz", "archive", str(wacz)], cwd=root, check=True, capture_output=True)
        self.process = subprocess.Popen([str(self.bin / "wayback"), "-b", "127.0.0.1", "-p", str(self.port)], cwd=root,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:  # until it listens
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("pywb's wayback did not start")
                time.sleep(0.2)

    def original(self, timestamp: str, url: str) -> tuple[int, dict[str, str], bytes]:
        """The archived response as it was (``id_``: no rewriting): status, headers, body.

        Sent with ``Accept-Encoding: gzip``, else pywb decodes a gzip-encoded body.
        """
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/archive/{timestamp}id_/{url}",
                                         headers={"Accept-Encoding": "gzip"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
