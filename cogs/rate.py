"""/rate: a member's own score for a drama or one of its episodes."""

from __future__ import annotations

import math

from discord import Interaction
from discord.app_commands import Choice, Range, choices, command, describe

from bot.cards import review as cards
from bot.catalogue.format import MAX_EPISODES
from bot.client import DramaBot
from bot.errors import UserError
from bot.i18n.translator import t
from bot.models import MAX_SCORE, MIN_SCORE, Drama
from bot.safety.cooldowns import LIMITS, member_cooldown
from bot.tmdb.ondemand import parse_tmdb_value
from cogs.common import DramaCog, answer, anywhere, locale_of, server_of
from cogs.options import CHOICE_LIMIT, PrivateTMDBDramaArg, episode_of

RATE_LIMIT, RATE_WINDOW = LIMITS["rate"]  # per member: stops a flood, never someone rating a few in a row
SCORE_CHOICES = [
    Choice(name=f"{cards.stars(halves / 2)} {halves / 2:g}", value=halves / 2) for halves in range(10, 0, -1)
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
    return episode_of(drama, episode, 1, "rate.no_episode", cards.safe(drama.title))


def episode_label(number: int, critic: float | None, locale: str) -> str:
    """'Episode 7 · critic 4/5' ('7화 · 평론가 4/5'), or without the critic when there is no score."""
    if critic is None:
        return t("rate.episode_choice", locale, number=number)
    return t("rate.episode_choice_critic", locale, number=number, score=f"{critic:g}")


class Rate(DramaCog):
    @command(name="rate", description="Add your score for a drama, or for one of its episodes.")
    @describe(
        drama="The drama: start typing its title and pick it", score="Your score, 0.5 to 5 stars",
        episode="Rate one episode instead of the whole drama",
    )  # fmt: skip
    @choices(score=SCORE_CHOICES)
    @member_cooldown("rate")  # at most RATE_LIMIT uses per member per RATE_WINDOW
    @anywhere
    async def rate(
        self, interaction: Interaction, drama: PrivateTMDBDramaArg, score: float,
        episode: Range[int, 1, MAX_EPISODES] | None = None,
    ) -> None:  # fmt: skip
        value, ep = checked_score(score), checked_episode(drama, episode)
        user_id, guild_id = interaction.user.id, server_of(interaction)  # none where not installed
        result = await self.bot.store.ratings.rate(
            user_id=user_id, guild_id=guild_id, drama_id=drama.id, score=value, episode=ep
        )
        embed = cards.rate_card(result, locale=locale_of(interaction))
        await answer(interaction, embed=embed, ephemeral=True)

    @rate.autocomplete("episode")
    async def episode_autocomplete(self, interaction: Interaction, value: str) -> list[Choice[int]]:
        """Episode numbers of the drama already chosen, each with the critic's score."""
        chosen = getattr(interaction.namespace, "drama", None)
        if not isinstance(chosen, str) or not chosen.strip():
            return []
        tmdb_id = parse_tmdb_value(chosen.strip())  # a TMDB pick: known once imported
        linked = await self.bot.store.catalogue.by("tmdb_id", tmdb_id) if tmdb_id is not None else None
        found = [linked] if linked is not None else await self.bot.store.catalogue.find(chosen)
        if len(found) != 1:
            return []
        critic = {e.number: e.critic_score for e in await self.bot.store.catalogue.episodes(found[0].id)}
        typed = str(value).strip()
        numbers = [n for n in range(1, found[0].episode_count + 1) if str(n).startswith(typed)][:CHOICE_LIMIT]
        locale = locale_of(interaction)
        return [Choice(name=episode_label(n, critic.get(n), locale), value=n) for n in numbers]


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Rate(bot))
