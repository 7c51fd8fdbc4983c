"""/catalogue: curators add and correct dramas from Discord.

Hidden from members without Manage Server (`default_member_permissions`) and re-checked in
every handler: the bot's owners, server administrators and members holding the curator role
(`/catalogue curators`, or CURATOR_ROLE_ID) may change the catalogue. Every change goes
through `Store.curate`, which writes it and its audit row in one transaction. Validation is
the catalogue file format's own (`bot.catalogue.parse_entry`), so Discord and files agree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import regions
from bot.cards import clip, safe
from bot.catalogue import LIMITS, CatalogueError, entry_record, parse_entry, slugify
from bot.errors import CatalogueRefused, UserError
from bot.i18n import t
from bot.i18n_messages import Key
from bot.models import AVAILABILITY_KINDS, Drama
from bot.search import fold
from cogs.options import DramaOption, RegionOption, locale_of, looks_like_slug, shown

if TYPE_CHECKING:
    from bot.client import DramaBot
    from bot.store import CatalogueRecord

NOT_CURATOR = t("catalogue.not_curator")  # the English, for tests
NOT_ADMIN = t("catalogue.not_admin")

EDITABLE = {
    "title": "Title",
    "native_title": "Native title",
    "aliases": "Aliases (comma-separated)",
    "country": "Country (code or name)",
    "year": "Year",
    "episode_count": "Number of episodes",
    "network": "Network",
    "genres": "Genres (comma-separated)",
    "poster_url": "Poster URL",
    "critic_score": "Critic score (0-5)",
    "critic_summary": "Critic summary (a few words)",
}
LONG_TEXT = {"synopsis": ("Synopsis", "synopsis"), "verdict": ("Critic's verdict", "verdict")}
LONG_TEXT_LABELS = {"synopsis": "catalogue.synopsis", "verdict": "catalogue.verdict"}  # the modal's, translated
NUMBER_NAMES = {"critic_score": "catalogue.what_critic_score", "year": "catalogue.what_year",
                "episode_count": "catalogue.what_episode_count"}  # fmt: skip
CLEAR = ("-", "none", "clear")


def _validated(rec: dict[str, Any]) -> CatalogueRecord:
    """A record dict through the catalogue format's validation; a UserError naming the field."""
    try:
        entry = parse_entry(rec, "your change")
    except CatalogueError as exc:
        raise UserError.keyed("catalogue.not_saved", detail=safe(str(exc))) from None
    return entry.drama, entry.episodes, entry.availability


def _record_dict(record: CatalogueRecord) -> dict[str, Any]:
    return entry_record(*record)


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def _number(value: str, kind: type, what: str) -> int | float:
    """`value` as a number; `what` is one of NUMBER_NAMES."""
    try:
        return kind(value.replace(",", ".") if kind is float else value)
    except ValueError:
        raise UserError.keyed("catalogue.not_number", what=Key(NUMBER_NAMES[what]), value=shown(value)) from None


def edit_field(rec: dict[str, Any], field: str, value: str | None) -> None:
    """Apply one /catalogue edit to a record dict (value None: clear the field)."""
    critic = dict(rec.get("critic") or {})
    if field in ("critic_score", "critic_summary"):
        key = field.removeprefix("critic_")
        if value is None:
            critic.pop(key, None)
        else:
            critic[key] = _number(value, float, "critic_score") if key == "score" else value
        rec["critic"] = critic
    elif field in ("aliases", "genres"):
        rec[field] = _split(value or "")
    elif field in ("year", "episode_count"):
        if value is None:
            rec.pop(field, None)
        else:
            rec[field] = _number(value, int, field)
    elif field == "country" and value is not None:
        region = regions.lookup(value)
        if region is None:
            raise UserError.keyed("catalogue.unknown_country", value=shown(value))
        rec[field] = region.code
    elif field == "verdict":
        if value is None:
            critic.pop("verdict", None)
        else:
            critic["verdict"] = value
        rec["critic"] = critic
    elif value is None:
        rec.pop(field, None)
    else:
        rec[field] = value
    if field == "episode_count" and "episodes" in rec:  # a shorter run drops the episodes past its end
        rec["episodes"] = [e for e in rec["episodes"] if e["number"] <= rec.get("episode_count", 0)]


