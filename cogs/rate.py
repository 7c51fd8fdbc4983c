"""/rate: a member's own score for a drama or one of its episodes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cards import review as cards
from bot.safety.cooldowns import LIMITS, member_cooldown
from bot.errors import UserError
from bot.i18n.translator import t
from bot.models import MAX_SCORE, MIN_SCORE, Drama
from bot.tmdb.ondemand import parse_tmdb_value
from cogs.options import CHOICE_LIMIT, PrivateTMDBDramaOption, answer, locale_of

if TYPE_CHECKING:
    from bot.client import DramaBot

MAX_EPISODE_OPTION = 500  # the catalogue's longest allowed run; Discord enforces it in the client
RATE_LIMIT, RATE_WINDOW = LIMITS["rate"]  # per member: stops a flood, never someone rating a few in a row

SCORE_CHOICES = [
    app_commands.Choice(name=f"{cards.stars(halves / 2)} {halves / 2:g}", value=halves / 2)
    for halves in range(10, 0, -1)
]


def checked_score(score: float) -> float:
    if not isinstance(score, int | float) or isinstance(score, bool) or not math.isfinite(score):
        raise UserError.keyed("rate.score_number")
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise UserError.keyed("rate.score_range", score=f"{score:g}")
    if score * 2 != int(score * 2):
        raise UserError.keyed("rate.score_step", score=f"{score:g}")
    return float(score)


def checked_episode(drama: Drama, episode: int | None) -> int | None:
    if episode is None:
        return None
    if isinstance(episode, bool) or not isinstance(episode, int) or not 1 <= episode <= drama.episode_count:
        raise UserError.keyed(
            "rate.no_episode", title=cards.safe(drama.title), count=drama.episode_count,
            episode=episode if isinstance(episode, int) else "?",
        )  # fmt: skip
    return episode


class Rate(commands.Cog):
    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot

    @app_commands.command(name="rate", description="Add your score for a drama, or for one of its episodes.")
    @app_commands.describe(
        drama="The drama: start typing its title and pick it",
        score="Your score, 0.5 to 5 stars",
        episode="Rate one episode instead of the whole drama",
    )
    @app_commands.choices(score=SCORE_CHOICES)
    @member_cooldown("rate")  # at most RATE_LIMIT uses per member per RATE_WINDOW
    async def rate(
        self,
        interaction: discord.Interaction,
        drama: app_commands.Transform[Drama, PrivateTMDBDramaOption],
        score: float,
        episode: app_commands.Range[int, 1, MAX_EPISODE_OPTION] | None = None,
    ) -> None:
        value = checked_score(score)
        ep = checked_episode(drama, episode)
        result = await self.bot.store.ratings.rate(
            user_id=interaction.user.id, guild_id=interaction.guild_id, drama_id=drama.id, score=value, episode=ep
        )
        await answer(interaction, embed=cards.rate_card(result, locale=locale_of(interaction)), ephemeral=True)

    @rate.autocomplete("episode")
    async def episode_autocomplete(self, interaction: discord.Interaction, value: str) -> list[app_commands.Choice[int]]:
        """Episode numbers of the drama already chosen, each with the critic's score."""
        chosen = getattr(interaction.namespace, "drama", None)
        if not isinstance(chosen, str) or not chosen.strip():
            return []
        tmdb_id = parse_tmdb_value(chosen.strip())  # a TMDB pick: known once imported
        linked = await self.bot.store.catalogue.by("tmdb_id", tmdb_id) if tmdb_id is not None else None
        found = [linked] if linked is not None else await self.bot.store.catalogue.find(chosen)
        if len(found) != 1:
            return []
        count = found[0].episode_count
        episodes = await self.bot.store.catalogue.episodes(found[0].id)
        critic = {e.number: e.critic_score for e in episodes}
        typed = str(value).strip()
        numbers = [n for n in range(1, count + 1) if not typed or str(n).startswith(typed)][:CHOICE_LIMIT]
        locale = locale_of(interaction)
        return [app_commands.Choice(name=episode_label(n, critic.get(n), locale), value=n) for n in numbers]


def episode_label(number: int, critic: float | None, locale: str) -> str:
    """'Episode 7 · critic 4/5' ('7화 · 평론가 4/5'), or without the critic when there is no score."""
    if critic is None:
        return t("rate.episode_choice", locale, number=number)
    return t("rate.episode_choice_critic", locale, number=number, score=f"{critic:g}")


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Rate(bot))
