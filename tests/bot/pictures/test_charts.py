"""bot.pictures.charts and bot.pictures.draw: valid PNGs of the right size, what they show, and their alt text."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from PIL import Image

from bot.models import CommunityScores, Drama, Episode, ReviewData, ScoreSummary
from bot.pictures import draw as chartdraw
from bot.pictures.charts import (
    ALT_LIMIT,
    CRITIC,
    EVERYONE,
    HEIGHT,
    MAX_EPISODES,
    SERVER,
    WIDTH,
    EpisodeChart,
    EpisodePoint,
    Histogram,
    draw_episode_chart,
    draw_score_histogram,
    episode_chart,
    episode_chart_data,
    histogram_data,
    score_histogram,
)
from bot.pictures.renderer import ChartRenderer

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def decode(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    return image.convert("RGB")


def colour_pixels(image: Image.Image, colour: tuple[int, int, int]) -> int:
    return dict((c, n) for n, c in image.getcolors(maxcolors=WIDTH * HEIGHT)).get(colour, 0)


def chart(count: int, *, gaps: bool = False, in_guild: bool = True) -> EpisodeChart:
    return EpisodeChart(
        tuple(
            EpisodePoint(
                n,
                critic=(n % 10) / 2 or 0.5,
                server=None if gaps and n % 3 == 0 else 3.25,
                everyone=None if gaps and n % 4 == 0 else 4.0 - (n % 5) / 10,
            )
            for n in range(1, count + 1)
        ),
        in_guild=in_guild,
    )


@pytest.mark.parametrize("count", [1, 2, 16, 60, 300])
def test_episode_chart_is_a_png_of_the_right_size_with_every_series(count):
    picture = episode_chart(chart(count, gaps=True))
    image = decode(picture.png)
    assert image.size == (WIDTH, HEIGHT)
    for style in (CRITIC, SERVER, EVERYONE):
        assert colour_pixels(image, style.colour) > 50, style.label
    assert picture.filename == "episodes.png"


def test_series_without_values_and_dm_charts_leave_out_their_colour_and_legend():
    only_everyone = EpisodeChart(tuple(EpisodePoint(n, everyone=3.5) for n in range(1, 9)))
    image = decode(episode_chart(only_everyone).png)
    assert colour_pixels(image, EVERYONE.colour) > 50
    assert colour_pixels(image, CRITIC.colour) == colour_pixels(image, SERVER.colour) == 0
    dm = episode_chart(chart(10, in_guild=False))
    assert colour_pixels(decode(dm.png), SERVER.colour) == 0
    assert "This server" not in dm.alt and "Critic" in dm.alt and "Everyone" in dm.alt


def test_episode_alt_text_names_each_series_with_its_style_and_figures():
    data = EpisodeChart(
        (EpisodePoint(1, 4.0, 3.0, None), EpisodePoint(2, 5.0, None, 4.25), EpisodePoint(3, 3.0, 4.0, 4.75))
    )
    alt = episode_chart(data).alt
    assert alt.startswith("Line chart of episode scores from 0 to 5 for 3 episodes.")
    assert (
        "Critic (orange-red solid line, circles): 3 of 3 episodes, average 4, lowest 3 (episode 3), highest 5 (episode 2)."
        in alt
    )
    assert (
        "This server (blue dashed line, squares): 2 of 3 episodes, average 3.5, lowest 3 (episode 1)" in alt
    )
    assert "Everyone (green dotted line, triangles): 2 of 3 episodes, average 4.5" in alt
    assert len(episode_chart(chart(300, gaps=True)).alt) <= ALT_LIMIT


@pytest.mark.parametrize(
    "data",
    [
        chart(1),
        chart(16, gaps=True),
        chart(16, in_guild=False),
        chart(300, gaps=True),
        EpisodeChart(tuple(EpisodePoint(n, everyone=(n % 11) / 2) for n in range(1, 41))),
    ],
    ids=["1", "16-gaps", "16-dm", "300-gaps", "40-everyone"],
)
def test_the_palette_chart_has_the_very_pixels_of_the_rgb_drawing(data):
    """The chart members get is drawn on a palette image (cheaper to pack); every pixel, the text's
    antialiased edges included, is the one the RGB drawing makes."""
    palette_image, series = draw_episode_chart(data)
    reference, reference_series = draw_episode_chart(data, "RGB")
    assert palette_image.mode == "P" and reference.mode == "RGB" and series == reference_series
    assert len(palette_image.getpalette()) // 3 <= 256
    assert decode(episode_chart(data).png).tobytes() == reference.tobytes()
    greys = {c for _, c in reference.getcolors(maxcolors=WIDTH * HEIGHT) if c[0] == c[1] == c[2]}
    assert len(greys) > 20  # the text's antialiasing is there, not only ink and background


@pytest.mark.parametrize("count", [0, 301])
def test_episode_chart_refuses_out_of_range_counts(count):
    with pytest.raises(ValueError, match="1 to 300"):
        episode_chart(chart(count))


def test_episode_chart_refuses_scores_outside_0_to_5():
    with pytest.raises(ValueError, match="0..5"):
        episode_chart(EpisodeChart((EpisodePoint(1, critic=7.0),)))


def test_histogram_png_bars_and_alt_text():
    counts = (0, 1, 2, 5, 8, 14, 20, 31, 12, 6)
    picture = score_histogram(Histogram(counts))
    image = decode(picture.png)
    assert image.size == (WIDTH, HEIGHT)
    # the tallest bar (4 stars, 31) is taller than the 5-star one (6): compare blue pixels per column
    blue = (0, 114, 178)
    slot = (WIDTH - 24 - 40) / 10

    def bar_height(index: int) -> int:
        x = int(40 + (index + 0.5) * slot)
        return sum(1 for y in range(HEIGHT) if image.getpixel((x, y)) == blue)

    assert bar_height(7) > bar_height(9) > 0
    assert bar_height(0) == 0
    assert bar_height(7) == pytest.approx(bar_height(3) * 31 / 5, rel=0.05)
    assert picture.alt == (
        "Bar chart of 99 ratings by score (0.5: 0 · 1: 1 · 1.5: 2 · 2: 5 · 2.5: 8 · 3: 14 · 3.5: 20 · 4: 31 · 4.5: 12 · 5: 6). "
        "Most common score 4, average 3.58."
    )
    assert score_histogram(Histogram((0,) * 10)).alt == "Bar chart of scores: no ratings yet."
    with pytest.raises(ValueError):
        score_histogram(Histogram((1, 2)))


@pytest.mark.parametrize(
    "counts", [(0, 1, 2, 5, 8, 14, 20, 31, 12, 6), (0,) * 10, (1,) + (0,) * 9, (999, 3, 0, 0, 0, 0, 0, 0, 0, 1000)]
)
def test_the_palette_histogram_has_the_very_pixels_of_the_rgb_drawing(counts):
    """The histogram is drawn on the episode chart's palette (its bars are SERVER's blue, in the palette);
    every pixel is the one the RGB drawing makes."""
    palette_image = draw_score_histogram(Histogram(counts))
    reference = draw_score_histogram(Histogram(counts), "RGB")
    assert palette_image.mode == "P" and reference.mode == "RGB"
    assert decode(score_histogram(Histogram(counts)).png).tobytes() == reference.tobytes()
    colours = {c for _, c in reference.getcolors(maxcolors=WIDTH * HEIGHT)}
    assert ((0, 114, 178) in colours) == any(counts)  # the bars, when there are any
    assert len({c for c in colours if c[0] == c[1] == c[2]}) > 20  # antialiased text


def test_a_tiny_count_next_to_a_huge_one_still_draws_its_bar():
    """3 ratings at 1 star next to 1,000 at 5: under a pixel tall at scale. It used to make Pillow refuse
    the rectangle, so the whole histogram failed to render; now it is one pixel tall."""
    image = decode(score_histogram(Histogram((0, 3, 0, 0, 0, 0, 0, 0, 0, 1000))).png)
    slot = (WIDTH - 24 - 40) / 10
    x = int(40 + 1.5 * slot)
    assert sum(1 for y in range(HEIGHT) if image.getpixel((x, y)) == (0, 114, 178)) >= 1


def test_histogram_data_counts_each_half_star():
    assert histogram_data([0.5, 5.0, 5.0, 3.5]).counts == (1, 0, 0, 0, 0, 0, 1, 0, 0, 2)


def test_episode_chart_data_from_a_review():
    drama = Drama(id=1, slug="x", title="X", episode_count=3)
    episodes = (Episode(1, 4.0), Episode(2, None), Episode(3, 3.5))
    scores = CommunityScores(
        server_episodes={1: ScoreSummary(2, 15)},
        everyone_episodes={1: ScoreSummary(4, 30), 2: ScoreSummary(1, 6)},
    )
    data = episode_chart_data(ReviewData(drama, episodes, (), scores, in_guild=True))
    assert data == EpisodeChart(
        (
            EpisodePoint(1, 4.0, 3.75, 3.75),
            EpisodePoint(2, None, None, 3.0),
            EpisodePoint(3, 3.5, None, None),
        ),
        in_guild=True,
    )
    nothing = ReviewData(drama, (Episode(1), Episode(2)), (), CommunityScores(), in_guild=False)
    assert episode_chart_data(nothing) is None


def test_a_drama_without_episode_rows_gets_its_chart_from_its_scores():
    """A bundled drama has an episode count and no episode rows: one member's score on one episode is
    enough for a chart over all its episodes, with no critic line (no critic score)."""
    drama = Drama(id=1, slug="bundled", title="Bundled", episode_count=16)
    scores = CommunityScores(server_episodes={3: ScoreSummary(1, 9)}, everyone_episodes={3: ScoreSummary(1, 9)})
    data = episode_chart_data(ReviewData(drama, (), (), scores, in_guild=True))
    assert data is not None and [p.number for p in data.points] == list(range(1, 17))
    assert data.points[2] == EpisodePoint(3, None, 4.5, 4.5)
    assert all(p == EpisodePoint(p.number) for p in data.points if p.number != 3)
    image, series = draw_episode_chart(data)
    assert [style for style, _ in series] == [SERVER, EVERYONE]  # no critic line
    alt = episode_chart(data).alt
    assert "Critic" not in alt and "This server (blue dashed line, squares): 1 of 16 episodes" in alt
    # In a DM the same scores chart everyone's line alone; with no score at all there is nothing to draw.
    dm = episode_chart_data(ReviewData(drama, (), (), scores, in_guild=False))
    assert dm is not None and not dm.in_guild and [s for s, _ in draw_episode_chart(dm)[1]] == [EVERYONE]
    assert episode_chart_data(ReviewData(drama, (), (), CommunityScores(), in_guild=True)) is None


async def test_the_chart_covers_the_guides_episodes_and_its_cache_key_the_data_shown():
    """The chart's episodes are the guide's (1..episode count, or further when a score or a row has a
    higher number), and two reviews that chart differently never share a key in the renderer's cache."""
    drama = Drama(id=1, slug="x", title="X", episode_count=4)
    rows = (Episode(2, 3.0),)  # rows for some episodes only (a gap in TMDB's list, a curated score)
    beyond = CommunityScores(everyone_episodes={6: ScoreSummary(2, 16)})  # a score past a shortened run
    data = episode_chart_data(ReviewData(drama, rows, (), beyond, in_guild=False))
    assert [(p.number, p.critic, p.everyone) for p in data.points] == [
        (1, None, None), (2, 3.0, None), (3, None, None), (4, None, None), (5, None, None), (6, None, 4.0),
    ]  # fmt: skip
    review = ReviewData(drama, rows, (), beyond, in_guild=False)
    assert review.episode_span == 6
    other = episode_chart_data(
        ReviewData(drama, rows, (), CommunityScores(everyone_episodes={6: ScoreSummary(2, 18)}), in_guild=False)
    )
    assert other is not None and other != data
    renderer = ChartRenderer(threads=1)
    try:
        drawn = await renderer.render(episode_chart, data)
        assert drawn is not None and renderer.cached(episode_chart, data) is drawn
        assert renderer.cached(episode_chart, other) is None  # another score: another picture
        same = episode_chart_data(ReviewData(drama, rows, (), beyond, in_guild=False))
        assert renderer.cached(episode_chart, same) is drawn  # equal data: the picture drawn already
    finally:
        renderer.close()


