"""The weekday × hour heatmap as an SVG picture: plain string building, no library."""

from __future__ import annotations

from xml.sax.saxutils import escape

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CELL, GAP, LEFT, TOP = 18, 2, 40, 46
EMPTY, FULL = (235, 239, 244), (31, 111, 235)


def heatmap_svg(heat: list[list[int]], title: str) -> str:
    peak = max((n for row in heat for n in row), default=0)
    width = LEFT + 24 * (CELL + GAP) + 10
    height = TOP + 7 * (CELL + GAP) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<title>{escape(title)}</title>',
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    parts += _hour_labels() + _weekday_labels()
    for weekday, row in enumerate(heat):
        parts += [_cell(weekday, hour, count, peak) for hour, count in enumerate(row)]
    parts.append(f'<text x="{LEFT}" y="{height - 6}" fill="#555">busiest hour: {peak} messages</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _hour_labels() -> list[str]:
    return [f'<text x="{LEFT + h * (CELL + GAP) + CELL / 2}" y="{TOP - 6}" text-anchor="middle" fill="#555">{h}</text>'
            for h in range(0, 24, 3)]


def _weekday_labels() -> list[str]:
    return [f'<text x="{LEFT - 6}" y="{TOP + d * (CELL + GAP) + CELL - 5}" text-anchor="end" fill="#555">{name}</text>'
            for d, name in enumerate(WEEKDAYS)]


def _cell(weekday: int, hour: int, count: int, peak: int) -> str:
    x, y = LEFT + hour * (CELL + GAP), TOP + weekday * (CELL + GAP)
    label = f"{WEEKDAYS[weekday]} {hour:02d}:00 – {count} message{'s' if count != 1 else ''}"
    return (f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="3" fill="{_colour(count, peak)}">'
            f"<title>{label}</title></rect>")


def _colour(count: int, peak: int) -> str:
    share = count / peak if peak else 0.0
    red, green, blue = (round(e + (f - e) * share) for e, f in zip(EMPTY, FULL, strict=True))
    return f"#{red:02x}{green:02x}{blue:02x}"
