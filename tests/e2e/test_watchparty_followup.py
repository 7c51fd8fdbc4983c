"""bot/events/followup.py's PartyJob with a real discord.py client against the stand-in and a real SQLite
store: what happens to a follow-up when Discord or the server is not as it was (a channel that refuses,
a server the bot left, Discord failing the look-up once), each run driven by hand with a fixed clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import discord

from bot.events.followup import PartyJob
from bot.models import Drama, WatchParty
from bot.store import Store
from tests.bot.store.readbacks import upsert

from .channels import SEND_MESSAGES, overwrite
from .inprocess import connected_client


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


async def test_follow_ups_when_discord_or_the_server_changed(discord_stub, tmp_path):
    gid = int(discord_stub.guild_id)
    muted = await discord_stub.world.add_text_channel(
        "muted", overwrites=[overwrite(discord_stub.bot_role_id, deny=SEND_MESSAGES)]
    )
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        drama_id, _ = await upsert(store, Drama(0, "moonlit-ferry", "Moonlit Ferry", 8))
        async with connected_client(discord_stub, intents=discord.Intents(guilds=True)) as client:
            guild = client.get_guild(gid)
            start = discord.utils.utcnow() + timedelta(hours=1)
            end = start + timedelta(minutes=90)

            async def party(episode: int, channel: int, guild_id: int = gid) -> WatchParty:
                event = await guild.create_scheduled_event(
                    name=f"Moonlit Ferry · episode {episode} watch party", start_time=start, end_time=end,
                    entity_type=discord.EntityType.external, location="Netflix",
                    privacy_level=discord.PrivacyLevel.guild_only,
                )  # fmt: skip
                made = WatchParty(event.id, guild_id, channel, drama_id, episode, start, end, 1, "en")
                await store.parties.add(made)
                return made

            here = await party(1, int(discord_stub.channel_id))
            refused = await party(2, int(muted))
            left = await party(3, int(discord_stub.channel_id), guild_id=987_654_321)  # a server the bot left
            flaky = await party(4, int(discord_stub.channel_id))
            clock = Clock(end - timedelta(seconds=1))
            job = PartyJob(client, lambda: store, clock, timedelta(seconds=60))
            assert await job.run_once(store) == 0  # none has ended yet

            clock.at = end + timedelta(minutes=1)
            fault = discord_stub.fail_requests(
                lambda method, path: method == "GET" and path.endswith(f"/scheduled-events/{flaky.event_id}"),
                503,
            )
            assert await job.run_once(store) == 1 and fault.served == 1
            posted = {
                p.event_id: p.posted
                for p in [await store.parties.get(x.event_id) for x in (here, refused, left, flaky)]
            }
            assert posted == {here.event_id: 1, refused.event_id: 2, left.event_id: 2, flaky.event_id: 0}
            assert await job.run_once(store) == 1  # Discord answers again: the one left is posted
            assert await job.run_once(store) == 0 and job.posted == 2
            texts = [m["content"] for m in discord_stub.world.messages_in(discord_stub.channel_id)]
            assert texts == [
                "How was episode 1 of *Moonlit Ferry*? Rate it with `/rate`.",
                "How was episode 4 of *Moonlit Ferry*? Rate it with `/rate`.",
            ]
            assert discord_stub.world.messages_in(muted) == []
    finally:
        await store.close()
