"""Server-rendered SVG charts: accessible (title, description, values as text), no script."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from markupsafe import Markup, escape

_ids = itertools.count(1)


def _open(width: int, height: int, title: str, desc: str) -> str:
    n = next(_ids)
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-t{n} chart-d{n}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-t{n}">{escape(title)}</title><desc id="chart-d{n}">{escape(desc)}</desc>'
    )


def _describe(items: Sequence[tuple[str, int]]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in items) or "Chưa có số liệu"


def _nice_max(value: int) -> int:
    """A round axis maximum at or above `value` (1, 2, 5 × 10^k)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def columns(items: Sequence[tuple[str, int]], title: str, *, width: int = 600) -> Markup:
    """Vertical bars, e.g. messages per day; labels thinned out when there are many."""
    height, left, bottom, top = 240, 44, 28, 12
    plot_w, plot_h = width - left - 8, height - bottom - top
    top_value = _nice_max(max((v for _, v in items), default=0))
    parts = [_open(width, height, title, _describe(items))]
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}"/>')
        label = f"{top_value * frac:g}"
        parts.append(
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>'
        )
    slot = plot_w / max(len(items), 1)
    every = max(1, -(-len(items) // 8))  # at most 8 labels: dates must not touch
    for i, (label, value) in enumerate(items):
        h = plot_h * value / top_value
        x = left + i * slot + slot * 0.15
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}"><title>{escape(label)}: {value}</title></rect>'
        )
        if i % every == 0:
            cx = x + slot * 0.35
            parts.append(
                f'<text class="axis" x="{cx:.1f}" y="{height - 8}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def rows(items: Sequence[tuple[str, int]], title: str, *, width: int = 600) -> Markup:
    """Horizontal bars, e.g. top topics; long labels go above their bar instead of beside it."""
    above = any(len(label) > 22 for label, _ in items)
    label_w, value_w = (0, 56) if above else (170, 56)
    row_h = 42 if above else 26
    height = max(row_h * len(items), row_h) + 6
    top_value = max((v for _, v in items), default=0) or 1
    bar_w = width - label_w - value_w
    parts = [_open(width, height, title, _describe(items))]
    if not items:
        parts.append(f'<text class="axis" x="0" y="{row_h - 8}">Chưa có số liệu</text>')
    for i, (label, value) in enumerate(items):
        y = 3 + i * row_h
        bar_y = y + (20 if above else 4)
        w = max(bar_w * value / top_value, 1 if value else 0)
        short = label if len(label) <= 80 else label[:79] + "…"
        if above:
            parts.append(f'<text class="label" x="0" y="{y + 14}">{escape(short)}</text>')
        else:
            parts.append(
                f'<text class="label" x="{label_w - 8}" y="{y + 17}" text-anchor="end">'
                f"{escape(short)}</text>"
            )
        parts.append(
            f'<rect class="bar" x="{label_w}" y="{bar_y}" width="{w:.1f}" height="16">'
            f"<title>{escape(label)}: {value}</title></rect>"
            f'<text class="value" x="{label_w + w + 6:.1f}" y="{bar_y + 13}">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def shares(items: Sequence[tuple[str, int, str]], title: str, *, width: int = 600) -> Markup:
    """One 100 % bar split by share (label, value, css class), with a legend below it."""
    bar_h, line_h = 30, 22
    height = bar_h + 12 + line_h * len(items)
    total = sum(v for _, v, _ in items)
    parts = [_open(width, height, title, _describe([(label, v) for label, v, _ in items]))]
    x = 0.0
    for label, value, css in items:
        w = width * value / total if total else 0
        if w:
            pct = 100 * value / total
            parts.append(
                f'<rect class="share {escape(css)}" x="{x:.1f}" y="0" width="{w:.1f}" '
                f'height="{bar_h}"><title>{escape(label)}: {value} ({pct:.0f}%)</title></rect>'
            )
        x += w
    if not total:
        parts.append(f'<rect class="share empty" x="0" y="0" width="{width}" height="{bar_h}"/>')
    for i, (label, value, css) in enumerate(items):
        y = bar_h + 12 + i * line_h
        share = f"{100 * value / total:.0f}%" if total else "–"
        parts.append(
            f'<rect class="share {escape(css)}" x="0" y="{y}" width="14" height="14"/>'
            f'<text class="label" x="22" y="{y + 12}">{escape(label)}</text>'
            f'<text class="value" x="{width}" y="{y + 12}" text-anchor="end">'
            f"{value} · {share}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
