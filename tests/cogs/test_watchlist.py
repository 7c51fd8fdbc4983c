"""The checks of /watchlist's options that Discord's client cannot make for us."""

from __future__ import annotations

import pytest

from bot.errors import UserError
from bot.models import Drama
from cogs.watchlist import STATUS_CHOICES, checked_progress, checked_status

DRAMA = Drama(id=1, slug="goblin", title="Goblin", episode_count=16)


def test_every_choice_is_a_stored_status():
    assert [checked_status(c.value) for c in STATUS_CHOICES] == [
        "watching", "completed", "plan", "on_hold", "dropped"
    ]  # fmt: skip


@pytest.mark.parametrize("status", ["binged", "", "Watching", None, 3])
def test_unknown_status_is_a_clear_error_in_both_languages(status):
    with pytest.raises(UserError) as caught:
        checked_status(status)
    assert caught.value.text("en").startswith(
        f"'{status}' is not a status. Pick one of: Watching, Completed,"
    )
    assert caught.value.text("ko").endswith("다음 중에서 고르세요: 보는 중, 다 봄, 볼 예정, 보류, 중단.")


@pytest.mark.parametrize("episode", [0, 1, 16, None])
def test_progress_in_range(episode):
    assert checked_progress(DRAMA, episode) == episode


@pytest.mark.parametrize("episode", [-1, 17, 500, True])
def test_progress_out_of_range(episode):
    with pytest.raises(UserError, match="Goblin\\* has episodes 1 to 16"):
        checked_progress(DRAMA, episode)
