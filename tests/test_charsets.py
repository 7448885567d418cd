"""Pages are decoded in the extraction workers exactly as Scrapy's ``TextResponse.text`` decodes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from archiver.formats.charsets import page_text

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-pages" / "html"
TEXT = "Übermäßig «schöne» Grüße – naïve café, 東京"


def scrapy_text(body: bytes, content_type: str | None) -> str:
    headers = {"Content-Type": content_type} if content_type else {}
    return HtmlResponse("https://example.org/", body=body, headers=headers).text


CASES = {
    "charset in the header": (TEXT.encode("utf-8"), "text/html; charset=utf-8"),
    "header says latin-1": ("Grüße café".encode("latin-1"), "text/html; charset=ISO-8859-1"),
    "meta declaration": (f'<meta charset="windows-1252"><p>{"Grüße – café"}</p>'.encode("cp1252"), "text/html"),
    "byte-order mark beats the header": (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "text/html; charset=latin-1"),
    "undeclared UTF-8": (f"<p>{TEXT}</p>".encode("utf-8"), "text/html"),
    "undeclared ASCII, no header": (b"<p>plain words</p>", None),
    "undeclared windows-1252, guessed": (("<p>" + "Die Grüße aus München, schöne Straße. " * 20 + "</p>").encode("cp1252"),
                                         "text/html"),
    "invalid bytes for the declared charset": (b"<p>caf\xe9 \xff\xfe</p>", "text/html; charset=utf-8"),
}


@pytest.mark.parametrize("body, content_type", CASES.values(), ids=CASES.keys())
def test_a_page_reads_as_scrapy_reads_it(body: bytes, content_type: str | None) -> None:
    assert page_text(body, content_type) == scrapy_text(body, content_type)


def test_the_guess_reads_an_undeclared_legacy_page_right() -> None:
    body, content_type = CASES["undeclared windows-1252, guessed"]
    assert "Grüße aus München" in page_text(body, content_type)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_every_corpus_page_reads_as_scrapy_reads_it() -> None:
    differ = [path.name for path in sorted(CORPUS.glob("*.html"))
              if page_text(body := path.read_bytes(), "text/html") != scrapy_text(body, "text/html")]
    assert differ == []
