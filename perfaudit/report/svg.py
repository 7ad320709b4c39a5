"""Small inline SVG charts for the HTML report: no JavaScript, no fonts or files fetched.

Each plotted point carries its data (``data-series``, ``data-x``, ``data-y``) and the ``<svg>``
carries its plot box and axis ranges (``data-plot``, ``data-x-min``/``max``, ``data-y-max``), so
tests and curious readers can check a mark against the number it stands for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH = 440
HEIGHT = 250
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40  # room for tick labels and the axis titles
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class Series:
    """One line of a chart; ``name`` is also its CSS class (``naive``, ``optimized``)."""

    name: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Bar:
    """One bar of a bar chart."""

    label: str
    value: float
    css_class: str = ""


def nice_ceiling(value: float) -> tuple[float, float]:
    """A round axis maximum at or above ``value`` and its tick step (1, 2 or 5 times 10^k)."""
    if value <= 0:
        return 1.0, 0.25
    raw_step = value / 4
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step)
    return math.ceil(value / step) * step, step


def number(value: float) -> str:
    """Tick labels and coordinates without noise: 1000, 2.5, 0.25."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


def x_position(x: float, x_min: float, x_max: float) -> float:
    """Data sizes grow tenfold per step, so the x axis is logarithmic."""
    if x_max <= x_min:
        return LEFT + PLOT_WIDTH / 2
    span = math.log10(x_max) - math.log10(x_min)
    return LEFT + (math.log10(x) - math.log10(x_min)) / span * PLOT_WIDTH


def y_position(y: float, y_max: float) -> float:
    return TOP + PLOT_HEIGHT - y / y_max * PLOT_HEIGHT


def line_chart(title: str, series: tuple[Series, ...], *, x_title: str, y_title: str) -> str:
    """A line chart of every series over a logarithmic x axis (x values must be positive)."""
    xs = sorted({x for s in series for x, _ in s.points})
    x_min, x_max = (xs[0], xs[-1]) if xs else (1.0, 1.0)
    y_max, step = nice_ceiling(max((y for s in series for _, y in s.points), default=0.0))
    parts = [
        _svg_open(
            title,
            f'data-x-min="{number(x_min)}" data-x-max="{number(x_max)}" '
            f'data-y-max="{number(y_max)}" data-x-scale="log"',
        )
    ]
    parts += _y_grid(y_max, step)
    for x in xs:
        px = x_position(x, x_min, x_max)
        parts.append(
            f'<text class="tick" x="{px:.1f}" y="{TOP + PLOT_HEIGHT + 16}" '
            f'text-anchor="middle">{number(x)}</text>'
        )
    for line in series:
        coords = [(x_position(x, x_min, x_max), y_position(y, y_max), x, y) for x, y in line.points]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in coords)
        parts.append(f'<polyline class="line {escape(line.name)}" points="{path}"/>')
        for px, py, x, y in coords:
            parts.append(
                f'<circle class="point {escape(line.name)}" cx="{px:.1f}" cy="{py:.1f}" r="4" '
                f'data-series="{escape(line.name)}" data-x="{number(x)}" data-y="{number(y)}">'
                f"<title>{escape(line.name)} at {number(x)}: {number(y)}</title></circle>"
            )
    parts += _axis_titles(x_title, y_title)
    parts.append("</svg>")
    return "\n".join(parts)


def bar_chart(title: str, bars: tuple[Bar, ...], *, y_title: str) -> str:
    """Vertical bars, one per labelled value, labels written under each bar at an angle."""
    y_max, step = nice_ceiling(max((b.value for b in bars), default=0.0))
    slot = PLOT_WIDTH / max(len(bars), 1)
    parts = [_svg_open(title, f'data-y-max="{number(y_max)}"')]
    parts += _y_grid(y_max, step)
    for i, bar in enumerate(bars):
        top = y_position(bar.value, y_max)
        x = LEFT + i * slot + slot * 0.15
        parts.append(
            f'<rect class="bar {escape(bar.css_class)}" x="{x:.1f}" y="{top:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{TOP + PLOT_HEIGHT - top:.1f}" '
            f'data-label="{escape(bar.label)}" data-y="{number(bar.value)}">'
            f"<title>{escape(bar.label)}: {number(bar.value)}</title></rect>"
        )
        parts.append(
            f'<text class="tick" x="{LEFT + (i + 0.5) * slot:.1f}" '
            f'y="{TOP + PLOT_HEIGHT + 14}" text-anchor="middle">{i + 1}</text>'
        )
    parts += _axis_titles("request (numbered as in the table)", y_title)
    parts.append("</svg>")
    return "\n".join(parts)


def _svg_open(title: str, data: str) -> str:
    plot = f"{LEFT} {TOP} {PLOT_WIDTH} {PLOT_HEIGHT}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'data-plot="{plot}" {data}><title>{escape(title)}</title>'
    )


def _y_grid(y_max: float, step: float) -> list[str]:
    lines = []
    for i in range(round(y_max / step) + 1):
        value = i * step
        y = y_position(value, y_max)
        lines.append(
            f'<line class="grid" x1="{LEFT}" x2="{LEFT + PLOT_WIDTH}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        lines.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{number(value)}</text>'
        )
    return lines


def _axis_titles(x_title: str, y_title: str) -> list[str]:
    middle = TOP + PLOT_HEIGHT / 2
    return [
        f'<text class="axis" x="{LEFT + PLOT_WIDTH / 2:.1f}" y="{HEIGHT - 6}" '
        f'text-anchor="middle">{escape(x_title)}</text>',
        f'<text class="axis" x="14" y="{middle:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {middle:.1f})">{escape(y_title)}</text>',
    ]
