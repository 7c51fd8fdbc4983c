"""The stand-in's user installs (tests/e2e/installs.py) with its own test bot: a command not installable to
a user is not offered; through a user install a 6th follow-up and a post to a channel the bot cannot see
are refused (violations), while the same through the guild install is fine."""

from __future__ import annotations

import pytest

from tests.e2e.standin import CommandNotSynced

REFUSED = (
    "more than 5 follow-ups through a user install",
    "channel endpoint for a channel the bot cannot see",
)


async def test_user_install_limits(discord_stub, start_minibot):
    await start_minibot({"DEV_GUILD_ID": None})
    with pytest.raises(CommandNotSynced, match="not installable to a user"):
        await discord_stub.dispatch_command("ping", install="user", context=1)
    with pytest.raises(ValueError, match="context must be one of"):
        await discord_stub.dispatch_command("chatty", install="user", context=5)

    outside = await discord_stub.invoke("chatty", install="user", context=0)
    assert outside.interaction["authorizing_integration_owners"] == {"1": discord_stub.default_user["id"]}
    assert outside.interaction["guild_id"] == discord_stub.installs.outside_guild_id
    await discord_stub.wait_for(
        lambda: sum(any(r in v for r in REFUSED) for v in discord_stub.violations) == 2
    )
    assert sorted(v.split(": ", 1)[1] for v in discord_stub.take_violations()) == sorted(
        ["more than 5 follow-ups through a user install",
         "channel endpoint for a channel the bot cannot see (reached only through a user install)"]
    )  # fmt: skip
    assert len(outside.followup_messages) == 5 and discord_stub.installs.refused_followups == 1

    here = await discord_stub.invoke("chatty")  # the guild install: no such limits
    posted = discord_stub.world.messages_in
    await discord_stub.wait_for(
        lambda: any(m["content"] == "to the channel" for m in posted(discord_stub.channel_id))
    )
    assert len(here.followup_messages) == 6
    assert discord_stub.violations == []
