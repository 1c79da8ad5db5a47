"""Small server-rendered SVG charts: no JavaScript and nothing loaded from elsewhere."""

from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ("#2f6f8f", "#e07a2f", "#6a9a3a", "#b0413e", "#7a5ea8", "#888888")
WIDTH, HEIGHT, PAD = 640, 220, 34


def stacked_bars(days: list[str], series: dict[str, list[int]], *, title: str) -> Markup:
    """Bars per day, one colour per series, with a legend."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    top = max(totals, default=0) or 1
    step = (WIDTH - 2 * PAD) / max(len(days), 1)
    shapes = []
    for i, day in enumerate(days):
        y = HEIGHT - PAD
        for colour, values in zip(PALETTE, series.values(), strict=False):
            h = values[i] / top * (HEIGHT - 2 * PAD)
            if h:
                shapes.append(
                    _rect(PAD + i * step + 1, y - h, step - 2, h, colour, f"{day}: {values[i]}")
                )
            y -= h
    labels = _axis(days, step) + _legend(list(series))
    return _svg(title, shapes + labels, top)


def line(days: list[str], values: list[int], *, title: str) -> Markup:
    top = max(values, default=0) or 1
    step = (WIDTH - 2 * PAD) / max(len(days) - 1, 1)
    points = " ".join(
        f"{PAD + i * step:.1f},{HEIGHT - PAD - v / top * (HEIGHT - 2 * PAD):.1f}"
        for i, v in enumerate(values)
    )
    shape = f'<polyline fill="none" stroke="{PALETTE[0]}" stroke-width="2" points="{points}"/>'
    return _svg(title, [shape, *_axis(days, step, centre=False)], top)


def hbars(rows: list[tuple[str, int]], *, title: str) -> Markup:
    """Horizontal bars for a top-N list."""
    height = 24 * max(len(rows), 1) + 30
    top = max((count for _, count in rows), default=0) or 1
    parts = []
    for i, (label, count) in enumerate(rows):
        y = 20 + i * 24
        w = count / top * (WIDTH - 260)
        parts.append(f'<text x="4" y="{y + 14}" class="lbl">{escape(label[:40])}</text>')
        parts.append(_rect(220, y, max(w, 1), 18, PALETTE[0], f"{label}: {count}"))
        parts.append(f'<text x="{226 + w:.0f}" y="{y + 14}" class="lbl">{count}</text>')
    if not rows:
        parts.append('<text x="4" y="30" class="lbl">nothing yet</text>')
    body = "".join(parts)
    return Markup(  # noqa: S704 - every interpolated text is escaped
        f'<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'class="chart"><title>{escape(title)}</title>{body}</svg>'
    )


def _svg(title: str, shapes: list[str], top: float) -> Markup:
    grid = (
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        f'class="axis"/><text x="2" y="{PAD}" class="lbl">{top:g}</text>'
        f'<text x="2" y="{HEIGHT - PAD}" class="lbl">0</text>'
    )
    return Markup(  # noqa: S704 - every interpolated text is escaped
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT + 20}" role="img" aria-label="{escape(title)}" '
        f'class="chart"><title>{escape(title)}</title>{grid}{"".join(shapes)}</svg>'
    )


def _rect(x: float, y: float, w: float, h: float, colour: str, tip: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{colour}">'
        f"<title>{escape(tip)}</title></rect>"
    )


def _axis(days: list[str], step: float, *, centre: bool = True) -> list[str]:
    every = max(1, len(days) // 7)
    offset = step / 2 if centre else 0
    return [
        f'<text x="{PAD + i * step + offset:.1f}" y="{HEIGHT - PAD + 14}" class="lbl" '
        f'text-anchor="middle">{escape(day[5:])}</text>'
        for i, day in enumerate(days)
        if i % every == 0
    ]


def _legend(names: list[str]) -> list[str]:
    return [
        f'<rect x="{PAD + i * 110}" y="{HEIGHT + 4}" width="10" height="10" fill="{colour}"/>'
        f'<text x="{PAD + i * 110 + 14}" y="{HEIGHT + 13}" class="lbl">{escape(name)}</text>'
        for i, (name, colour) in enumerate(zip(names, PALETTE, strict=False))
    ]
