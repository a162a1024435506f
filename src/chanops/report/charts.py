"""Inline SVG charts for the offline HTML report: no scripts, no web fonts, no network —
the file must open on an intranet PC and print.

Every chart is a function from labelled values to one <svg> string that scales to its
container (viewBox). Line axes are fitted to the data (report/axes.py), and a chart whose
axis leaves zero out says so; bars start at zero. A threshold is drawn where one is declared,
and what breaches it is marked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from chanops.report.axes import fitted_axis, tick_text

PALETTE = ("#1f6fb2", "#e07b39", "#2e8b57", "#8e44ad", "#c0392b", "#17a2b8")
GOOD, BAD, MUTED, GRID, THRESHOLD = "#2e8b57", "#c0392b", "#8a96a3", "#e3e8ee", "#c0392b"
FONT = 'font-family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"'
Formatter = Callable[[float], str]


def _svg(width: float, height: float, title: str, body: list[str], css: str = "chart") -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{escape(title)}" class="{css}">' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, size: int = 12, anchor: str = "start", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" {FONT} font-size="{size}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'
    )


# Said on a line chart whose fitted axis leaves zero out, so a 38.6% → 37.3% dip is read as
# the 1.3 points it is, not as a cliff
AXIS_CUT = {"zh": "纵轴未从 0 开始", "en": "axis does not start at 0"}


def line_chart(
    title: str,
    months: Sequence[str],
    series: dict[str, Sequence[float | None]],
    percent: bool = True,
    threshold: float | None = None,
    width: int = 460,
    height: int = 220,
    *,
    lang: str,
) -> str:
    """Monthly lines on an axis fitted to the values (and the threshold), the latest value
    written at each line's end; gaps where a month has no value. An axis that does not reach
    zero gets a break mark on its foot and says so in the top right corner."""
    values = [v for line in series.values() for v in line if v is not None]
    if not values or not months:
        return ""
    axis = fitted_axis(values + ([threshold] if threshold is not None else []))
    legend = len(series) > 1
    left, right, top, bottom = 52, 58, 30, 24 + (18 * ((len(series) + 1) // 2) if legend else 0)
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(months) - 1, 1)

    def y(v: float) -> float:
        return axis.position(v, top + plot_h, -plot_h)

    body = [_text(left - 44, 18, title, 13, extra=' font-weight="bold"')]
    for tick in axis.ticks:
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{GRID}"/>')
        label = tick_text(tick, axis.step, percent)
        body.append(_text(left - 6, y(tick) + 4, label, 11, "end", f' fill="{MUTED}" class="tick"'))
    for i, month in enumerate(months):
        body.append(_text(left + i * step, top + plot_h + 16, month[2:], 11, "middle", f' fill="{MUTED}"'))
    if axis.low > 0 or axis.high < 0:
        body += _axis_cut(left, top + plot_h, width - 4, AXIS_CUT["zh" if lang == "zh" else "en"])
    if threshold is not None:
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(threshold):.1f}" y2="{y(threshold):.1f}" '
            f'stroke="{THRESHOLD}" stroke-dasharray="5 3" class="threshold"/>'
        )
    for n, (name, line) in enumerate(series.items()):
        color = PALETTE[n % len(PALETTE)]
        points = [(left + i * step, y(v), v) for i, v in enumerate(line) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
            body.append(f'<polyline fill="none" stroke="{color}" stroke-width="2.2" points="{path}"/>')
        body += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}"/>' for px, py, _ in points]
        last_x, last_y, last = points[-1]
        value = tick_text(last, axis.step / 10, percent) if percent else f"{last:,.0f}"
        body.append(_text(last_x + 6, last_y + 4, value, 11, extra=f' fill="{color}" font-weight="bold"'))
        if legend:
            lx, ly = left + (n % 2) * plot_w / 2, top + plot_h + 34 + (n // 2) * 18
            body.append(f'<rect x="{lx:.1f}" y="{ly - 9:.1f}" width="10" height="10" fill="{color}"/>')
            body.append(_text(lx + 14, ly, name, 11))
    return _svg(width, height, title, body)


def _axis_cut(x: float, y: float, right: float, note: str) -> list[str]:
    """A zigzag on the baseline where the value axis starts (the usual sign of a broken axis)
    and the note saying it, in muted small type at the top right."""
    zigzag = f"M{x:.1f},{y:.1f} l3,-3.5 l3,7 l3,-7 l3,3.5"
    return [
        f'<path d="{zigzag}" fill="none" stroke="{MUTED}" stroke-width="1.4" class="axis-cut"/>',
        _text(right, 18, note, 10, "end", f' fill="{MUTED}" class="axis-cut-note"'),
    ]


def sparkline(values: Sequence[float | None], good_when_higher: bool = True, width: int = 120, height: int = 32) -> str:
    """The last months as a small line, its last point coloured by whether the last move was good."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return ""
    axis = fitted_axis([v for _, v in points], ticks=2)
    step = (width - 8) / max(len(values) - 1, 1)
    coords = [(4 + i * step, axis.position(v, height - 4, -(height - 8))) for i, v in points]
    rising = points[-1][1] >= points[-2][1]
    color = GOOD if rising == good_when_higher else BAD
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    end_x, end_y = coords[-1]
    body = [
        f'<polyline fill="none" stroke="{MUTED}" stroke-width="1.6" points="{path}"/>',
        f'<circle cx="{end_x:.1f}" cy="{end_y:.1f}" r="3" fill="{color}"/>',
    ]
    return _svg(width, height, "trend", body, "spark")


