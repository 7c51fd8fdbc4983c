"""/rate's validation, for the values Discord's client never lets through (choices, ranges)."""

from __future__ import annotations

import math

import pytest

from bot.errors import UserError
from bot.models import Drama
from cogs.rate import SCORE_CHOICES, checked_episode, checked_score

DRAMA = Drama(id=1, slug="s", title="Soundtrack #1", episode_count=4)


@pytest.mark.parametrize("score", [0.5, 1, 2.5, 4, 4.5, 5])
def test_valid_scores(score):
    assert checked_score(score) == float(score)


@pytest.mark.parametrize(
    ("score", "message"),
    [
        (4.3, "steps of 0.5"),
        (4.25, "steps of 0.5"),
        (0, "outside that"),
        (-1.5, "outside that"),
        (5.5, "outside that"),
        (1e308, "outside that"),
        (math.nan, "must be a number"),
        (math.inf, "must be a number"),
        (-math.inf, "must be a number"),
        (True, "must be a number"),
    ],
)
def test_bad_scores_are_user_errors(score, message):
    with pytest.raises(UserError, match=message) as info:
        checked_score(score)
    assert "Traceback" not in info.value.message and len(info.value.message) < 200


def test_score_choices_cover_every_half_step_with_stars():
    assert [c.value for c in SCORE_CHOICES] == [x / 2 for x in range(10, 0, -1)]
    assert SCORE_CHOICES[1].name == "★★★★½ 4.5"
    assert all(len(c.name) <= 100 for c in SCORE_CHOICES)


@pytest.mark.parametrize("episode", [None, 1, 4])
def test_valid_episodes(episode):
    assert checked_episode(DRAMA, episode) == episode


@pytest.mark.parametrize("episode", [0, -1, 5, 10**12, True])
def test_episodes_outside_the_run(episode):
    with pytest.raises(UserError, match="episodes 1 to 4"):
        checked_episode(DRAMA, episode)


def test_member_limiter_sliding_window():
    from discord import app_commands

    from bot.safety.cooldowns import MemberLimiter

    now = [1000.0]
    limiter = MemberLimiter(3, 30.0, clock=lambda: now[0])
    for _ in range(3):
        limiter.hit(1)
    with pytest.raises(app_commands.CommandOnCooldown) as info:
        limiter.hit(1)
    assert info.value.retry_after == pytest.approx(30.0)
    limiter.hit(2)  # another member is not affected
    now[0] += 10
    with pytest.raises(app_commands.CommandOnCooldown) as info:
        limiter.hit(1)
    assert info.value.retry_after == pytest.approx(20.0)
    now[0] += 20.01  # the first uses left the window
    limiter.hit(1)
    now[0] += 31  # everyone idle for a window is swept out
    limiter.hit(3)
    assert len(limiter._uses) == 1
