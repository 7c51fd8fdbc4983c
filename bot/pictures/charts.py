"""Pictures for the cards: pure functions from dataclasses to PNG bytes plus alt text.

`episode_chart` (/review: per episode the critic's, this server's and everyone's score) and
`score_histogram` (/profile: ratings at each half star), 800×400 for sharp lines. Labels are Latin and
digits in Pillow's bundled font (titles stay in the embed). Okabe-Ito colours, and a line style and
marker per series, read with any colour-vision deficiency and in greyscale. Pillow is imported on
first render; bot.pictures.renderer renders off the event loop and caches.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.i18n.messages import ENGLISH, language, plural, t
from bot.models import ReviewData
from bot.pictures import draw as draw_

WIDTH, HEIGHT = 800, 400
MAX_EPISODES = 300
ALT_LIMIT = 1024
HALF_STARS = tuple(h / 2 for h in range(1, 11))  # 0.5 .. 5

BACKGROUND = (255, 255, 255)
INK = (34, 34, 34)
GRID = (222, 222, 222)
# Okabe-Ito: vermillion, blue, bluish green.
CRITIC = draw_.Style("Critic", (213, 94, 0), dash=None, marker="circle")
SERVER = draw_.Style("This server", (0, 114, 178), dash=(16, 8), marker="square")
EVERYONE = draw_.Style("Everyone", (0, 158, 115), dash=(4, 6), marker="triangle")
BAR = SERVER.colour  # the histogram's bars: one palette serves both pictures


@dataclass(frozen=True, slots=True)
class EpisodePoint:
    number: int
    critic: float | None = None
    server: float | None = None
    everyone: float | None = None


@dataclass(frozen=True, slots=True)
class EpisodeChart:
    points: tuple[EpisodePoint, ...]  # 1..300, in episode order
    in_guild: bool = True  # False in DMs: no "This server" series


@dataclass(frozen=True, slots=True)
class Histogram:
    counts: tuple[int, ...]  # ten counts, for 0.5, 1, ..., 5


@dataclass(frozen=True, slots=True)
class Picture:
    png: bytes
    alt: str  # for the attachment's `description`, at most 1024 characters
    filename: str


def episode_chart_data(review: ReviewData) -> EpisodeChart | None:
    """The /review chart's data (the guide's episodes and scores), or None when nothing is scored.

    A run longer than MAX_EPISODES is charted from its first scored episode (at most its last
    MAX_EPISODES), so a score anywhere still gets its chart."""
    scores = review.scores
    critic = {e.number: e.critic_score for e in review.episodes if e.critic_score is not None}
    scored = sorted({*critic, *scores.server_episodes, *scores.everyone_episodes})
    span = review.episode_span
    if not scored or span < 1:
        return None
    first = 1 if scored[0] <= MAX_EPISODES else max(1, min(scored[0], span - MAX_EPISODES + 1))
    points = tuple(
        EpisodePoint(
            n,
            critic.get(n),
            scores.server_episodes[n].average if n in scores.server_episodes else None,
            scores.everyone_episodes[n].average if n in scores.everyone_episodes else None,
        )
        for n in range(first, min(span, first + MAX_EPISODES - 1) + 1)
    )
    if not any(p.critic is not None or p.server is not None or p.everyone is not None for p in points):
        return None
    return EpisodeChart(points, review.in_guild)


def histogram_data(scores: Iterable[float]) -> Histogram:
    counts = [0] * len(HALF_STARS)
    for score in scores:
        counts[round(score * 2) - 1] += 1
    return Histogram(tuple(counts))


@lru_cache(maxsize=8)
def font(size: int):
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)  # faster; a few kB larger
    return out.getvalue()


# Pictures are drawn on a palette image ("P"): a third of the data for PNG to pack (docs/perf-notes/cards.md).
# Index k is grey INK + k, so text antialiased between indices lands on the grey an RGB drawing gives:
# the pixels are the same (tests/bot/pictures/test_charts.py compares both drawings).
_GREYS = BACKGROUND[0] - INK[0] + 1
_PALETTE = [(INK[0] + k,) * 3 for k in range(_GREYS)] + [CRITIC.colour, SERVER.colour, EVERYONE.colour]


def _canvas(mode: str):
    """A blank chart image and its drawing context: "P" (what members get) or "RGB" (the reference)."""
    from PIL import Image, ImageDraw

    if mode == "RGB":
        image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
        return image, ImageDraw.Draw(image)
    image = Image.new("P", (WIDTH, HEIGHT), _GREYS - 1)  # the last grey: BACKGROUND
    image.putpalette([v for colour in _PALETTE for v in colour])
    canvas = ImageDraw.Draw(image)
    # Text antialiased, laid out and measured as on RGB (colours are RGB tuples the palette maps).
    canvas.fontmode, canvas.mode = "L", "RGB"
    return image, canvas


def _series(chart: EpisodeChart) -> list[tuple[draw_.Style, list[float | None]]]:
    series = [(CRITIC, [p.critic for p in chart.points])]
    if chart.in_guild:
        series.append((SERVER, [p.server for p in chart.points]))
    series.append((EVERYONE, [p.everyone for p in chart.points]))
    return [(style, values) for style, values in series if any(v is not None for v in values)]


def episode_chart(chart: EpisodeChart) -> Picture:
    """The /review episode chart as PNG bytes with its alt text."""
    image, series = draw_episode_chart(chart)
    return Picture(_png(image), episode_alt(chart, series), "episodes.png")


def draw_episode_chart(chart: EpisodeChart, mode: str = "P"):
    """The episode chart's image (a palette image; "RGB" draws the same pixels in RGB) and its series."""
    count = len(chart.points)
    if not 1 <= count <= MAX_EPISODES:
        raise ValueError(f"an episode chart takes 1 to {MAX_EPISODES} episodes, not {count}")
    series = _series(chart)
    for _, values in series:
        if any(v is not None and not 0 <= v <= 5 for v in values):
            raise ValueError("episode scores must be within 0..5")
    image, canvas = _canvas(mode)
    plot = draw_.Plot(left=64, top=64, right=WIDTH - 24, bottom=HEIGHT - 64, count=count)
    draw_.score_axis(canvas, plot, font(20), INK, GRID)
    draw_.episode_axis(canvas, plot, [p.number for p in chart.points], font(20), INK)
    for position, (style, values) in enumerate(series):
        draw_.series(canvas, plot, values, style, dodge=position - (len(series) - 1) / 2)
    draw_.legend(canvas, [style for style, _ in series], x=plot.left, y=16, font=font(20), ink=INK)
    return image, series


