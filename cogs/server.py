"""/server settings | region | region-clear | timezone: a server's own settings, for members with Manage Server
(hidden from others, and checked again). Announcements show where to watch in its region; `/where` uses it;
/watchparty reads times in its time zone (its region's when none is set)."""

from __future__ import annotations

import discord
from discord import Interaction, app_commands
from discord.app_commands import Choice, command, describe
from discord.ext import commands

from bot.cards.server import region_label, settings_card
from bot.client import DramaBot
from bot.errors import UserError
from bot.events import zones
from bot.i18n.translator import t
from cogs.common import DramaCog, answer, locale_of, managed_guild, shown
from cogs.options import RegionArg


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Server(
    DramaCog, commands.GroupCog, group_name="server",
    group_description="This server's settings: its region, announcements and curators.",
):  # fmt: skip
    async def _answer(self, interaction: Interaction, **message: object) -> None:
        await answer(interaction, **message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    @command(name="settings", description="Show this server's settings.")
    async def settings(self, interaction: Interaction) -> None:
        guild_id = managed_guild(interaction)
        store = self.bot.store
        card = settings_card(
            await store.curation.guild_settings(guild_id),
            await store.airing.announce_settings(guild_id),
            len(await store.airing.followed(guild_id)),
            locale_of(interaction),
        )
        await self._answer(interaction, embed=card)

    @command(name="region", description="Set this server's region: announcements show where to watch there.")
    @describe(country="The country: a code such as KR or a name such as Korea or 한국")
    async def region(self, interaction: Interaction, country: RegionArg) -> None:
        guild_id = managed_guild(interaction)
        locale = locale_of(interaction)
        previous = await self.bot.store.curation.set_guild_region(
            guild_id, country.code, actor_id=interaction.user.id, actor_name=str(interaction.user)
        )
        label = region_label(country.code)
        if previous == country.code:
            text = t("server.region_same", locale, region=label)
        else:
            was = t("server.region_was", locale, region=region_label(previous)) if previous else ""
            text = t("server.region_set", locale, region=label, was=was)
        if await self.bot.store.airing.announce_settings(guild_id) is None:
            text += t("server.region_no_channel", locale)
        await self._answer(interaction, content=text)

    @command(name="region-clear", description="Clear this server's region.")
    async def region_clear(self, interaction: Interaction) -> None:
        guild_id = managed_guild(interaction)
        previous = await self.bot.store.curation.set_guild_region(
            guild_id, None, actor_id=interaction.user.id, actor_name=str(interaction.user)
        )
        if previous is None:
            raise UserError.keyed("server.region_none")
        text = t("server.region_cleared", locale_of(interaction), region=region_label(previous))
        await self._answer(interaction, content=text)

    @command(name="timezone", description="Set this server's time zone: /watchparty reads times in it.")
    @describe(zone='A time zone such as Asia/Seoul or America/New_York ("clear": the region\'s own)')
    async def timezone(self, interaction: Interaction, zone: app_commands.Range[str, 1, 64]) -> None:
        guild_id = managed_guild(interaction)
        locale = locale_of(interaction)
        store = self.bot.store
        if zone.strip().casefold() in ("clear", "none", "지우기"):
            name = None
        else:
            name = zones.checked(zone)
            if name is None:
                raise UserError.keyed("server.timezone_unknown", zone=shown(zone))
        previous = await store.curation.set_guild_timezone(
            guild_id, name, actor_id=interaction.user.id, actor_name=str(interaction.user)
        )
        region = await store.curation.guild_region(guild_id)
        if name is None:
            text = t("server.timezone_cleared", locale, zone=zones.region_zone(region))
        elif previous == name:
            text = t("server.timezone_same", locale, zone=name)
        else:
            text = t("server.timezone_set", locale, zone=name)
        await self._answer(interaction, content=text)

    @timezone.autocomplete("zone")
    async def timezone_autocomplete(self, interaction: Interaction, current: str) -> list[Choice[str]]:
        return [Choice(name=name, value=name) for name in zones.suggest(current, 25)]


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Server(bot))
