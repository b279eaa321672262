"""Charts as inline SVG, drawn on the server: no script, no request leaving the page. Pure.

Every chart is decorative for assistive technology (``aria-hidden``): the page puts the same
numbers in a data table next to it. Values are scaled to a fixed viewBox; the SVG stretches to
its container's width, so a 360 px phone and a desktop get the same chart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

Fmt = Callable[[float | int | None], str]
COLORS = ("#1b6ca8", "#e07b39", "#3a9d5d", "#8e5ea2", "#c0392b")


def _max(values: Sequence[float]) -> float:
    top = max((v for v in values if v is not None), default=0.0)
    return float(top) if top > 0 else 1.0


def bars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
         fmt: Fmt, width: int = 640, height: int = 220) -> str:
    """Grouped vertical bars: one group per label, one bar per series."""
    n = max(len(labels), 1)
    top = _max([v for _, values in series for v in values])
    left, bottom, plot_h = 36, 28, height - 44
    group_w = (width - left - 8) / n
    bar_w = max(min(group_w / (len(series) + 0.5), 40.0), 1.0)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" '
             f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 4}" y2="{height - bottom}" '
             'stroke="#999" stroke-width="1"/>',
             f'<text x="{left - 4}" y="{16 + 4}" text-anchor="end" class="axis">'
             f'{escape(fmt(top))}</text>']
    for i, label in enumerate(labels):
        x0 = left + i * group_w + (group_w - bar_w * len(series)) / 2
        for j, (_, values) in enumerate(series):
            v = values[i] if i < len(values) and values[i] is not None else 0
            h = plot_h * float(v) / top
            parts.append(f'<rect x="{x0 + j * bar_w:.1f}" y="{height - bottom - h:.1f}" '
                         f'width="{bar_w * 0.9:.1f}" height="{h:.1f}" '
                         f'fill="{COLORS[j % len(COLORS)]}"/>')
        step = max(1, math.ceil(n / 6))
        if i % step == 0:
            parts.append(f'<text x="{left + (i + 0.5) * group_w:.1f}" y="{height - 10}" '
                         f'text-anchor="middle" class="axis">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def hbars(rows: Sequence[tuple[str, float | None]], *, fmt: Fmt, maximum: float | None = None,
          target: float | None = None, width: int = 640, row_h: int = 26,
          hidden_label: str = "") -> str:
    """Horizontal bars with their value written at the end (percentages, indices)."""
    label_w, pad = 210, 90
    height = row_h * max(len(rows), 1) + 8
    top = maximum or _max([v for _, v in rows if v is not None])
    plot_w = width - label_w - pad
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" aria-hidden="true" '
             f'focusable="false" xmlns="http://www.w3.org/2000/svg">']
    if target is not None and top:  # first: bars and values are drawn over it, not under
        x = label_w + plot_w * min(target, top) / top
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#c0392b" '
                     'stroke-dasharray="4 3" stroke-width="1.5"/>')
    for i, (label, value) in enumerate(rows):
        y = 4 + i * row_h
        short = label if len(label) <= 17 else label[:16] + "\u2026"
        parts.append(f'<text x="{label_w - 6}" y="{y + row_h * 0.65:.1f}" text-anchor="end" '
                     f'class="axis">{escape(short)}</text>')
        if value is None:
            parts.append(f'<text x="{label_w + 4}" y="{y + row_h * 0.65:.1f}" class="axis muted">'
                         f'{escape(hidden_label)}</text>')
            continue
        w = plot_w * min(float(value), top) / top
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
                     f'fill="{COLORS[0]}"/>')
        # a white halo keeps the value legible where the dashed target line crosses it
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + row_h * 0.65:.1f}" '
                     'class="axis" stroke="#fff" stroke-width="3" paint-order="stroke">'
                     f'{escape(fmt(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def sparkline(values: Sequence[float | None], *, width: int = 120, height: int = 28) -> str:
    points = [v for v in values if v is not None]
    if len(points) < 2:
        return ""
    top, low = max(points), min(points)
    span = (top - low) or 1.0
    step = width / (len(points) - 1)
    path = " ".join(f"{i * step:.1f},{height - 3 - (v - low) / span * (height - 6):.1f}"
                    for i, v in enumerate(points))
    return (f'<svg class="spark" viewBox="0 0 {width} {height}" aria-hidden="true" '
            f'focusable="false" xmlns="http://www.w3.org/2000/svg"><polyline points="{path}" '
            f'fill="none" stroke="{COLORS[0]}" stroke-width="2"/></svg>')
