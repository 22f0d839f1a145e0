"""Charts drawn on the server as SVG shapes (no script, no CDN): the page's template turns these
numbers into <rect> and <text> elements, so the charts print and work without JavaScript."""
from __future__ import annotations

from dataclasses import dataclass

PALETTE = ("#1d4ed8", "#059669", "#d97706", "#7c3aed", "#dc2626", "#0891b2")


@dataclass(frozen=True)
class Bar:
    """One rectangle with its label and value."""

    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str
    value: int


@dataclass(frozen=True)
class Chart:
    """A chart: its size, bars, axis labels (x, y, text) and legend (colour, text)."""

    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, float, str]]
    legend: list[tuple[str, str]]
    title: str


def grouped_bars(title: str, groups: list[str], series: list[str], values: dict[tuple[int, int], int],
                 width: int = 640, height: int = 260) -> Chart:
    """Vertical bars: one group per item of `groups`, one bar per series within it."""
    top, bottom, left = 20, 40, 10
    peak = max(values.values(), default=0) or 1
    group_width = (width - left * 2) / max(len(groups), 1)
    bar_width = max(4.0, (group_width - 16) / max(len(series), 1))
    bars, labels = [], []
    for g, group in enumerate(groups):
        x0 = left + g * group_width + 8
        for s, name in enumerate(series):
            value = values.get((g, s), 0)
            h = (height - top - bottom) * value / peak
            bars.append(Bar(round(x0 + s * bar_width, 1), round(height - bottom - h, 1), round(bar_width - 2, 1),
                            round(h, 1), PALETTE[s % len(PALETTE)], f"{group} · {name}", value))
        labels.append((round(x0 + (group_width - 16) / 2, 1), height - bottom + 16, group))
    legend = [(PALETTE[s % len(PALETTE)], name) for s, name in enumerate(series)]
    return Chart(width, height, bars, labels, legend, title)


def share_bar(title: str, parts: list[tuple[str, int]], width: int = 640, height: int = 56) -> Chart:
    """One horizontal bar split into shares (urban vs rural)."""
    total = sum(value for _name, value in parts) or 1
    x, bars, legend = 10.0, [], []
    for index, (name, value) in enumerate(parts):
        w = (width - 20) * value / total
        colour = PALETTE[index % len(PALETTE)]
        bars.append(Bar(round(x, 1), 8, round(w, 1), 24, colour, f"{name}: {value} ({value * 100 // total} %)", value))
        legend.append((colour, f"{name}: {value} ({value * 100 // total} %)"))
        x += w
    return Chart(width, height, bars, [], legend, title)
