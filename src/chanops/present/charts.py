"""Inline SVG charts for the offline HTML report: no scripts, no fonts, no network —
the file must open on an intranet PC and print. Two shapes cover the report: a line
chart of monthly series and a horizontal bar chart."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from chanops.present.numbers import percent_text

PALETTE = ("#1f6fb2", "#d9534f", "#2e8b57", "#f0ad4e", "#6f42c1", "#17a2b8")
FONT = 'font-family="sans-serif" font-size="11"'


def _fmt(value: float, percent: bool) -> str:
    return percent_text(value, 1) if percent else f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def line_chart(
    title: str,
    months: Sequence[str],
    series: dict[str, Sequence[float | None]],
    percent: bool = True,
    width: int = 720,
    height: int = 240,
) -> str:
    """One line per series over `months`; gaps where a value is missing."""
    left, right, top, bottom = 56, 230, 28, 28
    values = [v for line in series.values() for v in line if v is not None]
    if not values or not months:
        return ""
    low, high = min(0.0, min(values)), max(values)
    high = high if high > low else low + 1
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(months) - 1, 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return top + plot_h - (v - low) / (high - low) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f'<text x="{left}" y="16" {FONT} font-weight="bold">{escape(title)}</text>',
    ]
    for k in range(5):
        v = low + (high - low) * k / 4
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" {FONT} text-anchor="end">{_fmt(v, percent)}</text>')
    for i, month in enumerate(months):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" {FONT} text-anchor="middle">{escape(month)}</text>')
    for n, (name, line) in enumerate(series.items()):
        color = PALETTE[n % len(PALETTE)]
        points = [(x(i), y(v)) for i, v in enumerate(line) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}"/>' for px, py in points]
        parts.append(f'<rect x="{left + plot_w + 12}" y="{top + n * 18}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{left + plot_w + 26}" y="{top + n * 18 + 9}" {FONT}>{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    title: str, labels: Sequence[str], values: Sequence[float | None], percent: bool = True, width: int = 640
) -> str:
    """Horizontal bars, one per label, with the value written at the end."""
    pairs = [(str(label), float(v)) for label, v in zip(labels, values, strict=True) if v is not None]
    if not pairs:
        return ""
    left, right, top, row = 120, 70, 26, 20
    height = top + row * len(pairs) + 8
    high = max(max(v for _, v in pairs), 1e-9)
    plot_w = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f'<text x="{left}" y="16" {FONT} font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(pairs):
        y = top + i * row
        bar = max(value, 0) / high * plot_w
        parts.append(f'<text x="{left - 6}" y="{y + 13}" {FONT} text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 2}" width="{bar:.1f}" height="{row - 6}" fill="{PALETTE[0]}"/>')
        parts.append(f'<text x="{left + bar + 4:.1f}" y="{y + 13}" {FONT}>{_fmt(value, percent)}</text>')
    parts.append("</svg>")
    return "".join(parts)
