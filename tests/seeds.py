"""The five seed articles of ../shared/seeds, split into what is article and what is chrome.

Each seed is one site's copy of the same story as a naive scraper kept it:
its body paragraphs mixed with that site's furniture.  :func:`load_stories`
reads them and says, line by line, which is which; tests/newssite.py dresses
each story in its site's template again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
_CAPTION = re.compile(r"[.!?][’”']?$")


@dataclass
class Story:
    """One seed: its title, body, figure captions and the chrome its site carries."""

    key: str
    title: str
    date: str
    author: str
    body: list[str]  # paragraphs that must all be in articles.text
    subheads: list[str] = field(default_factory=list)  # body headings (h2)
    bullets: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    chrome: dict[str, list[str]] = field(default_factory=dict)  # block name -> its lines

    def chrome_lines(self) -> list[str]:
        return [line for lines in self.chrome.values() for line in lines]


def _lines(name: str) -> list[str]:
    path = next(SEEDS.glob(f"{name}_*.txt"))
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _until(lines: list[str], prefix: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(prefix))


def load_stories() -> dict[str, Story]:
    stories = {}

    lines = _lines("000")
    first = re.sub(r"^date \d{4}-\d\d-\d\d\s+", "", lines[0])
    stories["herald"] = Story(
        key="herald",
        title="Peskov admits Russia has suffered significant losses of troops",
        date="2022-04-08",
        author="Olena Marchenko",
        body=[first] + lines[1:],
    )

    lines = _lines("001")
    end = _until(lines, "Kremlin spokesman says war could end")
    stories["observer"] = Story(
        key="observer",
        title=lines[0],
        date="2022-04-08",
        author="Dragana Petrović",
        body=[line for line in lines[1:end] if line != "Russian troops have sided with Ukraine"],
        subheads=["Russian troops have sided with Ukraine"],
        chrome={
            "post navigation": [
                "Previous post",
                "Kremlin spokesman says war could end “in the coming days”",
                "Next post",
                "Latvia has stopped issuing “golden visas” to citizens of Russia and Belarus",
            ]
        },
    )

    lines = _lines("002")
    caption = _until(lines, "This map shows")
    promo = _until(lines, "The Independent has a proud history")
    stories["daily"] = Story(
        key="daily",
        title=lines[0],
        date="2022-04-07",
        author="Sam Hughes",
        body=lines[1:caption] + lines[caption + 2 : promo],
        captions=lines[caption : caption + 2],
        chrome={
            "promo box": lines[promo : promo + 2],
            "comment form": ["Leave a Reply", "Your email address will not be published."],
        },
    )

    lines = _lines("003")
    body_start = _until(lines, "Kremlin spokesman Dmitry Peskov admitted")
    body_end = _until(lines, "20220408-093214")
    stories["canindia"] = Story(
        key="canindia",
        title=lines[1],
        date="2022-04-08",
        author="NewsWire",
        body=lines[body_start:body_end],
        chrome={
            "related articles": ["RELATED ARTICLES"],
            "comment form": ["LEAVE A REPLY", "Please enter your comment!", "Please enter your name here"],
            "contact block": [
                "Tel: 905-673-6625", "Tel: 416-900-6669", "Fax: 905-673-6636",
                "Ad Sales Email: Sales@canindia.com", "MAILING ADDRESS", "478 Dundas Street West",
                "P.O. Box 30003", "Oakville ON L6H 7L8",
            ],
            "about box": [lines[_until(lines, "ABOUT CANINDIA")], lines[_until(lines, "Recognizing the need")]],
            "more stories": lines[_until(lines, "MORE STORIES") :],
            "copyright": [lines[_until(lines, "©")]],
        },
    )

    lines = _lines("004")
    bullets = [line[2:] for line in lines if line.startswith("- ")]
    rest = [line for line in lines[1:] if not line.startswith("- ") and line != "Source: Read Full Article"]
    stories["mailwire"] = Story(
        key="mailwire",
        title=lines[0],
        date="2022-04-08",
        author="Chris Jewers",
        body=[line for line in rest if _CAPTION.search(line)],
        bullets=bullets,
        captions=[line for line in rest if not _CAPTION.search(line)],
        chrome={"source line": ["Source: Read Full Article"]},
    )
    return stories