class TextModal(discord.ui.Modal):
    """Long text (synopsis, verdict) in a paragraph box, prefilled with the current text."""

    def __init__(
        self, cog: Catalogue, drama: Drama, field: str, current: str | None, locale: str = "en"
    ) -> None:
        _, limit_key = LONG_TEXT[field]
        label = t(LONG_TEXT_LABELS[field], locale)
        super().__init__(title=clip(t("catalogue.modal_title", locale, label=label, title=drama.title), 45), timeout=900)
        self.cog, self.slug, self.field = cog, drama.slug, field
        self.text = discord.ui.TextInput(
            label=label,
            style=discord.TextStyle.paragraph,
            default=current,
            required=False,
            max_length=LIMITS[limit_key],
            placeholder=t("catalogue.leave_empty", locale),
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.cog.require_curator(interaction)
        value = self.text.value.strip() or None
        await self.cog.change_and_reply(
            interaction, self.slug, f"edit {self.field}", lambda rec: edit_field(rec, self.field, value)
        )

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await self.cog.bot.report_error(interaction, error)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Catalogue(commands.GroupCog, group_name="catalogue", group_description="Curators: add and correct dramas."):
    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot
        super().__init__()

    # ---- who may curate ---------------------------------------------------------------
    async def is_curator(self, interaction: discord.Interaction) -> bool:
        user = interaction.user
        if await self.bot.is_owner(user):
            return True
        if not isinstance(user, discord.Member) or interaction.guild_id is None:
            return False
        if interaction.permissions.administrator:
            return True
        role_ids = {self.bot.settings.curator_role_id, await self.bot.store.curator_role(interaction.guild_id)}
        return any(user.get_role(r) is not None for r in role_ids if r)

    async def require_curator(self, interaction: discord.Interaction) -> None:
        if not await self.is_curator(interaction):
            raise UserError.keyed("catalogue.not_curator")

    # ---- the one write path -------------------------------------------------------------
    async def change(
        self,
        interaction: discord.Interaction,
        slug: str,
        action: str,
        change: Callable[[CatalogueRecord | None], CatalogueRecord | None],
    ) -> tuple[CatalogueRecord | None, CatalogueRecord | None]:
        return await self.bot.store.curate(
            slug,
            change,
            action=action,
            actor_id=interaction.user.id,
            actor_name=str(interaction.user),
            guild_id=interaction.guild_id,
        )

    async def change_and_reply(
        self, interaction: discord.Interaction, slug: str, action: str, edit: Callable[[dict[str, Any]], None]
    ) -> None:
        """Edit an existing drama's record dict, validate, save, audit, and confirm ephemerally."""

        def apply(before: CatalogueRecord | None) -> CatalogueRecord:
            if before is None:
                raise UserError.keyed("review.gone")
            rec = _record_dict(before)
            edit(rec)
            return _validated(rec)

        before, after = await self.change(interaction, slug, action, apply)
        assert after is not None
        locale = locale_of(interaction)
        if before is not None and _record_dict(before) == _record_dict(after):
            message = t("catalogue.nothing_changed", locale, title=safe(after[0].title))
        else:
            message = t("catalogue.saved", locale, action=action, title=safe(after[0].title))
        await interaction.response.send_message(message, ephemeral=True)

    # ---- commands ---------------------------------------------------------------------
    @app_commands.command(name="add", description="Add a drama to the catalogue.")
    @app_commands.describe(
        title="The English title",
        episodes="Number of episodes",
        year="Year it first aired",
        country="Country of origin: a code such as KR or a name",
        native_title="The title in its own language",
        network="Network or platform it aired on",
        genres="Genres, comma-separated",
        slug="Its stable id (default: made from the title and year)",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 200],
        episodes: app_commands.Range[int, 1, 500],
        year: app_commands.Range[int, 1900, 2100] | None = None,
        country: app_commands.Transform[regions.Region, RegionOption] | None = None,
        native_title: app_commands.Range[str, 1, 200] | None = None,
        network: app_commands.Range[str, 1, 100] | None = None,
        genres: app_commands.Range[str, 1, 300] | None = None,
        slug: app_commands.Range[str, 1, 80] | None = None,
    ) -> None:
        await self.require_curator(interaction)
        slug = (slug or slugify(title, year)).strip().lower()
        if not slug:
            raise UserError.keyed("catalogue.slug_needed")
        rec: dict[str, Any] = {"slug": slug, "title": title, "episode_count": episodes}
        optional = {"year": year, "country": country.code if country else None,
                    "native_title": native_title, "network": network}  # fmt: skip
        rec.update({k: v for k, v in optional.items() if v is not None})
        if genres:
            rec["genres"] = _split(genres)
        record = _validated(rec)

        def create(before: CatalogueRecord | None) -> CatalogueRecord:
            if before is not None:
                raise UserError.keyed("catalogue.slug_taken", title=safe(before[0].title), slug=slug)
            return record

        await self.change(interaction, slug, "add", create)
        await interaction.response.send_message(
            t("catalogue.added", locale_of(interaction), title=safe(title), slug=slug), ephemeral=True
        )

    @app_commands.command(name="edit", description="Change one field of a drama.")
    @app_commands.describe(drama="The drama", field="What to change", value="The new value; '-' clears it")
    @app_commands.choices(field=[app_commands.Choice(name=label, value=key) for key, label in EDITABLE.items()])
    async def edit(
        self,
        interaction: discord.Interaction,
        drama: app_commands.Transform[Drama, DramaOption],
        field: app_commands.Choice[str],
        value: app_commands.Range[str, 1, 500],
    ) -> None:
        await self.require_curator(interaction)
        new = None if value.strip().lower() in CLEAR else value.strip()
        await self.change_and_reply(interaction, drama.slug, f"edit {field.value}", lambda rec: edit_field(rec, field.value, new))

    @app_commands.command(name="text", description="Write a drama's synopsis or critic's verdict (opens a form).")
    @app_commands.describe(drama="The drama", field="Which text")
    @app_commands.choices(field=[app_commands.Choice(name=label, value=key) for key, (label, _) in LONG_TEXT.items()])
    async def text(
        self,
        interaction: discord.Interaction,
        drama: app_commands.Transform[Drama, DramaOption],
        field: app_commands.Choice[str],
    ) -> None:
        await self.require_curator(interaction)
        current = drama.synopsis if field.value == "synopsis" else drama.critic_verdict
        await interaction.response.send_modal(TextModal(self, drama, field.value, current, locale_of(interaction)))

    @app_commands.command(name="episode", description="Set (or clear) an episode's critic score and title.")
    @app_commands.describe(
        drama="The drama", number="Episode number", score="Critic score 0-5 (leave out to clear)",
        title="The episode's title",
    )  # fmt: skip
    async def episode(
        self,
        interaction: discord.Interaction,
        drama: app_commands.Transform[Drama, DramaOption],
        number: app_commands.Range[int, 1, 500],
        score: app_commands.Range[float, 0.0, 5.0] | None = None,
        title: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        await self.require_curator(interaction)
        if number > drama.episode_count:
            raise UserError.keyed("catalogue.episode_count", title=safe(drama.title), count=drama.episode_count)

        def edit(rec: dict[str, Any]) -> None:
            episodes = [e for e in rec.get("episodes", []) if e["number"] != number]
            old = next((e for e in rec.get("episodes", []) if e["number"] == number), {})
            new = {**old, "number": number}
            new.pop("critic_score", None)
            if score is not None:
                new["critic_score"] = score
            if title is not None:
                new["title"] = title
            if len(new) > 1:
                episodes.append(new)
            rec["episodes"] = sorted(episodes, key=lambda e: e["number"])

        await self.change_and_reply(interaction, drama.slug, f"episode {number}", edit)

    @app_commands.command(name="where-add", description="Add or replace where a drama streams.")
    @app_commands.describe(
        drama="The drama", service="The service, e.g. Netflix", kind="How it is offered",
        regions="Countries, comma-separated codes or names (leave out if not known)", url="Link to the drama there",
    )  # fmt: skip
    @app_commands.choices(kind=[app_commands.Choice(name=k, value=k) for k in AVAILABILITY_KINDS])
    async def where_add(
        self,
        interaction: discord.Interaction,
        drama: app_commands.Transform[Drama, DramaOption],
        service: app_commands.Range[str, 1, 80],
        kind: app_commands.Choice[str],
        regions: app_commands.Range[str, 1, 1000] | None = None,
        url: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        await self.require_curator(interaction)
        codes = []
        for name in _split(regions or ""):
            region = _region(name)
            codes.append(region.code)

        def edit(rec: dict[str, Any]) -> None:
            kept = [a for a in rec.get("availability", [])
                    if not (a["service"].casefold() == service.strip().casefold() and a["kind"] == kind.value)]  # fmt: skip
            kept.append({"service": service.strip(), "kind": kind.value, "regions": codes, "url": url,
                         "checked_on": date.today().isoformat()})  # fmt: skip
            rec["availability"] = kept

        await self.change_and_reply(interaction, drama.slug, "where-add", edit)

    @app_commands.command(name="where-remove", description="Remove a streaming entry from a drama.")
    @app_commands.describe(drama="The drama", service="The service, as listed by /where", kind="How it is offered")
    @app_commands.choices(kind=[app_commands.Choice(name=k, value=k) for k in AVAILABILITY_KINDS])
    async def where_remove(
        self,
        interaction: discord.Interaction,
        drama: app_commands.Transform[Drama, DramaOption],
        service: app_commands.Range[str, 1, 80],
        kind: app_commands.Choice[str],
    ) -> None:
        await self.require_curator(interaction)

        def edit(rec: dict[str, Any]) -> None:
            listed = rec.get("availability", [])
            kept = [a for a in listed
                    if not (a["service"].casefold() == service.strip().casefold() and a["kind"] == kind.value)]  # fmt: skip
            if len(kept) == len(listed):
                raise UserError.keyed(
                    "catalogue.no_where_entry", title=safe(drama.title), kind=Key(f"kind.{kind.value}"),
                    service=shown(service),
                )  # fmt: skip
            rec["availability"] = kept

        await self.change_and_reply(interaction, drama.slug, "where-remove", edit)

    @app_commands.command(
        name="remove", description="Hide a drama from members; its ratings and lists are kept (restore brings it back)."
    )
    @app_commands.describe(drama="The drama", confirm="Type the drama's id (its slug) to confirm")
    async def remove(
        self,
        interaction: discord.Interaction,
        drama: app_commands.Transform[Drama, DramaOption],
        confirm: app_commands.Range[str, 1, 80],
    ) -> None:
        await self.require_curator(interaction)
        if confirm.strip() != drama.slug:
            raise UserError.keyed("catalogue.confirm_slug", slug=drama.slug)
        before, _ = await self.change(interaction, drama.slug, "remove", lambda before: None)
        if before is None:
            raise UserError.keyed("review.gone")
        await interaction.response.send_message(
            t("catalogue.removed", locale_of(interaction), title=safe(drama.title), slug=drama.slug), ephemeral=True
        )

    # ---- removed dramas: restore, merge (the store keeps members' data: bot/store/removal.py) ----------
    @app_commands.command(name="restore", description="Bring back a removed drama with its ratings, lists and reminders.")
    @app_commands.describe(drama="The removed drama: start typing its title or id")
    async def restore(self, interaction: discord.Interaction, drama: app_commands.Range[str, 1, 200]) -> None:
        await self.require_curator(interaction)
        slug = await self._removed_slug(drama.strip())
        try:
            record = await self.bot.store.restore_drama(
                slug, actor_id=interaction.user.id, actor_name=str(interaction.user), guild_id=interaction.guild_id
            )
        except CatalogueRefused as exc:
            raise _refused(exc) from None
        await interaction.response.send_message(
            t("catalogue.restored", locale_of(interaction), title=safe(record[0].title), slug=slug), ephemeral=True
        )

    async def _removed_slug(self, text: str) -> str:
        """The slug a restore means: autocomplete's value, or the one removed drama whose title is `text`."""
        if looks_like_slug(text):
            return text
        titled = [slug for slug, title, _ in await self.bot.store.removed_dramas(text) if fold(title) == fold(text)]
        return titled[0] if len(titled) == 1 else text

    @restore.autocomplete("drama")
    async def restore_autocomplete(self, interaction: discord.Interaction, value: str) -> list[app_commands.Choice[str]]:
        try:
            await self.require_curator(interaction)  # removed dramas are shown to curators only
        except UserError:
            return []
        found = await self.bot.store.removed_dramas(" ".join(value.split())[:80], 25)
        return [
            app_commands.Choice(name=clip(f"{title} ({year or '?'}) · {slug}", 100), value=slug)
            for slug, title, year in found
        ]

    @app_commands.command(
        name="merge", description="Join a duplicate into the drama kept: scores, lists, follows and reminders move."
    )
    @app_commands.rename(source="from", target="into")
    @app_commands.describe(
        source="The duplicate, which goes", target="The drama kept",
        confirm="Type the duplicate's id (its slug) to confirm",
    )  # fmt: skip
    async def merge(
        self,
        interaction: discord.Interaction,
        source: app_commands.Transform[Drama, DramaOption],
        target: app_commands.Transform[Drama, DramaOption],
        confirm: app_commands.Range[str, 1, 80],
    ) -> None:
        await self.require_curator(interaction)
        if source.id == target.id:
            raise _refused(CatalogueRefused("same", source.slug))
        if confirm.strip() != source.slug:
            raise UserError.keyed("catalogue.confirm_merge", slug=source.slug)
        try:
            done = await self.bot.store.merge_dramas(
                source.slug, target.slug,
                actor_id=interaction.user.id, actor_name=str(interaction.user), guild_id=interaction.guild_id,
            )  # fmt: skip
        except CatalogueRefused as exc:
            raise _refused(exc) from None
        await interaction.response.send_message(
            t("catalogue.merged", locale_of(interaction), source=safe(done.merged.title), source_slug=done.merged.slug,
              title=safe(done.into.title), slug=done.into.slug, ratings=done.ratings, replaced=done.replaced,
              watchlist=done.watchlist, follows=done.follows, reminders=done.reminders),
            ephemeral=True,
        )  # fmt: skip

    @app_commands.command(name="curators", description="Choose the role whose members may curate the catalogue.")
    @app_commands.describe(role="The curator role; leave out to clear it")
    async def curators(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        if not (await self.bot.is_owner(interaction.user) or interaction.permissions.manage_guild):
            raise UserError.keyed("catalogue.not_admin")
        assert interaction.guild_id is not None
        await self.bot.store.set_curator_role(
            interaction.guild_id, role.id if role else None,
            actor_id=interaction.user.id, actor_name=str(interaction.user),
        )  # fmt: skip
        if role is None:
            message = t("catalogue.curators_cleared", locale_of(interaction))
        else:
            message = t("catalogue.curators_set", locale_of(interaction), role=f"<@&{role.id}>")
        await interaction.response.send_message(message, ephemeral=True)


def _refused(exc: CatalogueRefused) -> UserError:
    """A refused restore or merge, worded for the member (nothing was changed)."""
    return UserError.keyed(f"catalogue.refused_{exc.reason}", slug=shown(exc.slug))


def _region(text: str) -> regions.Region:
    region = regions.lookup(text)
    if region is None:
        raise UserError.keyed("catalogue.unknown_region", text=shown(text))
    return region


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Catalogue(bot))
