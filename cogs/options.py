"""Option types: a drama picked from the catalogue (or TMDB), a region, a genre. Transformers turn the option text
into a `Drama` / `Region` (or a clear `UserError`) and serve autocomplete: commands never parse text."""

from __future__ import annotations

import asyncio
import re

import discord
from discord import Interaction, app_commands
from discord.app_commands import Choice

from bot.cards.review import clip, safe
from bot.catalogue import regions
from bot.client import DramaBot
from bot.errors import StoreUnavailable, UserError
from bot.i18n.translator import t
from bot.models import Drama
from bot.safety import cooldowns
from bot.search.index import fold
from bot.store import INDEX_CHECK_INTERVAL
from bot.tmdb.ondemand import OnDemand, TMDBHit, parse_tmdb_value
from cogs.common import locale_of, may_post, server_of, shown

MAX_TEXT = 200  # longer than any title, alias or country name
CHOICE_LIMIT = 25  # Discord's limit on autocomplete choices
CHOICE_TEXT = 100  # Discord's limit on a choice's name and string value
AUTOCOMPLETE_BUDGET = 1.2  # seconds: TMDB suggestions are dropped after this (answers stay under 1.5 s)
TMDB_MIN_TEXT = 3  # TMDB is asked only from this many characters on
TMDB_MARK = " · TMDB"
GENRE_LIMIT = 40  # longer than any genre; keeps /top's buttons' custom ids under Discord's 100
GENRE_EXAMPLES = 5  # genres named in the answer to one the catalogue does not have
Choices = list[Choice[str]]


def _bot(interaction: Interaction) -> DramaBot:
    return interaction.client  # type: ignore[return-value]


def checked_text(value: object, what: str) -> str:
    """The option text, stripped; a UserError when it is empty or too long. `what`: "drama" or "region"."""
    text = str(value).strip()
    if not text:
        raise UserError.keyed("option.drama_empty" if what == "drama" else "option.region_empty")
    if len(text) > MAX_TEXT:
        key = "option.drama_too_long" if what == "drama" else "option.region_too_long"
        raise UserError.keyed(key, length=f"{len(text):,}", limit=MAX_TEXT)
    return text


def episode_of(drama: Drama, episode: int | None, first: int, refused: str, title: str) -> int | None:
    """`episode` (None for none) when `drama` has it, from `first` on; else the UserError `refused`."""
    whole = isinstance(episode, int) and not isinstance(episode, bool)
    if episode is None or (whole and first <= episode <= drama.episode_count):
        return episode
    number = episode if isinstance(episode, int) else "?"
    raise UserError.keyed(refused, title=title, count=drama.episode_count, episode=number)


def looks_like_slug(text: str) -> bool:
    """Whether `text` could be a drama's slug (autocomplete's value): lower-case letters, digits, hyphens."""
    return re.fullmatch(r"[a-z0-9-]{0,80}", text) is not None


class DramaOption(app_commands.Transformer):
    """A drama from the catalogue, by title, native title, alias or slug (autocomplete's value)."""

    async def transform(self, interaction: Interaction, value: str) -> Drama:
        text = checked_text(value, "drama")
        store = _bot(interaction).store
        matches = await store.catalogue.find(text)
        if len(matches) == 1:
            return matches[0]
        if matches:
            unknown = t("option.year_unknown", locale_of(interaction))
            listing = ", ".join(f"*{safe(d.title)}* ({d.year or unknown})" for d in matches[:5])
            raise UserError.keyed("option.ambiguous", text=shown(text), listing=listing)
        if looks_like_slug(text):  # autocomplete's value for a drama removed since: say so
            removed = await store.catalogue.hidden_by("slug", text)
            if removed is not None:
                raise UserError.keyed("option.drama_removed", title=safe(removed.title))
        cooldowns.hit(interaction, "miss")  # the matcher below (and TMDB's title search): limited per member
        close = store.titles.close_titles(text, 5)
        if close:
            titles = ", ".join(f"*{safe(title)}*" for title in close)
            raise UserError.keyed("option.no_drama_hint", text=shown(text), titles=titles)
        raise UserError.keyed("option.no_drama", text=shown(text))

    async def autocomplete(self, interaction: Interaction, value: str) -> Choices:
        store = _bot(interaction).store
        try:
            await store.titles.refresh(max_age=INDEX_CHECK_INTERVAL)  # the catalogue CLI may have changed it
        except StoreUnavailable:
            pass  # autocomplete cannot show an error: offer what the index already holds
        hits = store.titles.search(str(value)[:MAX_TEXT], CHOICE_LIMIT)
        return [Choice(name=clip(_label(h.title, h.year, h.name), CHOICE_TEXT), value=h.slug) for h in hits]


def _label(title: str, year: int | None, other: str | None) -> str:
    """'Goblin (2016) · 도깨비': a title, its year and another name it goes by."""
    return title + (f" ({year})" if year else "") + (f" · {other}" if other and other != title else "")


def tmdb_choice(hit: TMDBHit) -> Choice[str]:
    label = _label(hit.name, hit.year, hit.original_name)
    return Choice(name=clip(label, CHOICE_TEXT - len(TMDB_MARK)) + TMDB_MARK, value=hit.value)


