"""Charts as inline SVG: the page fetches nothing, so it opens offline and in a mail client."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

PALETTE = ("#2f6db5", "#e07b39", "#3a9d5d", "#8a5cb8", "#c44e52", "#6b6b6b")
WIDTH, HEIGHT = 640, 240
RIGHT, TOP, BOTTOM = 16, 16, 56
LABEL_CHAR_WIDTH = 6.2
"""The widest a character of a 10 px axis label draws, in px: the axis labels' margin is sized by it."""

Format = Callable[[float], str]
"""How a chart writes its values (axis labels and tooltips): the page passes the packet's
helpers, so an amount reads the same in a chart as in the tables and sentences."""


def count(value: float) -> str:
    return f"{value:,.0f}"


def _frame(title: str, body: list[str], legend: list[str], left: float) -> str:
    items = []
    for i, name in enumerate(legend):
        x = left + i * 120
        items.append(
            f'<rect x="{x}" y="{HEIGHT - 16}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="{HEIGHT - 7}" font-size="11">{escape(name)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{escape(title)}" font-family="sans-serif">'
        f"<title>{escape(title)}</title>" + "".join(body) + "".join(items) + "</svg>"
    )


def _axis(max_value: float, fmt: Format) -> tuple[list[str], float]:
    """Horizontal grid lines at 0, 25, 50, 75 and 100 % of max_value, labelled, and the left
    edge of the plot: wide enough for the longest label, which would otherwise be cut off."""
    plot_height = HEIGHT - TOP - BOTTOM
    labels = [fmt(max_value * step / 4) for step in range(5)]
    left = 8 + LABEL_CHAR_WIDTH * max(len(label) for label in labels)
    parts = []
    for step, label in enumerate(labels):
        y = TOP + plot_height * (1 - step / 4)
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4:.1f}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{escape(label)}</text>'
        )
    return parts, left


def _y(value: float, max_value: float) -> float:
    plot_height = HEIGHT - TOP - BOTTOM
    return TOP + plot_height * (1 - (value / max_value if max_value else 0))


def _empty(title: str) -> str:
    return _frame(
        title,
        [f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" font-size="13" fill="#666">no data</text>'],
        legend=[],
        left=0,
    )


def bar_chart(
    title: str,
    groups: list[str],
    series: dict[str, list[float | None]],
    fmt: Format = count,
    max_value: float | None = None,
) -> str:
    """Bars per group, one bar per series side by side (stacked=False) for each group."""
    values = [v for vs in series.values() for v in vs if v is not None]
    if not groups or not values:
        return _empty(title)
    top = max_value or max(values) or 1
    body, left = _axis(top, fmt)
    slot = (WIDTH - left - RIGHT) / len(groups)
    bar = slot * 0.8 / len(series)
    for g, group in enumerate(groups):
        x0 = left + g * slot + slot * 0.1
        for s, (name, vs) in enumerate(series.items()):
            value = vs[g]
            if value is None:
                continue
            y = _y(value, top)
            body.append(
                f'<rect x="{x0 + s * bar:.1f}" y="{y:.1f}" width="{bar - 1:.1f}" '
                f'height="{HEIGHT - BOTTOM - y:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(group)} {escape(name)}: {escape(fmt(value))}</title></rect>"
            )
        body.append(
            f'<text x="{x0 + slot * 0.4:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
            f'text-anchor="middle">{escape(_short(group))}</text>'
        )
    return _frame(title, body, list(series), left)


def stacked_bar_chart(title: str, groups: list[str], series: dict[str, list[float]], fmt: Format = count) -> str:
    """One bar per group, the series stacked in order."""
    totals = [sum(vs[g] for vs in series.values()) for g in range(len(groups))]
    if not groups or not any(totals):
        return _empty(title)
    top = max(totals)
    body, left = _axis(top, fmt)
    slot = (WIDTH - left - RIGHT) / len(groups)
    for g, group in enumerate(groups):
        x = left + g * slot + slot * 0.2
        base = 0.0
        for s, (name, vs) in enumerate(series.items()):
            if not vs[g]:
                continue
            y_top, y_base = _y(base + vs[g], top), _y(base, top)
            body.append(
                f'<rect x="{x:.1f}" y="{y_top:.1f}" width="{slot * 0.6:.1f}" height="{y_base - y_top:.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(group)} {escape(name)}: {escape(fmt(vs[g]))}</title></rect>"
            )
            base += vs[g]
        body.append(
            f'<text x="{x + slot * 0.3:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
            f'text-anchor="middle">{escape(_short(group))}</text>'
        )
    return _frame(title, body, list(series), left)


def line_chart(
    title: str,
    points: list[str],
    series: dict[str, list[float | None]],
    fmt: Format = count,
    max_value: float | None = None,
) -> str:
    """A line per series over the points (months), with a dot per value; gaps where None."""
    values = [v for vs in series.values() for v in vs if v is not None]
    if not points or not values:
        return _empty(title)
    top = max_value or max(values) or 1
    inset = 40  # the first and last month's labels stay inside the frame
    body, left = _axis(top, fmt)
    step = (WIDTH - left - RIGHT - 2 * inset) / max(len(points) - 1, 1)
    for p, point in enumerate(points):
        body.append(
            f'<text x="{left + inset + p * step:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
            f'text-anchor="middle">{escape(point)}</text>'
        )
    for s, (name, vs) in enumerate(series.items()):
        colour = PALETTE[s % len(PALETTE)]
        xy = [(left + inset + p * step, _y(v, top), v) for p, v in enumerate(vs) if v is not None]
        if len(xy) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in xy)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        body += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
            f"<title>{escape(name)}: {escape(fmt(v))}</title></circle>"
            for x, y, v in xy
        ]
    return _frame(title, body, list(series), left)


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
