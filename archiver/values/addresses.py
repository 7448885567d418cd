"""Which network addresses a crawl may connect to: the public internet, and the networks the user allows.

A page nobody vetted can point the crawler (a link, a redirect, a sitemap or
feed entry, a DNS name that resolves there) at the network it runs in:
loopback, private, link-local (cloud metadata at 169.254.169.254), CGNAT,
multicast, unspecified and reserved addresses.  Those are refused unless
``ARCHIVER_ALLOW_NETWORKS`` names a network holding them.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# the blocks a refusal message suggests allowing, most specific kind first
_KINDS: tuple[tuple[str, str], ...] = (
    ("127.0.0.0/8", "a loopback"), ("::1/128", "a loopback"),
    ("10.0.0.0/8", "a private"), ("172.16.0.0/12", "a private"), ("192.168.0.0/16", "a private"),
    ("fc00::/7", "a private"), ("169.254.0.0/16", "a link-local"), ("fe80::/10", "a link-local"),
    ("100.64.0.0/10", "a CGNAT (shared)"), ("224.0.0.0/4", "a multicast"), ("ff00::/8", "a multicast"),
    ("0.0.0.0/8", "an unspecified"), ("::/128", "an unspecified"),
)


def parse_networks(value: object) -> tuple[Network, ...]:
    """``"10.0.0.0/8,127.0.0.1/32"`` (or a list) as networks; ValueError for anything else."""
    items: Iterable[str] = value.split(",") if isinstance(value, str) else (value or [])  # type: ignore[assignment]
    return tuple(ipaddress.ip_network(str(item).strip(), strict=False) for item in items if str(item).strip())


def refusal(address: str, allowed: tuple[Network, ...]) -> str | None:
    """Why a crawl may not connect to ``address`` (one sentence saying how to allow it), or None when it may."""
    ip: Address = ipaddress.ip_address(address.split("%", 1)[0])
    if getattr(ip, "ipv4_mapped", None) is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.5 is 10.0.0.5
    if any(ip in network for network in allowed):
        return None
    if ip.is_global and not ip.is_multicast:
        return None
    block, kind = next(((b, k) for b, k in _KINDS if ip in ipaddress.ip_network(b)),
                       (f"{ip}/{ip.max_prefixlen}", "a reserved"))
    return f"refused: {ip} is {kind} address; allow it with -s ARCHIVER_ALLOW_NETWORKS={block}"
