"""The loopback news site with some pages held back: a crawl of them stays running until released.

Tests of crawls that overlap need the first crawl to be certainly still
running while the second one starts, without guessing at durations: the
server does not answer a held page until :meth:`HeldNewsSite.release`.
"""

from __future__ import annotations

import threading

from loopback import Reply
from newssite import ARTICLE_PATHS, NewsSite

HOLD_TIMEOUT = 120  # seconds; a test that forgets to release fails instead of hanging


class HeldNewsSite(NewsSite):
    """NewsSite whose ``held`` article pages wait for :meth:`release`; a request for ``release_on`` releases them."""

    def __init__(self, held: set[str], release_on: str | None = None) -> None:
        super().__init__()
        self.held = {ARTICLE_PATHS[key] for key in held}
        self.release_on = ARTICLE_PATHS[release_on] if release_on else None
        self.holding = threading.Event()  # set once a held page has been asked for
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    def route(self, path: str) -> Reply:
        if path == self.release_on:
            self.release()
        if path in self.held:
            self.holding.set()
            self._released.wait(HOLD_TIMEOUT)
        return super().route(path)

    def wait_holding(self) -> None:
        """Wait until a crawl is waiting on a held page: it has started and holds its archive."""
        assert self.holding.wait(HOLD_TIMEOUT), "no crawl asked for a held page"
