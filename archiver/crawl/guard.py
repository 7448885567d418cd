"""The SSRF guard: Scrapy's DNS resolver, refusing addresses the crawl may not connect to.

Twisted connects to exactly the addresses the resolver returns, and asks it
even for IP literals, so checking them here checks the address actually
connected to: a DNS name that answers a public address to one lookup and a
private one to the next (rebinding) is refused when it matters.  Every
request goes through it: seeds, redirects, links, sitemap and feed entries,
robots.txt.  The refusal becomes the capture's row (``refused: 10.0.0.5 is a
private address; allow it with -s ARCHIVER_ALLOW_NETWORKS=10.0.0.0/8``) and is
never retried.  ``ARCHIVER_ALLOW_NETWORKS`` is read from the settings of the
whole run (``-s`` or ``settings.py``, not a spider's ``custom_settings``):
the resolver serves the process.
"""

from __future__ import annotations

from typing import Any, Sequence

from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.datatypes import LocalCache
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from archiver.values.addresses import Network, parse_networks, refusal

# host -> why it was refused.  Twisted reports a failed lookup as "no results"
# whatever the resolver raised, so the capture middleware reads the reason here.
REFUSED: LocalCache[str, str] = LocalCache(10_000)


class AddressRefused(DNSLookupError):
    """A lookup that gave an address the crawl may not connect to.

    A lookup error to Twisted, which otherwise logs what a resolver raises as CRITICAL, with its traceback.
    """


def refused_because(host: str | None) -> str | None:
    """The sentence saying why requests to ``host`` were refused, if they were."""
    return REFUSED.get(host) if host else None


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, failing lookups that give a refused address."""

    allowed: tuple[Network, ...] = ()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> "GuardedResolver":
        resolver = super().from_crawler(crawler, reactor)
        try:
            resolver.allowed = parse_networks(crawler.settings.get("ARCHIVER_ALLOW_NETWORKS", ""))
        except ValueError:
            resolver.allowed = ()  # ArchiverConfig stops the crawl with a sentence saying what to fix
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802 (Twisted's name)
        return super().getHostByName(name, timeout).addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        why = refusal(address, self.allowed)
        if why is not None:
            REFUSED[name] = why
            raise AddressRefused(why)
        REFUSED.pop(name, None)
        return address