def ranked_bars(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    fmt: Formatter,
    threshold: float | None = None,
    breach_below: bool = True,
    width: int = 460,
    threshold_label: str = "",
    keep_order: bool = False,
) -> str:
    """Horizontal bars ranked best first — or, with `keep_order`, in the order given (the 盟市
    in their official order, the same row in every chart) — a dashed threshold line, and the
    bars on the wrong side of it in red (a breach is below a minimum or above a maximum)."""
    pairs = [(str(label), float(v)) for label, v in zip(labels, values, strict=True) if v is not None]
    if not keep_order:
        pairs.sort(key=lambda pair: -pair[1])
    if not pairs:
        return ""
    left, right, top, row = 92, 64, 34, 22
    height = top + row * len(pairs) + 14
    plot_w = width - left - right
    axis = fitted_axis([v for _, v in pairs] + ([threshold] if threshold is not None else []), include_zero=True)

    def x(v: float) -> float:
        return axis.position(v, left, plot_w)

    body = [_text(8, 18, title, 13, extra=' font-weight="bold"')]
    for i, (label, value) in enumerate(pairs):
        y = top + i * row
        breached = threshold is not None and (value < threshold if breach_below else value > threshold)
        color = BAD if breached else PALETTE[0]
        css = ' class="bar breach"' if breached else ' class="bar"'
        body.append(_text(left - 6, y + 14, label, 12, "end"))
        body.append(
            f'<rect x="{left}" y="{y + 3}" width="{max(x(value) - left, 0.5):.1f}" height="{row - 7}" '
            f'fill="{color}" rx="2"{css}/>'
        )
        body.append(_text(x(value) + 4, y + 14, fmt(value), 11, extra=f' fill="{color}"'))
    if threshold is not None:
        tx = x(threshold)
        body.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top - 4}" y2="{height - 10}" stroke="{THRESHOLD}" '
            f'stroke-dasharray="5 3" class="threshold"/>'
        )
        body.append(_text(tx, top - 8, threshold_label or fmt(threshold), 11, "middle", f' fill="{THRESHOLD}"'))
    return _svg(width, height, title, body)


def grouped_bars(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    fmt: Formatter,
    width: int = 460,
) -> str:
    """Horizontal bars, one group per label and one bar per series, with a legend."""
    if not labels or not series:
        return ""
    values = [v for line in series.values() for v in line if v is not None]
    if not values:
        return ""
    bar, gap = 12, 8
    left, right, top = 92, 64, 44 if len(series) > 1 else 30
    group = bar * len(series) + gap
    height = top + group * len(labels) + 8
    plot_w = width - left - right
    axis = fitted_axis(values, include_zero=True)
    body = [_text(8, 18, title, 13, extra=' font-weight="bold"')]
    for n, name in enumerate(series if len(series) > 1 else ()):  # one series: the title says it
        lx = left + n * 150
        body.append(f'<rect x="{lx}" y="{26}" width="10" height="10" fill="{PALETTE[n % len(PALETTE)]}"/>')
        body.append(_text(lx + 14, 35, name, 11))
    for i, label in enumerate(labels):
        y = top + i * group
        body.append(_text(left - 6, y + group / 2, label, 12, "end"))
        for n, line in enumerate(series.values()):
            value = line[i]
            if value is None:
                continue
            end = axis.position(value, left, plot_w)
            color = PALETTE[n % len(PALETTE)]
            body.append(
                f'<rect x="{left}" y="{y + n * bar:.1f}" width="{max(end - left, 0.5):.1f}" height="{bar - 2}" '
                f'fill="{color}" rx="2"/>'
            )
            body.append(_text(end + 4, y + n * bar + bar - 3, fmt(value), 10, extra=f' fill="{color}"'))
    return _svg(width, height, title, body)


def funnel(title: str, stages: Sequence[tuple[str, float]], fmt: Formatter, width: int = 460) -> str:
    """Stages as centred bars narrowing with their counts, the step rate between each two."""
    if not stages or not stages[0][1]:
        return ""
    top, row = 34, 46
    height = top + row * len(stages)
    widest = stages[0][1]
    plot_w = width - 40
    body = [_text(8, 18, title, 13, extra=' font-weight="bold"')]
    for i, (name, count) in enumerate(stages):
        w = max(count / widest * plot_w, 2)
        y = top + i * row
        body.append(
            f'<rect x="{(width - w) / 2:.1f}" y="{y}" width="{w:.1f}" height="{row - 18}" '
            f'fill="{PALETTE[min(i, len(PALETTE) - 1)]}" rx="3" class="stage"/>'
        )
        words = f"{name}  {count:,.0f}"
        if w > 12 * len(words):  # inside a wide bar, beside a narrow one
            body.append(_text(width / 2, y + 18, words, 12, "middle", ' fill="#fff" font-weight="bold"'))
        else:
            body.append(_text((width + w) / 2 + 6, y + 18, words, 12, extra=' font-weight="bold"'))
        if i:
            before = stages[i - 1][1]
            rate = count / before if before else 0.0
            body.append(_text(width / 2, y - 4, f"↓ {fmt(rate)}", 11, "middle", f' fill="{MUTED}"'))
    return _svg(width, height, title, body)
