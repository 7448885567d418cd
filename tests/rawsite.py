"""A loopback server that answers each path with raw bytes, or with silence, a reset or half a response.

For the wire-level hostile cases that a well-behaved HTTP server cannot
send: bad status lines, truncated bodies, resets, silence, huge headers.
"""

from __future__ import annotations

import socket
import threading
from typing import Callable

# path -> what to do with the connection
Action = Callable[[socket.socket], None]
PAGE = b"<html><head><title>%s</title></head><body><article>%s</article></body></html>"
STORY = b"<p>The council met on Tuesday and voted on next year's budget after a long debate about schools.</p>" * 8


def respond(raw: bytes) -> Action:
    def act(conn: socket.socket) -> None:
        conn.sendall(raw)
    return act


def ok(body: bytes, content_type: bytes = b"text/html; charset=utf-8", extra: bytes = b"") -> Action:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n%sConnection: close\r\n\r\n" % (
        content_type, len(body), extra)
    return respond(head + body)


def silence(conn: socket.socket) -> None:
    conn.recv(65536)
    threading.Event().wait(30)  # never answers; the client's DOWNLOAD_TIMEOUT ends it


def reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST on close


class RawServer:
    """Serves ``routes`` (path -> action) on 127.0.0.1 and a free port; 404 for anything else."""

    def __init__(self, routes: dict[str, Action]):
        self.routes = routes
        self.paths: list[str] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.base = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path: str) -> str:
        return self.base + path

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                request = conn.recv(65536, socket.MSG_PEEK).split(b"\r\n", 1)[0].decode("latin-1")
                path = request.split(" ")[1] if " " in request else "/"
                self.paths.append(path)
                action = self.routes.get(path)
                if action is None:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                else:
                    if action not in (silence, reset):
                        conn.recv(65536)
                    action(conn)
            except OSError:
                pass

    def stop(self) -> None:
        self._sock.close()
