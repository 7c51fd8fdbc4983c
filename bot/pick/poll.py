"""/pick's poll, pure: Discord's limits, the poll's body, the bot's permissions, and the winner.

Discord's limits for a poll: a question of at most 300 characters, 1 to 10 answers of at most 55
characters each, a duration of 1 to 768 hours (32 days). /pick asks for 2 to 10 dramas and 1 to 168 hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import discord

from bot.models import PickCandidate

QUESTION_LIMIT = 300
ANSWER_LIMIT = 55
MIN_DRAMAS, MAX_DRAMAS, DEFAULT_DRAMAS = 2, 10, 5
MIN_HOURS, MAX_HOURS, DEFAULT_HOURS = 1, 168, 24

# What the bot needs in the channel, as (discord.Permissions attribute, the name Discord shows): post the
# poll, read it back when it ends (Read Message History), and post the winner's card (Embed Links).
NEEDED: tuple[tuple[str, str], ...] = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("send_polls", "Create Polls"),
    ("embed_links", "Embed Links"),
    ("read_message_history", "Read Message History"),
)
IN_THREADS = ("send_messages_in_threads", "Send Messages in Threads")  # instead of Send Messages


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def make_poll(question: str, titles: Sequence[str], hours: int) -> discord.Poll:
    """The poll's body: one answer per drama, in order (answer ids 1..n), one choice per member."""
    if not MIN_DRAMAS <= len(titles) <= MAX_DRAMAS:
        raise ValueError(f"a poll offers {MIN_DRAMAS} to {MAX_DRAMAS} dramas, not {len(titles)}")
    if not MIN_HOURS <= hours <= MAX_HOURS:
        raise ValueError(f"a poll lasts {MIN_HOURS} to {MAX_HOURS} hours, not {hours}")
    poll = discord.Poll(question=clip(question, QUESTION_LIMIT), duration=timedelta(hours=hours))
    for title in titles:
        poll.add_answer(text=clip(title, ANSWER_LIMIT))
    return poll


def missing_permissions(permissions: discord.Permissions, *, thread: bool = False) -> tuple[str, ...]:
    """The names of the permissions the bot lacks to run a poll in the channel; () when none."""
    if permissions.administrator:
        return ()
    needed = [IN_THREADS if thread and attr == "send_messages" else (attr, name) for attr, name in NEEDED]
    return tuple(name for attr, name in needed if not getattr(permissions, attr))


def listing(names: Sequence[str], conjunction: str) -> str:
    """'A', 'A and B', 'A, B and C' (the conjunction in the member's language)."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


@dataclass(frozen=True, slots=True)
class Winner:
    drama_id: int
    votes: int
    total: int  # votes cast in the poll
    tied: bool  # other dramas had as many votes: the scores decided


def winner(
    counts: Sequence[tuple[int, int]], drama_ids: Sequence[int], scores: dict[int, PickCandidate]
) -> Winner | None:
    """The winning drama from (answer id, votes) pairs (answer id n is drama_ids[n - 1]); ties on votes go to
    the higher Bayesian score (the server's, then everyone's; `store.polls.scores`), then the earlier answer.
    None when nobody voted."""
    votes: dict[int, int] = {}
    for answer_id, count in counts:
        if 1 <= answer_id <= len(drama_ids):
            votes[drama_ids[answer_id - 1]] = votes.get(drama_ids[answer_id - 1], 0) + count
    total = sum(votes.values())
    if total <= 0:
        return None
    best = max(votes.values())
    leaders = [d for d in drama_ids if votes.get(d, 0) == best]

    def key(drama_id: int) -> tuple[float, float, int]:
        found = scores.get(drama_id)
        server = found.server_score if found is not None and found.server_score is not None else 0.0
        everyone = found.everyone_score if found is not None and found.everyone_score is not None else 0.0
        return -server, -everyone, drama_ids.index(drama_id)

    chosen = min(leaders, key=key)
    return Winner(chosen, best, total, tied=len(leaders) > 1)
