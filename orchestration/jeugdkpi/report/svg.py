"""Small inline SVG line charts (no JavaScript, no external files)."""

from __future__ import annotations

import html
import math


def _num(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def trend_svg(labels: list[str], series: list[tuple[str, list, str]], width: int = 150, height: int = 44) -> str:
    """A line chart over `labels` (the half-years). `series` = (name, values, style) with style "main" (solid
    dark) or "ref" (dashed grey, the region). Missing or suppressed values (None) leave a gap, never a zero."""
    pad_x, pad_top, pad_bottom = 6, 5, 12
    vals = [v for _, values, _ in series for v in map(_num, values) if v is not None]
    if not vals:
        return ('<svg class="trend" width="%d" height="%d" role="img">'
                '<title>geen gegevens</title><text x="4" y="%d" font-size="9" fill="#888">geen gegevens</text></svg>'
                % (width, height, height // 2))
    lo, hi = min(vals), max(vals)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    step = (width - 2 * pad_x) / max(1, len(labels) - 1)
    plot_h = height - pad_top - pad_bottom

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad_x + i * step, pad_top + (hi - v) / (hi - lo) * plot_h

    parts = [f'<svg class="trend" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">']
    desc = "; ".join(f"{name}: " + ", ".join(f"{lab} {'-' if _num(v) is None else round(_num(v), 1)}"
                                             for lab, v in zip(labels, values)) for name, values, _ in series)
    parts.append(f"<title>{html.escape(desc)}</title>")
    for name, values, style in series:
        colour, dash, r = ("#1f4e79", "", 2.2) if style == "main" else ("#999", ' stroke-dasharray="3 2"', 1.6)
        segment: list[str] = []
        segments = []
        for i, v in enumerate(map(_num, values)):
            if v is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            x, y = xy(i, v)
            segment.append(f"{x:.1f},{y:.1f}")
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}"/>')
        if segment:
            segments.append(segment)
        for seg in segments:
            if len(seg) > 1:
                parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" '
                             f'stroke-width="1.5"{dash}/>')
    for i, lab in enumerate(labels):
        x = pad_x + i * step
        anchor = "start" if i == 0 else ("end" if i == len(labels) - 1 else "middle")
        short = lab[2:] if len(lab) == 7 else lab  # 2025-H2 -> 25-H2: four labels fit the width
        parts.append(f'<text x="{x:.1f}" y="{height - 2}" font-size="7.5" fill="#666" text-anchor="{anchor}">'
                     f'{html.escape(short)}</text>')
    parts.append("</svg>")
    return "".join(parts)
