"""A small HTTP/1.1 server on 127.0.0.1 for test sites, recording what it sent.

A site supplies ``route(path) -> Reply``; :class:`LoopbackServer` answers GET
requests with it, logs every request received (path with query, monotonic
time) and keeps every response exactly as put on the wire (status line,
headers, body minus chunked framing), so tests can compare archives with it.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Self

CHUNK_SIZE = 1000


@dataclass
class Reply:
    """What a route answers: the server adds Server, Date and the framing headers."""

    status: int
    reason: str
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    chunked: bool = False


@dataclass
class Sent:
    """One response as the server put it on the wire (chunked framing aside)."""

    path: str
    status_line: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes


class LoopbackServer:
    """Serves ``route`` on 127.0.0.1 and a free port, from start() to stop().

    ``server`` is the Server header; ``date`` the Date header (None: the
    current time of each response); ``host`` the loopback address (any of
    127.0.0.0/8, so that several sites have host names of their own).
    """

    def __init__(self, route: Callable[[str], Reply], server: bytes = b"loopback/1.0", date: bytes | None = None,
                 host: str = "127.0.0.1") -> None:
        self.route = route
        self.host = host
        self.server_header = server
        self.date = date
        self.sent: list[Sent] = []
        self.requests: list[tuple[str, float]] = []
        self.received: list[tuple[str, dict[str, str]]] = []  # each request's path and headers
        self.current = threading.local()  # .headers: the request being answered, for routes that look
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self._httpd is not None, "the server is not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def responses_for(self, path: str) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.path == path]

    def start(self) -> "LoopbackServer":
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                loopback._respond(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer((self.host, 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def _respond(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append((handler.path, time.monotonic()))
            self.received.append((handler.path, dict(handler.headers.items())))
        self.current.headers = handler.headers
        reply = self.route(handler.path)
        status_line = f"HTTP/1.1 {reply.status} {reply.reason}".encode()
        date = self.date if self.date is not None else formatdate(usegmt=True).encode()
        headers = [(b"Server", self.server_header), (b"Date", date)] + reply.headers
        body = reply.body
        if reply.chunked:
            headers.append((b"Transfer-Encoding", b"chunked"))
            pieces = [body[i:i + CHUNK_SIZE] for i in range(0, len(body), CHUNK_SIZE)]
            wire = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"
        else:
            headers.append((b"Content-Length", str(len(body)).encode()))
            wire = body
        head = status_line + b"\r\n" + b"".join(n + b": " + v + b"\r\n" for n, v in headers) + b"\r\n"
        with self._lock:
            self.sent.append(Sent(handler.path, status_line, headers, body))
        handler.wfile.write(head + wire)
        handler.wfile.flush()


class LoopbackSite:
    """Base of the test sites: owns a :class:`LoopbackServer` serving ``self.route``."""

    server_header = b"loopback/1.0"
    date_header: bytes | None = None

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.server = LoopbackServer(self.route, server=self.server_header, date=self.date_header, host=host)

    def route(self, path: str) -> Reply:
        raise NotImplementedError

    @property
    def base(self) -> str:
        return self.server.base

    @property
    def sent(self) -> list[Sent]:
        return self.server.sent

    @property
    def requests(self) -> list[tuple[str, float]]:
        return self.server.requests

    def url(self, path: str) -> str:
        return self.server.url(path)

    def responses_for(self, path: str) -> list[Sent]:
        return self.server.responses_for(path)

    def start(self) -> Self:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()


def refused_url() -> str:
    """A loopback URL where nothing listens: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/nothing-listens-here"


def spaced(times: list[float], delay: float) -> bool:
    """Requests the server saw at ``times`` were sent at least ``delay`` apart.

    A delay counts from one request's send to the next's, and the server
    records each when its thread gets to it: one record made late by a busy
    machine shortens a gap by as much.  Half the delay is a margin no
    scheduler takes from a handler on loopback, and a crawl that ignored the
    delay would send them milliseconds apart.
    """
    return all(later - earlier >= delay / 2 for earlier, later in zip(times, times[1:]))
