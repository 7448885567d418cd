"""Charts as inline SVG, drawn on the server: no script, no request, readable at phone width.

Each chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` for
screen readers, a ``<title>`` on each bar or point (shown on hover), and a
viewBox narrow enough that its 12-unit labels stay legible at 375 px (11 px); it
scales up to the width of its box.  Legends are HTML, so they wrap.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from markupsafe import Markup, escape

WIDTH = 360  # viewBox units; the chart is drawn 100% wide, at most its box's width
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP = 34, 8, 10  # room for the y axis' figures
FONT = 12
# Okabe and Ito's colours, told apart with any colour vision; grey is for "other"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D1F")
OTHER = "#999999"
_ids = itertools.count(1)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters an SVG document may not hold


def _text(value: object) -> Markup:
    """A stored value as SVG text: escaped, without the control characters XML forbids."""
    return escape(_NOT_XML.sub("", str(value)))


@dataclass
class Series:
    """One colour of a bar chart: a label and a value per category."""

    label: str
    values: Sequence[int]
    color: str


def colors(labels: Sequence[str]) -> dict[str, str]:
    """A colour per label, in order; past the palette, grey."""
    return {label: PALETTE[i] if i < len(PALETTE) else OTHER for i, label in enumerate(labels)}


def _nice(top: int) -> int:
    """A round axis maximum at or above ``top``: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten."""
    step = 1
    while True:
        for factor in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8):
            if (value := step * factor) >= top and value == int(value):
                return int(value)
        step *= 10


def _svg(title: str, description: str, height: float, body: list[str]) -> Markup:
    ident = f"archiver-chart-{next(_ids)}"
    head = (f'<svg class="archiver-chart" role="img" aria-labelledby="{ident}-t {ident}-d" '
            f'viewBox="0 0 {WIDTH} {height:.0f}" preserveAspectRatio="xMinYMin meet" '
            f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}" font-family="sans-serif">'
            f'<title id="{ident}-t">{_text(title)}</title><desc id="{ident}-d">{_text(description)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def bar_chart(title: str, description: str, categories: Sequence[str], series: Sequence[Series],
              stacked: bool = True, height: int = 170, unit: str = "") -> Markup:
    """Bars per category: the series stacked (or side by side), a y axis from 0, every few categories labelled."""
    bottom = height - 22
    plot_width = WIDTH - PLOT_LEFT - PLOT_RIGHT
    totals = [sum(s.values[i] for s in series) if stacked else max((s.values[i] for s in series), default=0)
              for i in range(len(categories))]
    top = _nice(max([*totals, 1]))
    scale = (bottom - PLOT_TOP) / top
    slot = plot_width / max(len(categories), 1)
    body: list[str] = []
    for value in (0, top // 2, top) if top % 2 == 0 else (0, top):  # a middle line only at a whole number
        y = bottom - value * scale
        body.append(f'<line x1="{PLOT_LEFT}" x2="{WIDTH - PLOT_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                    f'<text x="{PLOT_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{value:,}</text>')
    bar = slot * (0.8 if stacked else 0.8 / max(len(series), 1))
    for i, category in enumerate(categories):
        base = bottom
        for k, s in enumerate(series):
            value = s.values[i]
            if not value:
                continue
            x = PLOT_LEFT + slot * i + slot * 0.1 + (0 if stacked else k * bar)
            h = value * scale
            y = base - h if stacked else bottom - h
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{s.color}">'
                        f'<title>{_text(category)}: {value:,} {_text(unit)} {_text(s.label)}</title></rect>')
            if stacked:
                base = y
    every = max(1, -(-len(categories) // 6))  # at most 6 labels: they must fit at phone width
    for i in range(0, len(categories), every):
        x = PLOT_LEFT + slot * (i + 0.5)
        body.append(f'<text x="{x:.1f}" y="{bottom + 15}" text-anchor="middle" fill="#555">{_text(categories[i])}</text>')
    return _svg(title, description, height, body)


_PAD = timedelta(hours=12)


@dataclass
class Point:
    """One article on a story's time line."""

    lane: str  # its site
    when: datetime
    label: str  # shown on hover
    href: str
    copy: bool


def timeline(title: str, description: str, points: Sequence[Point], lane_labels: dict[str, str] | None = None) -> Markup:
    """A lane per site, top to bottom in order of first appearance; a point per article, a ring for a copy."""
    lanes = list(dict.fromkeys(p.lane for p in sorted(points, key=lambda p: p.when)))
    labels = lane_labels or {}
    lane_height, top = 36, 6
    bottom = top + lane_height * len(lanes)
    height = bottom + 22
    start = min((p.when for p in points), default=datetime(2000, 1, 1))
    end = max((p.when for p in points), default=start)
    if end - start < timedelta(hours=1):  # one moment: in the middle of a day's width (within the calendar)
        start, end = max(start, datetime.min + _PAD) - _PAD, min(end, datetime.max - _PAD) + _PAD
    left, right = 12, WIDTH - 12
    span = (end - start).total_seconds()

    def x_of(when: datetime) -> float:
        return left + (right - left) * (when - start).total_seconds() / span

    body: list[str] = []
    for n, lane in enumerate(lanes):
        y = top + lane_height * n
        body.append(f'<text x="{left}" y="{y + 12}" fill="#333">{_text(labels.get(lane, lane))}</text>'
                    f'<line x1="{left}" x2="{right}" y1="{y + 24}" y2="{y + 24}" stroke="#ccc"/>')
    seen: dict[tuple[str, int], int] = {}
    for p in points:
        y = top + lane_height * lanes.index(p.lane) + 24
        x = x_of(p.when)
        # articles at one moment on one site: side by side (towards the middle), not on top of each other
        nudge = seen.get((p.lane, round(x)), 0)
        seen[(p.lane, round(x))] = nudge + 1
        x = min(max(x + nudge * 13 * (1 if x < (left + right) / 2 else -1), left), right)
        mark = ('fill="#fff" stroke="#D55E00" stroke-width="2.5"' if p.copy else 'fill="#0072B2" stroke="#fff" stroke-width="1"')
        body.append(f'<a href="{_text(p.href)}" aria-label="{_text(p.label)}"><circle cx="{x:.1f}" cy="{y}" r="6" {mark}>'
                    f'<title>{_text(p.label)}</title></circle></a>')
    for when, anchor in ((start, "start"), (end, "end")):
        body.append(f'<text x="{x_of(when):.1f}" y="{bottom + 14}" text-anchor="{anchor}" fill="#555">'
                    f'{_text(f"{when.day} {when:%b %Y}")}</text>')
    return _svg(title, description, height, body)