def test_a_long_run_is_charted_from_its_first_scored_episode():
    drama = Drama(id=1, slug="long", title="Long", episode_count=500)
    scores = CommunityScores(everyone_episodes={450: ScoreSummary(1, 8)})
    data = episode_chart_data(ReviewData(drama, (), (), scores, in_guild=False))
    numbers = [p.number for p in data.points]
    assert len(numbers) == MAX_EPISODES and numbers[0] == 201 and numbers[-1] == 500
    assert data.points[450 - 201] == EpisodePoint(450, None, None, 4.0)
    early = CommunityScores(everyone_episodes={7: ScoreSummary(1, 8), 450: ScoreSummary(1, 8)})
    assert [p.number for p in episode_chart_data(ReviewData(drama, (), (), early, False)).points][::299] == [1, 300]


def test_runs_break_at_missing_values_and_label_steps_stay_few():
    assert chartdraw.runs([1.0, None, 2.0, 3.0, None]) == [[(0, 1.0)], [(2, 2.0), (3, 3.0)]]
    assert chartdraw.runs([None, None]) == []
    for count in (1, 12, 13, 16, 50, 120, 300):
        assert count / chartdraw.nice_step(count) <= 12


def test_importing_the_chart_modules_does_not_import_pillow():
    code = "import sys, bot.pictures.charts, bot.pictures.renderer; print('PIL' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
