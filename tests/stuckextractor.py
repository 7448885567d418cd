"""An extractor that gets stuck in one C call on a page that asks for it, for tests of the watchdog.

``hashlib.pbkdf2_hmac`` runs its rounds in C without looking at signals: the
alarm of :func:`archiver.runtime.pool.within` cannot interrupt it, as it cannot a
parser looping in C on a hostile page.  Every other page gives its paragraphs.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from archiver.extract import MainText, Page

STUCK = "STUCK-IN-C"


def stuck_in_c(text: str) -> str:
    """``text`` back, after minutes in one C call if it holds STUCK; for pool tests."""
    if STUCK in text:
        hashlib.pbkdf2_hmac("sha256", b"page", b"salt", 2**31 - 1)  # the most it takes: minutes
    return text


def dies(text: str) -> str:
    """Kills its own worker process on a text that says so, as a crash in C would."""
    if text == "die":
        os._exit(70)
    return text


def needs(megabytes: int) -> int:
    """Holds that much memory for a moment."""
    return len(bytearray(megabytes * 2**20))


class StuckExtractor:
    """Every paragraph's text, one a line; stuck in C on a page holding STUCK."""

    def describe(self) -> dict[str, Any]:
        return {"name": "stuck", "version": "1"}

    def main_text(self, page: Page) -> MainText | None:
        lines = [" ".join(p.text_content().split()) for p in page.tree().iter("p")]
        stuck_in_c("\n".join(lines))
        text = "\n".join(line for line in lines if line)
        return MainText(text) if text else None
