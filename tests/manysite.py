"""A loopback site of many plain article pages, each answered after a short pause.

For tests that stop a crawl in the middle: with ``pages`` articles of
``paragraphs`` paragraphs each and ``pause`` seconds per response, a crawl
is certainly still running when a test signals it.  ``held`` pages are not
answered until :meth:`release` (or the hold times out), so a graceful stop
can be made to wait on them.  ``crawl_delay`` puts a ``Crawl-delay`` in its
robots.txt; ``most_at_once`` is the most article requests it was answering at
one time.
"""

from __future__ import annotations

import random
import threading
import time

from loopback import LoopbackSite, Reply

WORDS = ("council budget river bridge harbour school election minister vote report storm energy price "
         "railway hospital court museum festival market farmers union strike garden library forest").split()
HOLD_TIMEOUT = 120


def article_path(number: int) -> str:
    return f"/news/{number:04d}-report.html"


def article_html(number: int, paragraphs: int) -> bytes:
    rng = random.Random(number)
    body = "\n".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(40)).capitalize() + f" (item {number}.{i}).</p>"
        for i in range(paragraphs)
    )
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Report {number}</title>"
            f"<meta property='og:type' content='article'></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>Report {number}</h1>{body}</article><footer>Contact us</footer></body></html>").encode()


class ManySite(LoopbackSite):
    """``pages`` article pages at :func:`article_path`; a robots.txt allowing everything."""

    def __init__(self, pages: int = 120, paragraphs: int = 30, pause: float = 0.05, held: set[int] = frozenset(),
                 crawl_delay: float | None = None) -> None:
        super().__init__()
        self.pages, self.paragraphs, self.pause = pages, paragraphs, pause
        self.held = {article_path(n) for n in held}
        self.crawl_delay = crawl_delay
        self._released = threading.Event()
        self._counting = threading.Lock()
        self.answering = self.most_at_once = 0

    def urls(self) -> list[str]:
        return [self.url(article_path(n)) for n in range(self.pages)]

    def served(self) -> int:
        """Article pages asked for so far."""
        return sum(1 for path, _ in self.requests if path.startswith("/news/"))

    def wait_served(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.served() < count:
            assert time.monotonic() < deadline, f"only {self.served()} pages asked for"
            time.sleep(0.02)

    def release(self) -> None:
        self._released.set()

    def article_times(self) -> list[float]:
        """When each article request arrived, in order."""
        return sorted(at for path, at in self.requests if path.startswith("/news/"))

    def route(self, path: str) -> Reply:
        if path == "/robots.txt":
            delay = f"Crawl-delay: {self.crawl_delay}\n" if self.crawl_delay is not None else ""
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")], f"User-agent: *\n{delay}Allow: /\n".encode())
        if not path.startswith("/news/"):
            return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"no such page")
        with self._counting:
            self.answering += 1
            self.most_at_once = max(self.most_at_once, self.answering)
        try:
            return self.article(path)
        finally:
            with self._counting:
                self.answering -= 1

    def article(self, path: str) -> Reply:
        if path in self.held:
            self._released.wait(HOLD_TIMEOUT)
        time.sleep(self.pause)
        number = int(path.split("/")[-1][:4])
        return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], article_html(number, self.paragraphs))
