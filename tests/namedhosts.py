"""A DNS resolver for test crawls that gives host names of their own to the loopback servers.

``-s TWISTED_DNS_RESOLVER=namedhosts.NamedHostsResolver -s TEST_HOSTS=example.org,www.example.org``
(with this folder on the crawl's PYTHONPATH) makes those names resolve to
127.0.0.1, as a hosts file would, and nothing else changes: every lookup still
goes through the archiver's SSRF guard, and every other name is looked up as usual
(and refused, offline or not, unless ARCHIVER_ALLOW_NETWORKS allows its address).
"""

from __future__ import annotations

from typing import Any, Sequence

from twisted.internet.defer import Deferred

from archiver.crawl.guard import GuardedResolver

SETTINGS = {"TWISTED_DNS_RESOLVER": "namedhosts.NamedHostsResolver"}


class NamedHostsResolver(GuardedResolver):
    """The archiver's resolver, with the ``TEST_HOSTS`` names on 127.0.0.1."""

    names: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> "NamedHostsResolver":
        resolver = super().from_crawler(crawler, reactor)
        resolver.names = frozenset(crawler.settings.getlist("TEST_HOSTS"))
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802 (Twisted's name)
        return super().getHostByName("127.0.0.1" if name in self.names else name, timeout)
