"""/catalogue: the shared catalogue every server sees, changed only by global curators (checked in every
handler and button) and corrected by members' suggestions. Changes go through the catalogue format's own
validation (bot/catalogue/edits.py), so Discord, suggestions and files agree."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Self

import discord
from discord import Interaction, app_commands
from discord.app_commands import Choice, Range, choices, command, describe
from discord.ext import commands

from bot.cards.review import clip, safe
from bot.cards.suggestions import suggestion_card
from bot.catalogue import edits
from bot.catalogue.curators import is_global_curator
from bot.catalogue.format import MAX_EPISODES, limits, slugify
from bot.catalogue.regions import lookup
from bot.client import DramaBot, observe
from bot.errors import CatalogueRefused, UserError
from bot.i18n.messages import Key
from bot.i18n.translator import t
from bot.models import AVAILABILITY_KINDS, Drama
from bot.search.index import fold
from bot.store import CatalogueRecord, SuggestionClosed
from bot.store.suggestions import MAX_NOTE, MAX_VALUE
from cogs.common import Clickable, DramaCog, answer, locale_of, managed_guild, shown
from cogs.options import CHOICE_LIMIT, CHOICE_TEXT, Choices, DramaArg, RegionArg, looks_like_slug

LONG_TEXT_LABELS = {"synopsis": "catalogue.synopsis", "verdict": "catalogue.verdict"}  # the modal's
SUGGESTIONS_PER_HOUR = 5  # per member, counted in the database (every process, across restarts)
QUEUE_SIZE = 5  # suggestions shown per /catalogue suggestions: one row of Accept / Reject each
SUGGESTION_ID = r"suggestion:(?P<action>[^:]{0,20}):(?P<id>[^:]{0,40})"
KIND_CHOICES = [Choice(name=k, value=k) for k in AVAILABILITY_KINDS]
Title = Range[str, 1, 200]
Slug = Range[str, 1, 80]
Service = Range[str, 1, 80]
Record = CatalogueRecord | None  # a drama's catalogue record; None: none (yet, or any more)


def actor(interaction: Interaction) -> dict[str, Any]:
    """Who makes a change, as its audit row records it."""
    user = interaction.user
    return {"actor_id": user.id, "actor_name": str(user), "guild_id": interaction.guild_id}


async def require_curator(bot: DramaBot, interaction: Interaction) -> None:
    if not await is_global_curator(bot, interaction):
        raise UserError.keyed("catalogue.not_curator")


async def tell(interaction: Interaction, text: str) -> None:
    await answer(interaction, content=text, ephemeral=True)


class TextModal(discord.ui.Modal):
    """Long text (synopsis, verdict) in a paragraph box, prefilled with the current text."""

    def __init__(self, cog: CatalogueCommands, drama: Drama, field: str, locale: str) -> None:
        label = t(LONG_TEXT_LABELS[field], locale)
        title = clip(t("catalogue.modal_title", locale, label=label, title=drama.title), 45)
        super().__init__(title=title, timeout=900)
        self.cog, self.slug, self.field = cog, drama.slug, field
        self.text = discord.ui.TextInput(
            label=label, style=discord.TextStyle.paragraph, required=False,
            default=drama.synopsis if field == "synopsis" else drama.critic_verdict,
            max_length=limits()[edits.LONG_TEXT[field][1]], placeholder=t("catalogue.leave_empty", locale),
        )  # fmt: skip
        self.add_item(self.text)

    async def interaction_check(self, interaction: Interaction, /) -> bool:
        observe(interaction, f"catalogue-edit:{self.field}")  # the operators' metrics, when on
        return True

    async def on_submit(self, interaction: Interaction) -> None:
        await require_curator(self.cog.bot, interaction)
        value = self.text.value.strip() or None
        await self.cog.edit_and_tell(
            interaction, self.slug, f"edit {self.field}", lambda rec: edits.edit_field(rec, self.field, value)
        )

    async def on_error(self, interaction: Interaction, error: Exception) -> None:
        await self.cog.bot.report_error(interaction, error)


class SuggestionButton(Clickable, discord.ui.DynamicItem[discord.ui.Button], template=SUGGESTION_ID):
    """Accept or Reject one suggestion of `/catalogue suggestions`; rights are checked on every click, and an
    unknown action or id in the custom id, or a suggestion decided already, gets a clear answer."""

    def __init__(self, action: str, suggestion_id: str, *, locale: str = "en") -> None:
        accept = action == "accept"
        key = "catalogue.suggestion_accept" if accept else "catalogue.suggestion_reject"
        style = discord.ButtonStyle.success if accept else discord.ButtonStyle.secondary
        label, custom_id = t(key, locale, id=suggestion_id), f"suggestion:{action}:{suggestion_id}"
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id))
        self.action, self.suggestion_id = action, suggestion_id

    @classmethod
    async def from_custom_id(cls, interaction: Interaction, item: Any, match: re.Match[str], /) -> Self:
        return cls(match["action"], match["id"])

    async def clicked(self, interaction: Interaction, bot: DramaBot) -> None:
        """A global curator accepts or rejects the suggestion."""
        action, raw_id, user, now = self.action, self.suggestion_id, interaction.user, bot.clock.now()
        await require_curator(bot, interaction)
        if action not in ("accept", "reject") or not re.fullmatch(r"[1-9][0-9]{0,17}", raw_id):
            raise UserError.keyed("catalogue.suggestion_unknown", id=shown(raw_id, 20) or "?")
        suggestion_id, locale = int(raw_id), locale_of(interaction)
        try:
            if action == "reject":
                decided = await bot.store.suggestions.reject(suggestion_id, decided_by=user.id, now=now)
                title = (await bot.store.community.titles([decided.drama_id])).get(decided.drama_id, "?")
                message = t("catalogue.suggestion_rejected", locale, id=suggestion_id, title=safe(title))
            else:
                decided, _, after = await bot.store.suggestions.accept(
                    suggestion_id, lambda s: edits.field_change(s.field, s.value), decided_by=user.id,
                    now=now, **actor(interaction),
                )  # fmt: skip
                title = after[0].title if after is not None else "?"
                message = t("catalogue.suggestion_accepted", locale, id=suggestion_id, title=safe(title),
                            field=decided.field, user=f"<@{decided.user_id}>")  # fmt: skip
        except SuggestionClosed as exc:
            if exc.found is None:
                raise UserError.keyed("catalogue.suggestion_unknown", id=suggestion_id) from None
            status = Key(f"catalogue.suggestion_status_{exc.found.status}")
            raise UserError.keyed("catalogue.suggestion_decided", id=suggestion_id, status=status) from None
        await tell(interaction, message)


def _refused(exc: CatalogueRefused) -> UserError:
    """A refused restore or merge, worded for the member (nothing was changed)."""
    return UserError.keyed(f"catalogue.refused_{exc.reason}", slug=shown(exc.slug))


def _without(rec: dict[str, Any], service: str, kind: str) -> list[dict[str, Any]]:
    """The drama's streaming entries but the one of `service` (any case) offered as `kind`."""
    service = service.strip().casefold()
    listed = rec.get("availability", [])
    return [a for a in listed if not (a["service"].casefold() == service and a["kind"] == kind)]


