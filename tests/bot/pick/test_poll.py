"""/pick's poll, pure: the body within Discord's limits, the bot's permissions, the winner and its ties."""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest

from bot.models import PickCandidate
from bot.pick import poll as polls
from bot.pick.poll import Winner, listing, make_poll, missing_permissions, winner


def test_the_poll_has_one_answer_per_drama_in_order_within_discords_limits():
    titles = ["Goblin", "A" * 80, "Signal"]
    poll = make_poll("What do we watch next?", titles, 48)
    assert poll.question == "What do we watch next?" and poll.duration == timedelta(hours=48)
    assert not poll.multiple
    texts = [a.text for a in poll.answers]
    assert texts[0] == "Goblin" and texts[2] == "Signal"
    assert len(texts[1]) == polls.ANSWER_LIMIT and texts[1].endswith("…")
    assert [a.id for a in poll.answers] == [1, 2, 3]
    assert len(make_poll("Q" * 400, titles, 1).question) == polls.QUESTION_LIMIT


@pytest.mark.parametrize(("count", "hours"), [(1, 24), (11, 24), (2, 0), (2, 169)])
def test_out_of_range_polls_are_refused(count, hours):
    with pytest.raises(ValueError):
        make_poll("Q", [f"D{i}" for i in range(count)], hours)


def test_the_bot_needs_to_post_the_poll_read_it_back_and_post_the_card():
    everything = discord.Permissions(
        view_channel=True, send_messages=True, send_polls=True, embed_links=True, read_message_history=True
    )
    assert missing_permissions(everything) == ()
    assert missing_permissions(discord.Permissions(administrator=True)) == ()
    no_polls = discord.Permissions(everything.value)
    no_polls.send_polls = False
    no_polls.read_message_history = False
    assert missing_permissions(no_polls) == ("Create Polls", "Read Message History")
    in_thread = discord.Permissions(everything.value)
    in_thread.send_messages = False
    assert missing_permissions(in_thread) == ("Send Messages",)
    assert missing_permissions(in_thread, thread=True) == ("Send Messages in Threads",)
    assert listing(["A"], "and") == "A" and listing(["A", "B", "C"], "및") == "A, B 및 C"


def scored(drama_id: int, server: float | None, everyone: float | None = None) -> PickCandidate:
    return PickCandidate(drama_id, f"D{drama_id}", 1, server, everyone)


def test_the_most_votes_win():
    assert winner([(1, 2), (2, 5), (3, 0)], [10, 20, 30], {}) == Winner(20, 5, 7, tied=False)


def test_a_tie_goes_to_the_servers_score_then_everyones_then_the_earlier_answer():
    ids = [10, 20, 30]
    counts = [(1, 3), (2, 3), (3, 1)]
    assert winner(counts, ids, {10: scored(10, 3.0), 20: scored(20, 4.2)}) == Winner(20, 3, 7, tied=True)
    assert winner(counts, ids, {10: scored(10, None, 4.0), 20: scored(20, None, 3.0)}).drama_id == 10
    assert winner(counts, ids, {}).drama_id == 10


def test_no_votes_no_winner_and_unknown_answers_are_ignored():
    assert winner([(1, 0), (2, 0)], [10, 20], {}) is None
    assert winner([], [10, 20], {}) is None
    assert winner([(7, 4), (2, 1)], [10, 20], {}) == Winner(20, 1, 1, tied=False)
