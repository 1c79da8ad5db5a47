"""Small server-rendered charts: no JavaScript and nothing loaded from elsewhere.

The shapes are SVG stretched to the card's width (`preserveAspectRatio="none"`); every
word and number is HTML beside them, so labels keep the page's font size on a phone and on
a wide screen alike (SVG text would shrink with the drawing). A status has one colour
wherever it appears, whatever else the data holds.
"""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

# Fixed per status, in legend order: green for delivered, red for failed, never by position.
STATUS_COLOURS = {
    "inbound": "#2f6f8f",
    "out: delivered": "#2e7d32",
    "out: sent": "#8bc34a",
    "out: queued": "#b0bec5",
    "out: sending": "#78909c",
    "out: undelivered": "#ef6c00",
    "out: failed": "#c62828",
    "out: expired": "#8d6e63",
    "out: cancelled": "#7e57c2",
    "out: skipped": "#cfd8dc",
    "out: unknown": "#37474f",
}
OTHER_COLOUR = "#9e9e9e"
BAR_COLOUR = "#2f6f8f"
FAILURE_COLOUR = STATUS_COLOURS["out: failed"]
HEIGHT = 100  # drawing units; CSS gives the chart its height on screen


def colour_of(series: str) -> str:
    return STATUS_COLOURS.get(series, OTHER_COLOUR)


def ordered(series: dict[str, list[int]]) -> dict[str, list[int]]:
    """Series in the fixed status order (then any others by name), so legends never shuffle."""
    rank = {name: i for i, name in enumerate(STATUS_COLOURS)}
    return dict(sorted(series.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


def stacked_bars(days: list[str], series: dict[str, list[int]], *, title: str) -> Markup:
    """Bars per day, one fixed colour per status, with an HTML legend and axis."""
    series = ordered(series)
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    top = max(totals, default=0) or 1
    shapes = []
    for i, day in enumerate(days):
        y = float(HEIGHT)
        for name, values in series.items():
            h = values[i] / top * HEIGHT
            if h:
                tip = f"{day} {name}: {values[i]}"
                shapes.append(_rect(i + 0.1, y - h, 0.8, h, colour_of(name), tip))
            y -= h
    drawing = _svg(title, len(days), "".join(shapes))
    return _figure(drawing, top, days, legend=list(series))


def line(days: list[str], values: list[int], *, title: str) -> Markup:
    top = max(values, default=0) or 1
    points = " ".join(
        f"{i + 0.5:.1f},{HEIGHT - v / top * HEIGHT:.1f}" for i, v in enumerate(values)
    )
    shape = (
        f'<polyline fill="none" stroke="{BAR_COLOUR}" stroke-width="2" '
        f'vector-effect="non-scaling-stroke" points="{points}"/>'
    )
    return _figure(_svg(title, len(days), shape), top, days)


def bar_rows(rows: list[tuple[Markup | str, int]], *, title: str, colour: str = BAR_COLOUR):
    """A top-N list as a table: the label, a bar, the count, all readable at any width."""
    if not rows:
        return Markup('<p class="hint">Nothing yet.</p>')
    top = max(count for _, count in rows) or 1
    body = "".join(
        f'<tr><th scope="row">{escape(label)}</th>'
        f'<td class="bar-cell">{_bar(count / top * 100, colour, f"{label}: {count}")}</td>'
        f'<td class="count">{count}</td></tr>'
        for label, count in rows
    )
    return Markup(  # noqa: S704 - every interpolated text is escaped
        f'<table class="bars"><caption class="visually-hidden">{escape(title)}</caption>'
        f"{body}</table>"
    )


def _bar(width: float, colour: str, tip: str) -> str:
    return (
        f'<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(tip)}"><rect width="{max(width, 0.5):.1f}" height="10" '
        f'fill="{colour}"/></svg>'
    )


def _svg(title: str, columns: int, shapes: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {max(columns, 1)} {HEIGHT}" preserveAspectRatio="none" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>{shapes}</svg>'
    )


def _figure(drawing: str, top: float, days: list[str], *, legend: list[str] = ()) -> Markup:
    ticks = [days[0], days[len(days) // 2], days[-1]] if days else []
    axis = "".join(f"<span>{escape(_short(day))}</span>" for day in ticks)
    keys = "".join(
        f'<li><svg class="swatch" viewBox="0 0 1 1" aria-hidden="true"><rect width="1" '
        f'height="1" fill="{colour_of(name)}"/></svg>{escape(name)}</li>'
        for name in legend
    )
    return Markup(  # noqa: S704 - every interpolated text is escaped
        f'<figure class="plot"><div class="scale"><span>{top:g}</span><span>0</span></div>'
        f'<div class="drawing">{drawing}<div class="axis">{axis}</div></div>'
        + (f'<ul class="legend">{keys}</ul>' if keys else "")
        + "</figure>"
    )


def _rect(x: float, y: float, w: float, h: float, colour: str, tip: str) -> str:
    return (
        f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" fill="{colour}">'
        f"<title>{escape(tip)}</title></rect>"
    )


def _short(day: str) -> str:
    """2026-03-10 -> "10 Mar"."""
    parsed = date.fromisoformat(day)
    return f"{parsed.day} {parsed:%b}"
