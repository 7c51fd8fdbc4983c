"""/where: where a drama is streaming, optionally for one region. With TMDB_API_KEY set, live watch
providers (bot/tmdb/providers.py): cached when fresh, else asked for at most 2 s (the answer deferred)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from discord import Interaction
from discord.app_commands import command, describe

from bot.cards import review as cards
from bot.catalogue import regions
from bot.client import DramaBot
from bot.i18n.translator import t
from bot.safety import cooldowns
from bot.tmdb.client import TMDB
from bot.tmdb.limits import TokenBucket
from bot.tmdb.providers import WhereData
from cogs.common import DramaCog, answer, anywhere, locale_of, may_post, server_of
from cogs.options import RegionArg, TMDBDramaArg


class Where(DramaCog):
    live: WhereData  # made when the cog loads

    async def cog_load(self) -> None:
        s = self.bot.settings
        # A budget of its own (10 per 10 s), a token taken only when free: /where never waits for TMDB's
        # rate limit (the last check is shown) and never spends what imports need.
        tmdb = None
        if s.tmdb_api_key:
            tmdb = TMDB(s.tmdb_api_key, s.tmdb_api_base, limiter=TokenBucket(10, 1.0), wait_for_token=False)
        self.live = WhereData(lambda: self.bot.store, tmdb, ttl=timedelta(hours=s.tmdb_cache_hours))

    async def cog_unload(self) -> None:
        await self.live.close()

    @command(name="where", description="Where a drama is streaming, in your country or everywhere.")
    @describe(
        drama="The drama: start typing its title and pick it",
        region="Your country: a code such as KR or a name such as Korea or 한국",
    )
    @anywhere
    async def where(
        self, interaction: Interaction, drama: TMDBDramaArg, region: RegionArg | None = None
    ) -> None:
        live = self.live
        server_region = None  # no region given: the server's own (/server region), said so on the card
        if region is None and (server := server_of(interaction)) is not None:
            code = await self.bot.store.curation.guild_region(server)
            region = server_region = regions.lookup(code) if code else None
        cached = await live.cached(drama)
        if live.needs_fetch(drama, cached, datetime.now(UTC)):
            cooldowns.hit(interaction, "where")  # a live TMDB lookup: limited per member (cached answers not)
            if not interaction.response.is_done():
                # TMDB is asked: never on the 3 s clock
                await interaction.response.defer(ephemeral=not may_post(interaction))
        found = await live.lookup(drama, cached)
        locale = locale_of(interaction)
        source = cards.live_footer(found.checked_at, found.stale, locale) if found.checked_at else None
        notice = cards.live_notice(locale) if found.live_failed else None
        if server_region is not None:
            note = t("where.server_region", locale, region=server_region.label)
            notice = f"{note}\n{notice}" if notice else note
        embed = cards.where_card(
            drama, found.availability, region, source=source, notice=notice, region_links=found.region_links,
            locale=locale,
        )  # fmt: skip
        await answer(interaction, embed=embed)


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Where(bot))
