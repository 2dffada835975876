"""Small inline SVG line charts (no JavaScript, no external files), with a value axis and the target line.

A chart is `trend_svg(labels, series, target=..., fmt=..., title=...)`: the half-years on the x axis, the value
axis from the lowest to the highest value shown (the target included, so its line is always inside the plot),
labelled at both ends in the report's number format, a baseline at the lowest value, and the target as a
dashed orange line labelled "doel". `<title>` and `<desc>` make the chart readable without seeing it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from markupsafe import Markup

from jeugdkpi.report.templating import render

WIDTH, HEIGHT = 190, 56
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 38, 20, 6, 12  # room for the value labels, "doel", the half-years


def _num(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _plain(v: float, decimals: int | None = None) -> str:
    return f"{v:g}" if decimals is None else f"{v:.{decimals}f}"


def trend_svg(labels: list[str], series: list[tuple[str, list, str]], width: int = WIDTH, height: int = HEIGHT,
              *, target: float | None = None, fmt: Callable[..., str] = _plain, title: str = "trend") -> Markup:
    """A line chart over `labels` (the half-years). `series` = (name, values, style) with style "main" (solid
    dark) or "ref" (dashed grey, the region). Missing or suppressed values (None) leave a gap, never a zero.
    `target` draws the target line (only beside a main series with a value); `fmt(value, decimals=None)`
    formats the axis labels and the description (Dutch number format); where the two axis ends would read the
    same (0,23 and 0,18 % as "0,2 %") they get up to 4 decimals. The markup is templates/trend.svg.j2."""
    head = f"Trend {title}" + (f", {labels[0]} tot {labels[-1]}" if labels else "")
    vals = [v for _, values, _ in series for v in map(_num, values) if v is not None]
    if not vals:
        return Markup(render("trend.svg.j2", empty=True, width=width, height=height, head=head))
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
                                              for lab, v in zip(labels, values, strict=False))
                      for name, values, _ in series)]
    if target is not None:
        desc.append(f"doel: {fmt(target)}")
    lo_label, hi_label = fmt(lo), fmt(hi)
    for decimals in (2, 3, 4):
        if lo_label != hi_label or lo == hi:
            break
        lo_label, hi_label = fmt(lo, decimals), fmt(hi, decimals)
    desc.append(f"as van {lo_label} tot {hi_label}")
    # value axis: labels at the highest and (when it differs) the lowest value, the baseline at the lowest
    ends = [{"cls": "as-max", "label": hi_label, "y": y(hi)}] + \
        ([{"cls": "as-min", "label": lo_label, "y": y(lo)}] if hi != lo else [])
    drawn = []
    for _, values, style in series:
        points = [(left + i * step, y(v)) if v is not None else None for i, v in enumerate(map(_num, values))]
        segments, segment = [], []
        for point in points + [None]:  # a gap (None) ends a segment
            if point is None:
                if segment:
                    segments.append(segment)
                segment = []
            else:
                segment.append(point)
        drawn.append({"style": style, "points": [p for p in points if p is not None], "segments": segments})
    ticks = [{"x": left + i * step, "text": lab[2:] if len(lab) == 7 else lab,  # 2025-H2 -> 25-H2: four fit
              "anchor": "start" if i == 0 else ("end" if i == len(labels) - 1 else "middle")}
             for i, lab in enumerate(labels)]
    return Markup(render("trend.svg.j2", empty=False, width=width, height=height, head=head, desc="; ".join(desc),
                         left=left, right=right, top=y(hi), bottom=y(lo), ends=ends,
                         target_y=None if target is None else y(target), series=drawn, labels=ticks))


OUTLOOK_WIDTH, OUTLOOK_HEIGHT = 200, 64  # fits the A4 table beside five text columns


def outlook_svg(history: list[tuple[str, float | None]], *, projection: dict | None, target: float | None,
                width: int = OUTLOOK_WIDTH, height: int = OUTLOOK_HEIGHT, fmt: Callable[..., str] = _plain,
                title: str = "vooruitblik") -> Markup:
    """The outlook of one KPI as a small chart: the series the trend rests on (`history`: period -> value, None
    leaves a gap; a period the trend left out as an outlier is drawn hollow), the projection to the middle of the
    target year as a dashed line from the trend at the last period with its 80 % interval as a band widening to
    the target year, and the published target as the dashed orange "doel" line. `projection` holds `last_time`,
    `fit_last` (the trend at the last period), `time` (mid target year), `value`, `lower`, `upper`, `left_out`
    (periods) and `label` (the target year); None draws the history and the target only. Time runs left to right
    in years, so the gap to the target year is as long as it is. Axis labels at the lowest and highest value
    shown (band and target included). The markup is templates/outlook.svg.j2."""
    from jeugdkpi.outlook import period_time

    head = f"Vooruitblik {title}"
    known = [(period_time(p), _num(v), p) for p, v in history if _num(v) is not None]
    if not known:
        return Markup(render("trend.svg.j2", empty=True, width=width, height=height, head=head))
    shown = [v for _, v, _ in known] + ([target] if target is not None else [])
    if projection is not None:
        shown += [projection["lower"], projection["upper"], projection["fit_last"]]
    lo, hi = min(shown), max(shown)
    span_lo, span_hi = (lo - 1, hi + 1) if hi == lo else (lo, hi)
    t0 = min(t for t, _, _ in known)
    t1 = max([t for t, _, _ in known] + ([projection["time"]] if projection else []))
    left, right = PAD_LEFT, width - PAD_RIGHT
    plot_h = height - PAD_TOP - PAD_BOTTOM

    def x(t: float) -> float:
        return left + (t - t0) / max(t1 - t0, 1e-9) * (right - left)

    def y(v: float) -> float:
        return PAD_TOP + (span_hi - v) / (span_hi - span_lo) * plot_h

    lo_label, hi_label = fmt(lo), fmt(hi)
    for decimals in (2, 3, 4):
        if lo_label != hi_label or lo == hi:
            break
        lo_label, hi_label = fmt(lo, decimals), fmt(hi, decimals)
    ends = [{"cls": "as-max", "label": hi_label, "y": y(hi)}] + \
        ([{"cls": "as-min", "label": lo_label, "y": y(lo)}] if hi != lo else [])
    left_out = set(projection["left_out"]) if projection else set()
    points = [{"x": x(t), "y": y(v), "hollow": p in left_out} for t, v, p in known]
    line = [(x(t), y(v)) for t, v, p in known if p not in left_out]
    desc = ["reeks: " + ", ".join(f"{p} {fmt(v)}" + (" (uitschieter, niet meegeteld)" if p in left_out else "")
                                  for _, v, p in known)]
    band = None
    if projection is not None:
        tx = x(projection["time"])
        band = {"polygon": [(x(projection["last_time"]), y(projection["fit_last"])), (tx, y(projection["upper"])),
                            (tx, y(projection["lower"]))],
                "line": ((x(projection["last_time"]), y(projection["fit_last"])), (tx, y(projection["value"]))),
                "x": tx, "upper": y(projection["upper"]), "lower": y(projection["lower"]),
                "mid": y(projection["value"])}
        desc.append(f"verwachting {projection['label']}: {fmt(projection['value'])} "
                    f"(80%-interval {fmt(projection['lower'])} tot {fmt(projection['upper'])})")
    if target is not None:
        desc.append(f"doel: {fmt(target)}")
    desc.append(f"as van {lo_label} tot {hi_label}")
    first, last = known[0][2], known[-1][2]
    labels = [{"x": x(known[0][0]), "text": first, "anchor": "start"}]
    if projection is not None:
        room = 34  # px between the last period's label and the target year's (2026-H1 beside 2026 would collide)
        if last != first and x(projection["time"]) - x(known[-1][0]) >= room and x(known[-1][0]) - left >= room:
            labels.append({"x": x(known[-1][0]), "text": last, "anchor": "middle"})
        labels.append({"x": x(projection["time"]), "text": str(projection["label"]), "anchor": "end"})
    elif last != first:
        labels.append({"x": x(known[-1][0]), "text": last, "anchor": "end"})
    return Markup(render("outlook.svg.j2", width=width, height=height, head=head, desc="; ".join(desc), left=left,
                         right=right, top=y(hi), bottom=y(lo), ends=ends, points=points, line=line, band=band,
                         target_y=None if target is None else y(target), labels=labels))
