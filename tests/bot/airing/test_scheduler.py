"""Small parts of the scheduler: the store while unavailable."""

from __future__ import annotations

import pytest

from bot.errors import StoreUnavailable
from bot.store import UnavailableStore


async def test_the_airing_part_answers_unavailable_while_the_database_is_away():
    with pytest.raises(StoreUnavailable):
        await UnavailableStore("locked").airing.followed(1)
