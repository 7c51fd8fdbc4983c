"""bench.stages: the table of stage times, from the hook's records; the hook's targets exist in discord.py."""

from __future__ import annotations

import json

import discord
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.state import ConnectionState
from discord.webhook.async_ import AsyncWebhookAdapter

from bench import stages


def interaction(name: str, start: float, *, body: float = 0.0004, store: float = 0.0) -> tuple[dict, list[str]]:
    """One interaction's stamps (10 us apart, `body` us in its own code) and a store call inside it."""
    t = start
    entry = {"name": name}
    for stage in stages.STAGES:
        entry[stage] = t
        t += body if stage == "body" else 0.00001
    lines = [json.dumps({"interaction": entry})]
    if store:
        lines.append(json.dumps({"store": "profile", "start": entry["body"] + 0.00001, "end": entry["body"] + 0.00001 + store}))
    return entry, lines


def test_the_table_gives_each_commands_median_spans_and_its_store_calls():
    lines = []
    for i in range(stages.MIN_SAMPLES):
        lines += interaction("profile", i * 1.0, body=0.0004 + i * 0.00001, store=0.0002)[1]
        lines += interaction("about", i * 1.0 + 0.5, body=0.00002)[1]
    lines += interaction("rare", 100.0)[1]  # too few samples: left out
    lines.append(json.dumps({"interaction": {"name": "unanswered", "recv": 1.0, "parse": 1.1}}))  # stages missing
    interactions, calls = stages.read_records(lines)
    table = stages.stage_table(interactions, calls)
    assert table[0].split()[:2] == ["command", "n"]
    about, profile = (line.split() for line in table[1:])
    assert about[:2] == ["about", str(stages.MIN_SAMPLES)] and about[6] == "20" and about[9] == "0"
    # own code: the median of 400..590 us is 495; the store call inside it: 200 us, once per interaction
    assert profile[:2] == ["profile", str(stages.MIN_SAMPLES)] and profile[6] == "495"
    assert profile[2] == profile[3] == "10" and profile[9] == "200" and profile[10:] == ["profile", "1"]
    assert len(table) == 3
    [header, row] = stages.store_table(calls)
    assert header.split() == ["store", "call", "n", "median", "p90"] and row.split() == ["profile", "20", "200", "200"]


def test_the_hooks_wrap_methods_discord_py_has():
    for owner, name in [
        (DiscordWebSocket, "received_message"), (ConnectionState, "parse_interaction_create"),
        (app_commands.CommandTree, "_call"), (app_commands.Command, "_invoke_with_namespace"),
        (app_commands.Command, "_do_call"), (discord.InteractionResponse, "send_message"),
        (AsyncWebhookAdapter, "request"),
    ]:  # fmt: skip
        assert callable(getattr(owner, name, None)), f"{owner.__name__}.{name} is gone: bench/stage_hooks needs updating"


async def test_a_small_run_times_every_community_command_inside_the_real_bot():
    """The hook runs in the bot's process (the bench's own process is not touched) and every community
    command shows with all its stages and its store calls. No timing is checked."""
    lines = await stages.measure("small", 25, "sqlite")
    rows = {line[:16].strip(): [line[:16].strip(), *line[16:].split()] for line in lines[1 : lines.index("")]}
    assert set(rows) >= {"about", "top", "watchlist show", "match", "profile", "review"}
    assert all(int(row[1]) >= stages.MIN_SAMPLES for row in rows.values())
    assert "is_private" in " ".join(rows["match"]) and "shared_scores" in " ".join(rows["match"])
    assert rows["about"][-1] == "0"  # no store call in /about's own code
    store = [line.split()[0] for line in lines[lines.index("") + 2 :]]
    assert "TopCharts.page" in store and "Community.profile" in store
    assert DiscordWebSocket.received_message.__module__ == "discord.gateway"  # not wrapped here