class TMDBDramaOption(DramaOption):
    """A drama from the catalogue or, with TMDB configured, any scripted TMDB series (imported on use).
    The answer is deferred while a series is imported; `private` commands (/rate) defer ephemerally."""

    private = False

    async def transform(self, interaction: Interaction, value: str) -> Drama:
        ondemand = _bot(interaction).ondemand
        text = checked_text(value, "drama")
        tmdb_id = parse_tmdb_value(text)
        if ondemand is None or (tmdb_id is None and len(text) < TMDB_MIN_TEXT):
            return await super().transform(interaction, value)
        if tmdb_id is None:
            try:
                return await super().transform(interaction, value)
            except UserError as missing:
                tmdb_id = await self._typed_title(ondemand, text)
                if tmdb_id is None:
                    raise missing from None
        drama = await ondemand.imports.local(tmdb_id)
        if drama is not None:
            return drama
        ondemand.imports.check_member(tmdb_id, interaction.user.id)  # over the limit: an ephemeral answer
        await interaction.response.defer(ephemeral=self.private or not may_post(interaction), thinking=True)
        user = interaction.user
        try:
            return await ondemand.imports.get(
                tmdb_id, member_id=user.id, member_name=str(user), guild_id=server_of(interaction)
            )
        except UserError:
            if not self.private:  # the public "thinking…" message goes; the error comes privately
                try:
                    await interaction.delete_original_response()
                except discord.HTTPException:
                    pass
            raise

    @staticmethod
    async def _typed_title(ondemand: OnDemand, text: str) -> int | None:
        """A TMDB series whose name is exactly the typed text (a title only TMDB knows)."""
        try:
            hits = await asyncio.wait_for(ondemand.search.search(text), AUTOCOMPLETE_BUDGET)
        except TimeoutError:
            return None
        wanted = fold(text)
        exact = [h for h in hits if wanted in (fold(h.name), fold(h.original_name or ""))]
        return exact[0].tmdb_id if len(exact) == 1 else None

    async def autocomplete(self, interaction: Interaction, value: str) -> Choices:
        loop = asyncio.get_running_loop()
        started = loop.time()
        choices = await super().autocomplete(interaction, value)
        bot = _bot(interaction)
        text = " ".join(str(value)[:MAX_TEXT].split())
        if bot.ondemand is None or len(choices) >= CHOICE_LIMIT or len(text) < TMDB_MIN_TEXT:
            return choices
        hits = await bot.ondemand.search.suggest(text, AUTOCOMPLETE_BUDGET - (loop.time() - started))
        if not hits:
            return choices
        remaining = max(AUTOCOMPLETE_BUDGET - (loop.time() - started), 0.05)
        try:  # series already in the catalogue are offered as catalogue choices above
            ids = [h.tmdb_id for h in hits]
            present = await asyncio.wait_for(bot.store.catalogue.tmdb_ids_present(ids), remaining)
        except (TimeoutError, StoreUnavailable):
            return choices
        extra = [tmdb_choice(h) for h in hits if h.tmdb_id not in present]
        return choices + extra[: CHOICE_LIMIT - len(choices)]


class PrivateTMDBDramaOption(TMDBDramaOption):
    """TMDBDramaOption for commands that answer privately (/rate)."""

    private = True


class RegionOption(app_commands.Transformer):
    """A region: an ISO 3166-1 alpha-2 code or a country name in English or its own language."""

    async def transform(self, interaction: Interaction, value: str) -> regions.Region:
        text = checked_text(value, "region")
        region = regions.lookup(text)
        if region is None:
            raise UserError.keyed("option.unknown_region", text=shown(text))
        return region

    async def autocomplete(self, interaction: Interaction, value: str) -> Choices:
        found = regions.suggest(str(value)[:MAX_TEXT], CHOICE_LIMIT)
        return [Choice(name=regions.choice_label(r), value=r.code) for r in found]


class GenreOption(app_commands.Transformer):
    """A genre of the catalogue (/top, /recommend), spaces folded; "" for a blank one. Autocomplete lists the
    catalogue's genres, those starting with what is typed first, then those containing it."""

    async def transform(self, interaction: Interaction, value: str) -> str:
        wanted = " ".join(str(value).split())
        if len(wanted) > GENRE_LIMIT:
            raise UserError.keyed("top.genre_too_long", length=len(wanted), limit=GENRE_LIMIT)
        top = _bot(interaction).store.community.top
        if wanted and not await top.has_genre(wanted):
            examples = ", ".join((await top.genre_names())[:GENRE_EXAMPLES]) or "—"
            raise UserError.keyed("top.unknown_genre", genre=shown(wanted), examples=examples)
        return wanted

    async def autocomplete(self, interaction: Interaction, value: str) -> Choices:
        text = " ".join(str(value).split()).casefold()[:GENRE_LIMIT]
        names = await _bot(interaction).store.community.top.genre_names()
        starting = [g for g in names if g.casefold().startswith(text)]
        inside = [g for g in names if text in g.casefold() and not g.casefold().startswith(text)]
        return [Choice(name=g, value=g) for g in (starting + inside)[:CHOICE_LIMIT]]


# The option types as command parameters take them.
DramaArg = app_commands.Transform[Drama, DramaOption]
TMDBDramaArg = app_commands.Transform[Drama, TMDBDramaOption]
PrivateTMDBDramaArg = app_commands.Transform[Drama, PrivateTMDBDramaOption]
RegionArg = app_commands.Transform[regions.Region, RegionOption]
GenreArg = app_commands.Transform[str, GenreOption]