def _describe(values: list[float | None], numbers: list[int], locale: str = ENGLISH) -> str:
    present = [(v, n) for v, n in zip(values, numbers, strict=True) if v is not None]
    mean = sum(v for v, _ in present) / len(present)
    low, high = min(present, key=lambda p: (p[0], p[1])), max(present, key=lambda p: (p[0], -p[1]))
    return t(
        "chart.series_summary", locale, present=len(present), total=len(values), mean=_num(mean),
        low=_num(low[0]), low_episode=low[1], high=_num(high[0]), high_episode=high[1],
    )  # fmt: skip


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


# The series' names and looks in the alt text, by language (the picture itself keeps Latin labels).
STYLE_KEYS = {
    CRITIC.label: ("chart.critic", "chart.critic_style"),
    SERVER.label: ("chart.server", "chart.server_style"),
    EVERYONE.label: ("chart.everyone", "chart.everyone_style"),
}


def episode_alt(chart: EpisodeChart, series, locale: str = ENGLISH) -> str:
    numbers = [p.number for p in chart.points]
    intro = plural(len(numbers), "chart.intro_one", "chart.intro")
    parts = [t(intro, locale, count=len(numbers))]
    for style, values in series:
        label, look = STYLE_KEYS[style.label]
        parts.append(f"{t(label, locale)} ({t(look, locale)}): {_describe(values, numbers, locale)}.")
    return clip(" ".join(parts), ALT_LIMIT)


def in_language(picture: Picture, chart: EpisodeChart, locale: str) -> Picture:
    """The episode chart with its alt text in the locale's language (the pixels are the same)."""
    if language(locale) == ENGLISH:
        return picture
    return replace(picture, alt=episode_alt(chart, _series(chart), locale))


def score_histogram(histogram: Histogram) -> Picture:
    """The /profile histogram: how many ratings at each half star, as PNG bytes with alt text."""
    return Picture(_png(draw_score_histogram(histogram)), histogram_alt(histogram), "scores.png")


def draw_score_histogram(histogram: Histogram, mode: str = "P"):
    """The histogram's image: a palette image ("RGB" draws the same pixels in RGB)."""
    counts = histogram.counts
    if len(counts) != len(HALF_STARS) or any(c < 0 for c in counts):
        raise ValueError("a histogram takes ten counts (0.5 to 5), none negative")
    image, canvas = _canvas(mode)
    total = sum(counts)
    canvas.text((24, 16), f"Scores · {total} rating{'s' * (total != 1)}", font=font(22), fill=INK)
    left, right, top, bottom = 40, WIDTH - 24, 80, HEIGHT - 56
    slot = (right - left) / len(counts)
    tallest = max(counts) or 1
    canvas.line([(left, bottom), (right, bottom)], fill=INK, width=2)
    for i, (score, n) in enumerate(zip(HALF_STARS, counts, strict=True)):
        x0, x1 = left + i * slot + slot * 0.15, left + (i + 1) * slot - slot * 0.15
        # A tiny count still shows (one pixel): Pillow refuses a rectangle whose bottom is above its top.
        height = max((bottom - top) * n / tallest, 1) if n else 0
        if n:
            canvas.rectangle([x0, bottom - height, x1, bottom - 1], fill=BAR)
        centre = (x0 + x1) / 2
        canvas.text((centre, bottom - height - 6), str(n), font=font(20), fill=INK, anchor="mb")
        canvas.text((centre, bottom + 10), _num(score), font=font(20), fill=INK, anchor="mt")
    return image


def histogram_alt(histogram: Histogram, locale: str = ENGLISH) -> str:
    """The histogram's alt text in the locale's language."""
    counts = histogram.counts
    total = sum(counts)
    if not total:
        return t("profile.alt_empty", locale)
    mean = sum(s * c for s, c in zip(HALF_STARS, counts, strict=True)) / total
    peak = _num(HALF_STARS[max(range(len(counts)), key=lambda i: (counts[i], i))])
    listed = " · ".join(f"{_num(s)}: {c}" for s, c in zip(HALF_STARS, counts, strict=True))
    average = f"{mean:.2f}".removesuffix("0")  # 4.0, 3.75: as the profile card shows it
    return clip(t("profile.alt", locale, total=total, listed=listed, peak=peak, mean=average), ALT_LIMIT)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
