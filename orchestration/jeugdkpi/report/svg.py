"""Small inline SVG line charts (no JavaScript, no external files), with a value axis and the target line.

A chart is `trend_svg(labels, series, target=..., fmt=..., title=...)`: the half-years on the x axis, the value
axis from the lowest to the highest value shown (the target included, so its line is always inside the plot),
labelled at both ends in the report's number format, a baseline at the lowest value, and the target as a
dashed orange line labelled "doel". `<title>` and `<desc>` make the chart readable without seeing it.
"""

from __future__ import annotations

import html
import math
from typing import Callable

WIDTH, HEIGHT = 190, 56
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 38, 20, 6, 12  # room for the value labels, "doel", the half-years
MAIN, REF, TARGET, AXIS = "#1f4e79", "#999", "#c55a11", "#bbb"


def _num(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _plain(v: float, decimals: int | None = None) -> str:
    return f"{v:g}" if decimals is None else f"{v:.{decimals}f}"


def trend_svg(labels: list[str], series: list[tuple[str, list, str]], width: int = WIDTH, height: int = HEIGHT,
              *, target: float | None = None, fmt: Callable[..., str] = _plain, title: str = "trend") -> str:
    """A line chart over `labels` (the half-years). `series` = (name, values, style) with style "main" (solid
    dark) or "ref" (dashed grey, the region). Missing or suppressed values (None) leave a gap, never a zero.
    `target` draws the target line (only beside a main series with a value); `fmt(value, decimals=None)`
    formats the axis labels and the description (Dutch number format); where the two axis ends would read the
    same (0,23 and 0,18 % as "0,2 %") they get up to 4 decimals."""
    esc = html.escape
    head = f"Trend {title}" + (f", {labels[0]} tot {labels[-1]}" if labels else "")
    vals = [v for _, values, _ in series for v in map(_num, values) if v is not None]
    if not vals:
        return (f'<svg class="trend" width="{width}" height="{height}" role="img"><title>{esc(head)}</title>'
                f'<desc>geen gegevens</desc><text x="4" y="{height // 2}" font-size="9" fill="#888">geen gegevens'
                '</text></svg>')
    # the target belongs to the main series (the provider on a factsheet): without a value of its own there
    # is nothing to hold against it, and a provider's target beside only the region's line would mislead
    target = _num(target) if any(_num(v) is not None for _, values, style in series if style == "main"
                                 for v in values) else None
    shown = vals + ([target] if target is not None else [])
    lo, hi = min(shown), max(shown)
    span_lo, span_hi = (lo - 1, hi + 1) if hi == lo else (lo, hi)
    left, right = PAD_LEFT, width - PAD_RIGHT
    step = (right - left) / max(1, len(labels) - 1)
    plot_h = height - PAD_TOP - PAD_BOTTOM

    def y(v: float) -> float:
        return PAD_TOP + (span_hi - v) / (span_hi - span_lo) * plot_h

    desc = ["; ".join(f"{name}: " + ", ".join(f"{lab} {'geen waarde' if _num(v) is None else fmt(_num(v))}"
                                              for lab, v in zip(labels, values)) for name, values, _ in series)]
    if target is not None:
        desc.append(f"doel: {fmt(target)}")
    lo_label, hi_label = fmt(lo), fmt(hi)
    for decimals in (2, 3, 4):
        if lo_label != hi_label or lo == hi:
            break
        lo_label, hi_label = fmt(lo, decimals), fmt(hi, decimals)
    desc.append(f"as van {lo_label} tot {hi_label}")
    parts = [f'<svg class="trend" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">',
             f"<title>{esc(head)}</title><desc>{esc('; '.join(desc))}</desc>"]
    # value axis: a vertical line, the baseline at the lowest value, labels at the lowest and highest value
    bottom, top = y(lo), y(hi)
    parts.append(f'<line class="as" x1="{left - 2}" y1="{top:.1f}" x2="{left - 2}" y2="{bottom:.1f}" '
                 f'stroke="{AXIS}" stroke-width="0.8"/>')
    parts.append(f'<line class="basislijn" x1="{left - 2}" y1="{bottom:.1f}" x2="{right}" y2="{bottom:.1f}" '
                 f'stroke="{AXIS}" stroke-width="0.8"/>')
    ends = [("as-max", hi_label, top)] + ([("as-min", lo_label, bottom)] if hi != lo else [])
    for cls, label, at in ends:
        parts.append(f'<text class="{cls}" x="{left - 4}" y="{at + 2.5:.1f}" font-size="7" fill="#666" '
                     f'text-anchor="end">{esc(label)}</text>')
    if target is not None:
        ty = y(target)
        parts.append(f'<line class="doel" x1="{left - 2}" y1="{ty:.1f}" x2="{right}" y2="{ty:.1f}" '
                     f'stroke="{TARGET}" stroke-width="1" stroke-dasharray="4 2"/>')
        parts.append(f'<text class="doel" x="{right + 2}" y="{ty + 2.5:.1f}" font-size="7" '
                     f'fill="{TARGET}">doel</text>')
    for name, values, style in series:
        colour, dash, r = (MAIN, "", 2.2) if style == "main" else (REF, ' stroke-dasharray="3 2"', 1.6)
        segment: list[str] = []
        segments = []
        for i, v in enumerate(map(_num, values)):
            if v is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            px, py = left + i * step, y(v)
            segment.append(f"{px:.1f},{py:.1f}")
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{r}" fill="{colour}"/>')
        if segment:
            segments.append(segment)
        for seg in segments:
            if len(seg) > 1:
                parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" '
                             f'stroke-width="1.5"{dash}/>')
    for i, lab in enumerate(labels):
        anchor = "start" if i == 0 else ("end" if i == len(labels) - 1 else "middle")
        short = lab[2:] if len(lab) == 7 else lab  # 2025-H2 -> 25-H2: four labels fit the width
        parts.append(f'<text x="{left + i * step:.1f}" y="{height - 2}" font-size="7.5" fill="#666" '
                     f'text-anchor="{anchor}">{esc(short)}</text>')
    parts.append("</svg>")
    return "".join(parts)
