"""Coordinates for the report's inline SVG plot of a sample's ECDF against the spec's CDF.

A KS record carries ``plot = {x, ecdf, cdf}`` (conformance/stats.py: values on the grid the
statistic was taken on). The template draws the polylines; this module only maps data to pixels.
"""

from __future__ import annotations

import math

WIDTH, HEIGHT, PAD = 360, 180, 28


def ecdf_plot(plot: dict) -> dict | None:
    """SVG geometry: ``cdf`` and ``ecdf`` polyline points, the widest gap as a segment, axis labels.

    None when the record has no usable plot data.
    """
    xs, fe, fc = plot.get("x") or [], plot.get("ecdf") or [], plot.get("cdf") or []
    if len(xs) < 2 or not len(xs) == len(fe) == len(fc) or not all(math.isfinite(v) for v in xs):
        return None
    lo, hi = min(xs), max(xs)
    span = hi - lo or 1.0

    def px(x, y):
        return round(PAD + (x - lo) / span * (WIDTH - 2 * PAD), 2), round(HEIGHT - PAD - y * (HEIGHT - 2 * PAD), 2)

    def points(ys):
        return " ".join(f"{a},{b}" for a, b in (px(x, y) for x, y in zip(xs, ys)))

    gap = max(range(len(xs)), key=lambda i: abs(fe[i] - fc[i]))
    (gx, gy1), (_, gy2) = px(xs[gap], fe[gap]), px(xs[gap], fc[gap])
    return {"width": WIDTH, "height": HEIGHT, "pad": PAD, "cdf": points(fc), "ecdf": points(fe),
            "gap": {"x": gx, "y1": gy1, "y2": gy2, "size": f"{abs(fe[gap] - fc[gap]):.3g}", "at": f"{xs[gap]:.4g}"},
            "lo": f"{lo:.4g}", "hi": f"{hi:.4g}"}
