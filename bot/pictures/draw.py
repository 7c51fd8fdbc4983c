"""Drawing pieces for bot.pictures.charts on a Pillow ``ImageDraw``: axes, dashed lines, markers, legend."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import groupby

Point = tuple[float, float]
Colour = tuple[int, int, int]
LINE_WIDTH = 4


@dataclass(frozen=True, slots=True)
class Style:
    label: str
    colour: Colour
    dash: tuple[int, int] | None  # (on, off) in pixels; None: solid
    marker: str  # circle | square | triangle


@dataclass(frozen=True, slots=True)
class Plot:
    """The plotting area and the scale: scores 0..5 up, episodes 1..count across."""

    left: float
    top: float
    right: float
    bottom: float
    count: int
    pad = 16

    @property
    def spacing(self) -> float:
        return (self.right - self.left - 2 * self.pad) / max(1, self.count - 1)

    def x(self, index: int) -> float:
        if self.count == 1:
            return (self.left + self.right) / 2
        return self.left + self.pad + index * self.spacing

    def y(self, score: float) -> float:
        return self.bottom - (self.bottom - self.top) * score / 5


def nice_step(count: int, most: int = 12) -> int:
    """The label spacing for `count` episodes: 1, 2, 5, 10, 20, 25, 50 ... so at most `most` labels."""
    for step in (1, 2, 5, 10, 20, 25, 50):
        if math.ceil(count / step) <= most:
            return step
    return 100


def score_axis(canvas, plot: Plot, font, ink: Colour, grid: Colour) -> None:
    for score in range(6):
        y = plot.y(score)
        canvas.line([(plot.left, y), (plot.right, y)], fill=grid if score else ink, width=1 if score else 2)
        canvas.text((plot.left - 12, y), str(score), font=font, fill=ink, anchor="rm")


def episode_axis(canvas, plot: Plot, numbers: list[int], font, ink: Colour) -> None:
    step = nice_step(len(numbers))
    for index, number in enumerate(numbers):
        if number % step == 0 or index == 0 or (step == 1 and len(numbers) <= 12):
            x = plot.x(index)
            canvas.line([(x, plot.bottom), (x, plot.bottom + 6)], fill=ink, width=2)
            canvas.text((x, plot.bottom + 10), str(number), font=font, fill=ink, anchor="mt")
    canvas.text(((plot.left + plot.right) / 2, plot.bottom + 38), "Episode", font=font, fill=ink, anchor="mt")


def runs(values: list[float | None]) -> list[list[tuple[int, float]]]:
    """The unbroken runs of present (index, value) pairs: a missing episode breaks the line."""
    grouped = groupby(enumerate(values), key=lambda pair: pair[1] is not None)
    return [list(run) for present, run in grouped if present]  # type: ignore[misc]


def dashed(canvas, points: list[Point], colour: Colour, dash: tuple[int, int] | None, width: int) -> None:
    """A polyline, solid or dashed; the dash pattern carries on across the corners."""
    if dash is None:
        canvas.line(points, fill=colour, width=width, joint="curve")
        return
    on, off = dash
    phase = 0.0  # distance into the current (on + off) period
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        length = math.hypot(x1 - x0, y1 - y0)
        done = 0.0
        while done < length:
            drawing = phase < on
            step = min((on - phase) if drawing else (on + off - phase), length - done)
            if drawing:
                a, b = done / length, (done + step) / length
                ends = [(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a), (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)]
                canvas.line(ends, fill=colour, width=width)
            done += step
            phase = (phase + step) % (on + off)


def marker(canvas, centre: Point, kind: str, radius: float, colour: Colour) -> None:
    x, y = centre
    if kind == "circle":
        canvas.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
    elif kind == "square":
        r = radius * 0.9
        canvas.rectangle([x - r, y - r, x + r, y + r], fill=colour)
    elif kind == "triangle":
        r = radius * 1.2
        canvas.polygon([(x, y - r), (x + r, y + r * 0.8), (x - r, y + r * 0.8)], fill=colour)
    else:
        raise ValueError(f"unknown marker {kind!r}")


def series(canvas, plot: Plot, values: list[float | None], style: Style, dodge: float = 0) -> None:
    """One series: lines through each unbroken run, markers where there is room (always on a lone value).
    `dodge` (-1, 0, 1) shifts it sideways so that equal scores of different series do not hide each other."""
    shift = dodge * (12 if plot.count == 1 else min(6.0, plot.spacing / 6))
    room = plot.count == 1 or plot.spacing >= 9
    radius = 7 if plot.count == 1 else min(7.0, max(3.0, plot.spacing / 2.6))
    for run in runs(values):
        points = [(plot.x(i) + shift, plot.y(v)) for i, v in run]
        if len(points) > 1:
            dashed(canvas, points, style.colour, style.dash, LINE_WIDTH if room else 3)
        if room or len(points) == 1:
            for point in points:
                marker(canvas, point, style.marker, radius if room else 4, style.colour)


def legend(canvas, styles: list[Style], *, x: float, y: float, font, ink: Colour) -> None:
    for style in styles:
        dashed(canvas, [(x, y + 12), (x + 44, y + 12)], style.colour, style.dash, LINE_WIDTH)
        marker(canvas, (x + 22, y + 12), style.marker, 7, style.colour)
        canvas.text((x + 54, y + 12), style.label, font=font, fill=ink, anchor="lm")
        x += 54 + canvas.textlength(style.label, font=font) + 36
