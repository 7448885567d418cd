"""A page's text from its bytes, read the same way by a crawl, ``reextract`` and ``import``.

The rules are Scrapy's ``TextResponse.text``: a byte-order mark, then the
Content-Type header's charset, then the page's own ``<meta>`` declaration;
a page that declares nothing is ASCII or UTF-8 if it decodes as such, else
what charset_normalizer guesses.  Bytes invalid in the encoding become
U+FFFD.  It runs in the extraction workers, so a crawl's reactor thread
decodes no page for extraction (a site crawl's spider still decodes pages
to follow their links), and pages travel to the workers as bytes (a third
of the size of their text, and cheaper to pickle).
"""

from __future__ import annotations

from charset_normalizer import from_bytes
from w3lib.encoding import html_to_unicode, resolve_encoding


def _guess(body: bytes) -> str | None:
    """The encoding of a page that declares none (Scrapy's ``TextResponse._auto_detect_fun``)."""
    for encoding in ("ascii", "utf-8"):
        try:
            body.decode(encoding)
        except UnicodeError:
            continue
        return resolve_encoding(encoding)
    match = from_bytes(body).best()
    return resolve_encoding(match.encoding) if match else None


def page_text(body: bytes, content_type: str | None) -> str:
    """The page's text, decoded as Scrapy decodes a response with this body and Content-Type header."""
    return html_to_unicode(content_type or "", body, default_encoding="ascii", auto_detect_fun=_guess)[1]
