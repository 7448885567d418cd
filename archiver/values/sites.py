"""What a "site" is: a URL's registered domain (eTLD+1), else its host.

One definition for every part of the archive that groups by site: an
article's ``articles.site``, the chrome memory (``site_blocks``,
``site_block_pages``) and the per-site totals (``site_stats``), a story's
``sites``, what a crawl re-checks (``due_urls``, in SQLite and in Redis) and
tries again (``retries``), and what ``--site`` selects.

Why the registered domain and not the host: a user who starts a crawl at
``https://www.example.org/`` means the site, not one of its host names.
``example.org``, ``www.example.org`` and ``news.example.org`` are run by one
publisher, share their chrome and their stories, and a sitemap of one lists
the others' pages (the sitemap protocol allows that within a registered
domain).  The registered domain comes from the Public Suffix List (the
``tld`` package, which courlan and trafilatura use too, with its private
section: ``alice.blogspot.com`` and ``bob.blogspot.com`` are two sites).

Host names that have no registered domain stay themselves: IP addresses
(``127.0.0.1``, ``::1``), single labels (``localhost``), names under a
suffix the list does not know.

Politeness is not per site: download slots, ``Crawl-delay`` and
``Retry-After`` pauses stay per host (a connection target), whatever site the
host belongs to.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from tld import get_fld
from w3lib.url import safe_url_string

_EDGES = re.compile(r"^\s+|[\s.]+$")  # spaces around a host, dots after it (a fully qualified name)
# characters no host name holds: such a "host" is kept as given rather than looked up
_NOT_IN_HOSTS = frozenset("/?#@:[]% \t\r\n\\")


def site_of(url: str) -> str:
    """The site a URL is on: ``https://news.example.org:8080/a`` is on ``example.org``.

    An internationalized name counts in its ASCII form (``bücher.de``:
    ``xn--bcher-kva.de``), as links give it; a URL with no host is on the
    site ``""``.  Never raises.
    """
    try:
        if not url.isascii():
            url = safe_url_string(url)
        host = urlsplit(url).hostname
    except ValueError:  # an invalid IPv6 literal, an IDN label IDNA refuses
        return ""
    return site_of_host(host or "")


def site_of_host(host: str) -> str:
    """The site of a host name (``www.example.org``: ``example.org``); a site is its own site.

    Lower-cased, without a trailing dot; an IP address in its short form
    (``[0:0::1]``: ``::1``).  Never raises.
    """
    host = _EDGES.sub("", host.lower())
    try:
        return str(ipaddress.ip_address(host.removeprefix("[").removesuffix("]")))
    except ValueError:
        pass
    if not _NOT_IN_HOSTS.isdisjoint(host):
        return host  # not a host name: kept as given
    if not host.isascii():  # in its ASCII form, as links give it
        try:
            ascii_host = (urlsplit(safe_url_string(f"http://{host}/")).hostname or "").rstrip(".")
        except ValueError:  # a label IDNA refuses
            return host
        if not ascii_host or not ascii_host.isascii() or not _NOT_IN_HOSTS.isdisjoint(ascii_host):
            return host  # not a name IDNA encodes: kept as given
        host = ascii_host
    if "." not in host:
        return host
    return get_fld(host, fix_protocol=True, fail_silently=True) or host
