"""/pick [count] [hours]: a native Discord poll of the dramas this server's members most want to watch
(Plan to watch counts, ties by the Bayesian score), posted in the channel; its winner's card follows when it
ends (bot/pick/job.py). Members with Manage Events, or the server's curator role, start one; one at a time
per channel."""

from __future__ import annotations

from datetime import timedelta

import discord
from discord import Interaction, app_commands
from discord.app_commands import Range, command, describe

from bot.client import DramaBot
from bot.errors import UserError
from bot.i18n.translator import t
from bot.pick import poll as polls
from cogs.common import DramaCog, guild_of, locale_of


async def may_start(bot: DramaBot, interaction: Interaction) -> bool:
    """Manage Events (or Administrator), or the role `/catalogue curators` chose for this server."""
    perms = interaction.permissions
    if perms.administrator or perms.manage_events:
        return True
    role_id = await bot.store.curation.curator_role(interaction.guild_id or 0)
    user = interaction.user
    return role_id is not None and isinstance(user, discord.Member) and user.get_role(role_id) is not None


class Pick(DramaCog):
    @command(name="pick", description="Post a poll of the dramas this server most wants to watch.")
    @describe(
        count="How many dramas the poll offers (2-10)",
        hours="How many hours the poll stays open (1-168)",
    )
    @app_commands.guild_only()
    async def pick(
        self,
        interaction: Interaction,
        count: Range[int, polls.MIN_DRAMAS, polls.MAX_DRAMAS] = polls.DEFAULT_DRAMAS,
        hours: Range[int, polls.MIN_HOURS, polls.MAX_HOURS] = polls.DEFAULT_HOURS,
    ) -> None:
        guild_id = guild_of(interaction, "pick.guild_only")
        locale = locale_of(interaction)
        store = self.bot.store
        if not await may_start(self.bot, interaction):
            raise UserError.keyed("pick.not_allowed")
        channel = interaction.channel
        thread = isinstance(channel, discord.Thread)
        missing = polls.missing_permissions(interaction.app_permissions, thread=thread)
        if missing:
            raise UserError.keyed(
                "pick.bot_missing", permissions=polls.listing(missing, t("pick.and", locale))
            )
        if channel is None or interaction.channel_id is None:
            raise UserError.keyed("pick.guild_only")
        channel_id = interaction.channel_id
        candidates = await store.polls.candidates(guild_id, count)
        if len(candidates) < polls.MIN_DRAMAS:
            raise UserError.keyed("pick.too_few", found=len(candidates))
        poll = polls.make_poll(
            t("pick.question", interaction.guild_locale), [c.title for c in candidates], hours
        )
        now = self.bot.clock.now()
        ends_at = now + timedelta(hours=hours)
        ids = [c.drama_id for c in candidates]
        if not await store.polls.open(
            channel_id=channel_id, guild_id=guild_id, drama_ids=ids, ends_at=ends_at, now=now
        ):
            raise UserError.keyed("pick.busy", link=await self._open_link(guild_id, channel_id))
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)  # the post waits for its slot
            message = await channel.send(poll=poll, allowed_mentions=discord.AllowedMentions.none())  # type: ignore[union-attr]
        except discord.Forbidden as error:
            await store.polls.cancel(channel_id)
            names = polls.listing([name for _, name in polls.NEEDED], t("pick.and", locale))
            raise UserError.keyed("pick.bot_missing", permissions=names) from error
        except BaseException:
            await store.polls.cancel(channel_id)
            raise
        await store.polls.posted(channel_id, message.id)
        text = t("pick.posted", locale, link=message.jump_url, ends=int(ends_at.timestamp()), count=len(ids))
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    async def _open_link(self, guild_id: int, channel_id: int) -> str:
        found = await self.bot.store.polls.in_channel(channel_id)
        if found is None or found.message_id is None:
            return f"<#{channel_id}>"
        return f"https://discord.com/channels/{guild_id}/{channel_id}/{found.message_id}"


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Pick(bot))