@app_commands.guild_only()
class CatalogueCommands(
    DramaCog, commands.GroupCog, group_name="catalogue",
    group_description="The shared catalogue: suggest a correction; global curators change it.",
):  # fmt: skip
    buttons = (SuggestionButton,)

    async def curate(
        self, interaction: Interaction, slug: str, action: str, change: Callable[[Any], Record]
    ) -> tuple[Record, Record]:
        """The one write path: the change and its audit row, in one transaction."""
        return await self.bot.store.curation.curate(slug, change, action=action, **actor(interaction))

    async def edit_and_tell(
        self, interaction: Interaction, slug: str, action: str, edit: Callable[[dict[str, Any]], None]
    ) -> None:
        """Edit an existing drama's record dict, validate, save, audit, and confirm ephemerally."""

        def apply(before: Record) -> CatalogueRecord:
            if before is None:
                raise UserError.keyed("review.gone")
            rec = edits.record_dict(before)
            edit(rec)
            return edits.validated(rec)

        before, after = await self.curate(interaction, slug, action, apply)
        assert after is not None
        title, locale = safe(after[0].title), locale_of(interaction)
        if before is not None and edits.record_dict(before) == edits.record_dict(after):
            await tell(interaction, t("catalogue.nothing_changed", locale, title=title))
        else:
            await tell(interaction, t("catalogue.saved", locale, action=action, title=title))

    @command(name="add", description="Add a drama to the catalogue.")
    @describe(
        title="The English title", episodes="Number of episodes", year="Year it first aired",
        country="Country of origin: a code such as KR or a name", network="Network or platform it aired on",
        native_title="The title in its own language", genres="Genres, comma-separated",
        slug="Its stable id (default: made from the title and year)",
    )  # fmt: skip
    async def add(
        self, interaction: Interaction, title: Title, episodes: Range[int, 1, MAX_EPISODES],
        year: Range[int, 1900, 2100] | None = None, country: RegionArg | None = None,
        native_title: Title | None = None, network: Range[str, 1, 100] | None = None,
        genres: Range[str, 1, 300] | None = None, slug: Slug | None = None,
    ) -> None:  # fmt: skip
        await require_curator(self.bot, interaction)
        slug = (slug or slugify(title, year)).strip().lower()
        if not slug:
            raise UserError.keyed("catalogue.slug_needed")
        rec: dict[str, Any] = {"slug": slug, "title": title, "episode_count": episodes}
        optional = {"year": year, "country": country.code if country else None, "native_title": native_title,
                    "network": network, "genres": edits.split(genres) if genres else None}  # fmt: skip
        rec.update({k: v for k, v in optional.items() if v is not None})
        record = edits.validated(rec)

        def create(before: Record) -> CatalogueRecord:
            if before is not None:
                raise UserError.keyed("catalogue.slug_taken", title=safe(before[0].title), slug=slug)
            return record

        await self.curate(interaction, slug, "add", create)
        await tell(interaction, t("catalogue.added", locale_of(interaction), title=safe(title), slug=slug))

    @command(name="edit", description="Change one field of a drama.")
    @describe(drama="The drama", field="What to change", value="The new value; '-' clears it")
    @choices(field=[Choice(name=label, value=key) for key, label in edits.EDITABLE.items()])
    async def edit(
        self, interaction: Interaction, drama: DramaArg, field: Choice[str], value: Range[str, 1, 500]
    ) -> None:
        await require_curator(self.bot, interaction)
        new, key = edits.cleared(value), field.value
        await self.edit_and_tell(
            interaction, drama.slug, f"edit {key}", lambda rec: edits.edit_field(rec, key, new)
        )

    @command(name="text", description="Write a drama's synopsis or critic's verdict (opens a form).")
    @describe(drama="The drama", field="Which text")
    @choices(field=[Choice(name=label, value=key) for key, (label, _) in edits.LONG_TEXT.items()])
    async def text(self, interaction: Interaction, drama: DramaArg, field: Choice[str]) -> None:
        await require_curator(self.bot, interaction)
        await interaction.response.send_modal(TextModal(self, drama, field.value, locale_of(interaction)))

    @command(name="episode", description="Set (or clear) an episode's critic score and title.")
    @describe(
        drama="The drama", number="Episode number", score="Critic score 0-5 (leave out to clear)",
        title="The episode's title",
    )  # fmt: skip
    async def episode(
        self, interaction: Interaction, drama: DramaArg, number: Range[int, 1, MAX_EPISODES],
        score: Range[float, 0.0, 5.0] | None = None, title: Title | None = None,
    ) -> None:  # fmt: skip
        await require_curator(self.bot, interaction)
        if number > drama.episode_count:
            raise UserError.keyed(
                "catalogue.episode_count", title=safe(drama.title), count=drama.episode_count
            )

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

        await self.edit_and_tell(interaction, drama.slug, f"episode {number}", edit)

    @command(name="where-add", description="Add or replace where a drama streams.")
    @describe(
        drama="The drama", service="The service, e.g. Netflix", kind="How it is offered",
        regions="Countries, comma-separated codes or names (leave out if not known)",
        url="Link to the drama there",
    )  # fmt: skip
    @choices(kind=KIND_CHOICES)
    async def where_add(
        self, interaction: Interaction, drama: DramaArg, service: Service, kind: Choice[str],
        regions: Range[str, 1, 1000] | None = None, url: Range[str, 1, 500] | None = None,
    ) -> None:  # fmt: skip
        await require_curator(self.bot, interaction)
        codes = []
        for name in edits.split(regions or ""):
            region = lookup(name)
            if region is None:
                raise UserError.keyed("catalogue.unknown_region", text=shown(name))
            codes.append(region.code)
        entry = {"service": service.strip(), "kind": kind.value, "regions": codes, "url": url,
                 "checked_on": date.today().isoformat()}  # fmt: skip

        def edit(rec: dict[str, Any]) -> None:
            rec["availability"] = [*_without(rec, service, kind.value), entry]

        await self.edit_and_tell(interaction, drama.slug, "where-add", edit)

    @command(name="where-remove", description="Remove a streaming entry from a drama.")
    @describe(drama="The drama", service="The service, as listed by /where", kind="How it is offered")
    @choices(kind=KIND_CHOICES)
    async def where_remove(
        self, interaction: Interaction, drama: DramaArg, service: Service, kind: Choice[str]
    ) -> None:
        await require_curator(self.bot, interaction)

        def edit(rec: dict[str, Any]) -> None:
            kept = _without(rec, service, kind.value)
            if len(kept) == len(rec.get("availability", [])):
                raise UserError.keyed(
                    "catalogue.no_where_entry", title=safe(drama.title), kind=Key(f"kind.{kind.value}"),
                    service=shown(service),
                )  # fmt: skip
            rec["availability"] = kept

        await self.edit_and_tell(interaction, drama.slug, "where-remove", edit)

    @command(
        name="remove",
        description="Hide a drama from members; its ratings and lists are kept (restore brings it back).",
    )
    @describe(drama="The drama", confirm="Type the drama's id (its slug) to confirm")
    async def remove(self, interaction: Interaction, drama: DramaArg, confirm: Slug) -> None:
        await require_curator(self.bot, interaction)
        if confirm.strip() != drama.slug:
            raise UserError.keyed("catalogue.confirm_slug", slug=drama.slug)
        before, _ = await self.curate(interaction, drama.slug, "remove", lambda before: None)
        if before is None:
            raise UserError.keyed("review.gone")
        locale = locale_of(interaction)
        await tell(interaction, t("catalogue.removed", locale, title=safe(drama.title), slug=drama.slug))

    @command(name="suggest", description="Suggest a correction to a drama; a global curator checks it.")
    @describe(
        drama="The drama", field="What to correct", value="The value you suggest; '-' to clear it",
        note="Why, or where it comes from (optional)",
    )  # fmt: skip
    @choices(field=[Choice(name=label, value=key) for key, label in edits.SUGGESTABLE.items()])
    async def suggest(
        self, interaction: Interaction, drama: DramaArg,
        field: str,  # one of the choices; a plain str so that anything else gets its own answer here
        value: Range[str, 1, MAX_VALUE], note: Range[str, 1, MAX_NOTE] | None = None,
    ) -> None:  # fmt: skip
        if field not in edits.SUGGESTABLE:
            raise UserError.keyed("catalogue.unknown_field", field=shown(field, 40))
        if len(value) > MAX_VALUE or (note is not None and len(note) > MAX_NOTE):
            raise UserError.keyed("catalogue.suggest_too_long", value=MAX_VALUE, note=MAX_NOTE)
        new, note = edits.cleared(value), (note.strip() or None) if note else None
        before = await self.bot.store.catalogue.record(drama.id)
        after = edits.field_change(field, new)(before)  # validated now, and again when accepted
        if before is not None and edits.record_dict(before) == edits.record_dict(after):
            raise UserError.keyed("catalogue.suggest_same", title=safe(drama.title))
        made = await self.bot.store.suggestions.add(
            user_id=interaction.user.id, guild_id=interaction.guild_id, drama_id=drama.id, field=field,
            value=new, note=note, now=self.bot.clock.now(), per_window=SUGGESTIONS_PER_HOUR,
            window=timedelta(hours=1),
        )  # fmt: skip
        if made is None:
            raise UserError.keyed("catalogue.suggest_limit", limit=SUGGESTIONS_PER_HOUR)
        locale = locale_of(interaction)
        await tell(interaction, t("catalogue.suggested", locale, id=made.id, title=safe(drama.title)))

    @command(name="suggestions", description="Global curators: the oldest suggestions waiting.")
    async def suggestions(self, interaction: Interaction) -> None:
        await require_curator(self.bot, interaction)
        locale = locale_of(interaction)
        pending, total = await self.bot.store.suggestions.pending(QUEUE_SIZE)
        if not pending:
            await tell(interaction, t("catalogue.suggestions_none", locale))
            return
        titles = await self.bot.store.community.titles([s.drama_id for s in pending])
        view = discord.ui.View(timeout=None)
        for row, suggestion in enumerate(pending):
            for action in ("accept", "reject"):
                button = SuggestionButton(action, str(suggestion.id), locale=locale)
                button.row = row
                view.add_item(button)
        embed = suggestion_card(pending, titles, total, locale)
        await answer(interaction, embed=embed, view=view, ephemeral=True)

    # ---- removed dramas: restore, merge (the store keeps members' data: bot/store/removal.py) ----------
    @command(name="restore", description="Bring back a removed drama with its ratings, lists and reminders.")
    @describe(drama="The removed drama: start typing its title or id")
    async def restore(self, interaction: Interaction, drama: Title) -> None:
        await require_curator(self.bot, interaction)
        slug = text = drama.strip()
        if not looks_like_slug(text):  # a title typed: the one removed drama of that title
            removed = await self.bot.store.catalogue.hidden(text)
            titled = [s for s, title, _ in removed if fold(title) == fold(text)]
            slug = titled[0] if len(titled) == 1 else text
        try:
            record = await self.bot.store.removal.restore(slug, **actor(interaction))
        except CatalogueRefused as exc:
            raise _refused(exc) from None
        locale = locale_of(interaction)
        await tell(interaction, t("catalogue.restored", locale, title=safe(record[0].title), slug=slug))

    @restore.autocomplete("drama")
    async def restore_autocomplete(self, interaction: Interaction, value: str) -> Choices:
        if not await is_global_curator(self.bot, interaction):
            return []  # removed dramas are shown to curators only
        found = await self.bot.store.catalogue.hidden(" ".join(value.split())[:80], CHOICE_LIMIT)
        labels = {slug: f"{title} ({year or '?'}) · {slug}" for slug, title, year in found}
        return [Choice(name=clip(label, CHOICE_TEXT), value=slug) for slug, label in labels.items()]

    @command(
        name="merge",
        description="Join a duplicate into the drama kept: scores, lists, follows and reminders move.",
    )
    @app_commands.rename(source="from", target="into")
    @describe(
        source="The duplicate, which goes", target="The drama kept",
        confirm="Type the duplicate's id (its slug) to confirm",
    )  # fmt: skip
    async def merge(
        self, interaction: Interaction, source: DramaArg, target: DramaArg, confirm: Slug
    ) -> None:
        await require_curator(self.bot, interaction)
        if source.id == target.id:
            raise _refused(CatalogueRefused("same", source.slug))
        if confirm.strip() != source.slug:
            raise UserError.keyed("catalogue.confirm_merge", slug=source.slug)
        try:
            done = await self.bot.store.removal.merge(source.slug, target.slug, **actor(interaction))
        except CatalogueRefused as exc:
            raise _refused(exc) from None
        merged, into = done.merged, done.into
        message = t(
            "catalogue.merged", locale_of(interaction), source=safe(merged.title), source_slug=merged.slug,
            title=safe(into.title), slug=into.slug, ratings=done.ratings, replaced=done.replaced,
            watchlist=done.watchlist, follows=done.follows, reminders=done.reminders,
        )  # fmt: skip
        await tell(interaction, message)

    @command(name="curators", description="Choose the role that picks the dramas this server follows.")
    @describe(role="The role; leave out to clear it")
    async def curators(self, interaction: Interaction, role: discord.Role | None = None) -> None:
        guild_id, locale = managed_guild(interaction, "catalogue.not_admin"), locale_of(interaction)
        user = interaction.user
        role_id = role.id if role else None
        await self.bot.store.curation.set_curator_role(
            guild_id, role_id, actor_id=user.id, actor_name=str(user)
        )
        if role is None:
            await tell(interaction, t("catalogue.curators_cleared", locale))
        else:
            await tell(interaction, t("catalogue.curators_set", locale, role=f"<@&{role.id}>"))


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(CatalogueCommands(bot))
