"""Server-rendered SVG line chart geometry (no JavaScript, no CDN): pure functions, tested alone."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

PALETTE = ("#1f5fbf", "#b3261e", "#1e6b3a", "#8a5a00", "#6b3fa0", "#00707a")


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    # "x,y x,y" per unbroken stretch: a day without messages breaks the line instead of faking a value
    segments: list[str]
    dots: list[tuple[float, float, str]]


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    top: int
    plot_width: float
    plot_height: float
    series: list[Series]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]


def line_chart(days: list[date], values: dict[str, list[float | None]], *, y_min: float = -1.0, y_max: float = 1.0,
               width: int = 760, height: int = 260, label_every: int = 7, tick_format: str = "{:+.1f}",
               value_format: str = "{:+.2f}", day_label: Callable[[date], str] = lambda d: d.strftime("%d %b")) -> LineChart:
    """Place each series' daily values (None = no data) on a width × height canvas; `day_label` writes the
    x axis' days (the views pass one in the reader's language)."""
    left, right, top, bottom = 40, 10, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    if not y_max > y_min:  # every value the same (a week of zero-hour responses): a flat line, not a crash
        y_max = y_min + 1.0
    step = plot_w / max(len(days) - 1, 1)

    def x(i: int) -> float:
        return round(left + i * step, 1)

    def y(v: float) -> float:
        v = min(max(v, y_min), y_max)
        return round(top + (y_max - v) / (y_max - y_min) * plot_h, 1)

    series = []
    for n, (name, points) in enumerate(sorted(values.items())):
        segments, current, dots = [], [], []
        for i, value in enumerate(points):
            if value is None:
                if current:
                    segments.append(" ".join(current))
                current = []
                continue
            current.append(f"{x(i)},{y(value)}")
            dots.append((x(i), y(value), f"{name} {days[i].isoformat()}: {value_format.format(value)}"))
        if current:
            segments.append(" ".join(current))
        series.append(Series(name, PALETTE[n % len(PALETTE)], segments, dots))
    ticks = [y_min + (y_max - y_min) * k / 4 for k in range(5)]
    return LineChart(width, height, left, top, plot_w, plot_h, series,
                     [(y(t), tick_format.format(t) if t else "0") for t in ticks],
                     [(x(i), day_label(d)) for i, d in enumerate(days) if i % label_every == 0])
