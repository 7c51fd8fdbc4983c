"""/catalogue: the shared catalogue, changed by global curators and corrected by members' suggestions.

Every server sees the same catalogue, so only global curators change it (bot/catalogue/curators.py: the
application's owners, CURATOR_USER_IDS, CURATOR_ROLE_ID inside CURATOR_GUILD_ID); a server's admins
do not. The group is visible to every member, for `/catalogue suggest`; every handler and every
button click checks the member's rights again. Every change goes through `Curation.curate`, which
writes it and its audit row in one transaction. Validation is the catalogue file format's own
(bot/catalogue/edits.py over `bot.catalogue.format.parse_entry`), so Discord, suggestions and files agree.
`/catalogue curators` names a server's own role, which chooses the dramas that server follows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.catalogue import regions
from bot.cards.review import clip, safe
from bot.catalogue.format import limits, slugify
from bot.catalogue.edits import (
    EDITABLE,
    LONG_TEXT,
    SUGGESTABLE,
    cleared,
    edit_field,
    field_change,
    record_dict,
    split,
    validated,
)
from bot.client import from_us
from bot.catalogue.curators import is_global_curator
from bot.errors import CatalogueRefused, UserError
from bot.i18n.translator import t
from bot.i18n.messages import Key
from bot.models import AVAILABILITY_KINDS, Drama
from bot.search.index import fold
from bot.store import SuggestionClosed
from bot.store.suggestions import MAX_NOTE, MAX_VALUE
from bot.cards.suggestions import suggestion_card
from cogs.options import DramaOption, RegionOption, locale_of, looks_like_slug, shown

if TYPE_CHECKING:
    from bot.client import DramaBot
    from bot.store import CatalogueRecord

NOT_CURATOR = t("catalogue.not_curator")  # the English, for tests
NOT_ADMIN = t("catalogue.not_admin")

LONG_TEXT_LABELS = {"synopsis": "catalogue.synopsis", "verdict": "catalogue.verdict"}  # the modal's, translated
SUGGESTIONS_PER_HOUR = 5  # per member, counted in the database (every process, across restarts)
QUEUE_SIZE = 5  # suggestions shown per /catalogue suggestions: one row of Accept / Reject each
_validated, _record_dict, _split = validated, record_dict, split


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
            max_length=limits()[limit_key],
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


class SuggestionButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"suggestion:(?P<action>[^:]{0,20}):(?P<id>[^:]{0,40})",
):
    """Accept or Reject one suggestion of `/catalogue suggestions`. The custom_id carries the action and
    the suggestion's id only: who may press it is asked again on every click, and anything else in it
    (an unknown action or id, one decided already) gets a clear ephemeral answer."""

    def __init__(self, action: str, suggestion_id: str, *, locale: str = "en") -> None:
        accept = action == "accept"
        super().__init__(
            discord.ui.Button(
                label=t("catalogue.suggestion_accept" if accept else "catalogue.suggestion_reject", locale,
                        id=suggestion_id),
                style=discord.ButtonStyle.success if accept else discord.ButtonStyle.secondary,
                custom_id=f"suggestion:{action}:{suggestion_id}",
            )
        )  # fmt: skip
        self.action, self.suggestion_id = action, suggestion_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> SuggestionButton:
        return cls(match["action"], match["id"])

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return from_us(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: DramaBot = interaction.client  # type: ignore[assignment]
        try:
            await decide(bot, interaction, self.action, self.suggestion_id)
        except Exception as exc:  # noqa: BLE001 - reported through the one error handler
            await bot.report_error(interaction, exc)


async def decide(bot: DramaBot, interaction: discord.Interaction, action: str, raw_id: str) -> None:
    """A global curator accepts or rejects suggestion `raw_id` (as the button's custom_id carried it)."""
    if not await is_global_curator(bot, interaction):
        raise UserError.keyed("catalogue.not_curator")
    if action not in ("accept", "reject") or not re.fullmatch(r"[1-9][0-9]{0,17}", raw_id):
        raise UserError.keyed("catalogue.suggestion_unknown", id=shown(raw_id, 20) or "?")
    suggestion_id, user, locale = int(raw_id), interaction.user, locale_of(interaction)
    now = bot.clock.now()
    try:
        if action == "reject":
            decided = await bot.store.suggestions.reject(suggestion_id, decided_by=user.id, now=now)
            title = (await bot.store.community.titles([decided.drama_id])).get(decided.drama_id, "?")
            message = t("catalogue.suggestion_rejected", locale, id=suggestion_id, title=safe(title))
        else:
            decided, _, after = await bot.store.suggestions.accept(
                suggestion_id, lambda s: field_change(s.field, s.value), decided_by=user.id, actor_id=user.id,
                actor_name=str(user), guild_id=interaction.guild_id, now=now,
            )  # fmt: skip
            title = after[0].title if after is not None else "?"
            message = t("catalogue.suggestion_accepted", locale, id=suggestion_id, title=safe(title),
                        field=decided.field, user=f"<@{decided.user_id}>")  # fmt: skip
    except SuggestionClosed as exc:
        if exc.found is None:
            raise UserError.keyed("catalogue.suggestion_unknown", id=suggestion_id) from None
        status = Key(f"catalogue.suggestion_status_{exc.found.status}")
        raise UserError.keyed("catalogue.suggestion_decided", id=suggestion_id, status=status) from None
    await interaction.response.send_message(message, ephemeral=True)


@app_commands.guild_only()
class Catalogue(
    commands.GroupCog, group_name="catalogue",
    group_description="The shared catalogue: suggest a correction; global curators change it.",
):  # fmt: skip
    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SuggestionButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SuggestionButton)

    # ---- who may curate: the shared catalogue's global curators (bot/catalogue/curators.py) ------------------------
    async def is_curator(self, interaction: discord.Interaction) -> bool:
        return await is_global_curator(self.bot, interaction)

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
        return await self.bot.store.curation.curate(
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
        new = cleared(value)
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

    # ---- suggestions: any member proposes, a global curator decides ---------------------------------------
    @app_commands.command(name="suggest", description="Suggest a correction to a drama; a global curator checks it.")
    @app_commands.describe(
        drama="The drama", field="What to correct", value="The value you suggest; '-' to clear it",
        note="Why, or where it comes from (optional)",
    )  # fmt: skip
    @app_commands.choices(field=[app_commands.Choice(name=label, value=key) for key, label in SUGGESTABLE.items()])
    async def suggest(
        self,
        interaction: discord.Interaction,
        drama: app_commands.Transform[Drama, DramaOption],
        field: str,  # one of the choices; a plain str so that anything else gets its own answer here
        value: app_commands.Range[str, 1, MAX_VALUE],
        note: app_commands.Range[str, 1, MAX_NOTE] | None = None,
    ) -> None:
        if field not in SUGGESTABLE:
            raise UserError.keyed("catalogue.unknown_field", field=shown(field, 40))
        if len(value) > MAX_VALUE or (note is not None and len(note) > MAX_NOTE):
            raise UserError.keyed("catalogue.suggest_too_long", value=MAX_VALUE, note=MAX_NOTE)
        new, note = cleared(value), (note.strip() or None) if note else None
        before = await self.bot.store.catalogue.record(drama.id)
        after = field_change(field, new)(before)  # validated now, and again when accepted
        if before is not None and _record_dict(before) == _record_dict(after):
            raise UserError.keyed("catalogue.suggest_same", title=safe(drama.title))
        made = await self.bot.store.suggestions.add(
            user_id=interaction.user.id, guild_id=interaction.guild_id, drama_id=drama.id, field=field,
            value=new, note=note, now=self.bot.clock.now(), per_window=SUGGESTIONS_PER_HOUR,
            window=timedelta(hours=1),
        )  # fmt: skip
        if made is None:
            raise UserError.keyed("catalogue.suggest_limit", limit=SUGGESTIONS_PER_HOUR)
        await interaction.response.send_message(
            t("catalogue.suggested", locale_of(interaction), id=made.id, title=safe(drama.title)), ephemeral=True
        )

    @app_commands.command(name="suggestions", description="Global curators: the oldest suggestions waiting.")
    async def suggestions(self, interaction: discord.Interaction) -> None:
        await self.require_curator(interaction)
        locale = locale_of(interaction)
        pending, total = await self.bot.store.suggestions.pending(QUEUE_SIZE)
        if not pending:
            await interaction.response.send_message(t("catalogue.suggestions_none", locale), ephemeral=True)
            return
        titles = await self.bot.store.community.titles([s.drama_id for s in pending])
        view = discord.ui.View(timeout=None)
        for row, suggestion in enumerate(pending):
            for action in ("accept", "reject"):
                button = SuggestionButton(action, str(suggestion.id), locale=locale)
                button.row = row
                view.add_item(button)
        await interaction.response.send_message(
            embed=suggestion_card(pending, titles, total, locale), view=view, ephemeral=True
        )


    # ---- removed dramas: restore, merge (the store keeps members' data: bot/store/removal.py) ----------
    @app_commands.command(name="restore", description="Bring back a removed drama with its ratings, lists and reminders.")
    @app_commands.describe(drama="The removed drama: start typing its title or id")
    async def restore(self, interaction: discord.Interaction, drama: app_commands.Range[str, 1, 200]) -> None:
        await self.require_curator(interaction)
        slug = await self._removed_slug(drama.strip())
        try:
            record = await self.bot.store.removal.restore(
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
        titled = [
            slug
            for slug, title, _ in await self.bot.store.catalogue.hidden(text)
            if fold(title) == fold(text)
        ]
        return titled[0] if len(titled) == 1 else text

    @restore.autocomplete("drama")
    async def restore_autocomplete(self, interaction: discord.Interaction, value: str) -> list[app_commands.Choice[str]]:
        try:
            await self.require_curator(interaction)  # removed dramas are shown to curators only
        except UserError:
            return []
        found = await self.bot.store.catalogue.hidden(" ".join(value.split())[:80], 25)
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
            done = await self.bot.store.removal.merge(
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

    @app_commands.command(name="curators", description="Choose the role that picks the dramas this server follows.")
    @app_commands.describe(role="The role; leave out to clear it")
    async def curators(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        if not (interaction.permissions.manage_guild or interaction.permissions.administrator):
            raise UserError.keyed("catalogue.not_admin")
        assert interaction.guild_id is not None
        await self.bot.store.curation.set_curator_role(
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
