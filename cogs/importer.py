"""/import file:<attachment> [replace]: a member's history from Simkl, Trakt, TV Time, MyDramaList or
dramabot's own CSV. The attachment Discord resolved is read (never a link), parsed in a worker process
(bot/history/worker.py: off the event loop and its GIL), matched, and shown as a private preview; only
its Import button (the member's own) stores anything."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import PurePath
from typing import Any, Self

import discord
from discord import Interaction
from discord.app_commands import command, describe

from bot.cards.history import preview_card, progress_text, result_card
from bot.client import DramaBot
from bot.errors import UserError
from bot.history import LIMITS
from bot.history.matching import FileBudget, Plan, apply_plan, plan_import
from bot.history.quiet import collector_paused
from bot.history.sessions import Sessions
from bot.history.worker import Parser
from bot.i18n.translator import t
from cogs.common import Clickable, DramaCog, anywhere, display_name, locale_of, server_of

MAX_UPLOAD = LIMITS.max_bytes  # bytes (docs/import.md)
SUFFIXES = (".csv", ".tsv", ".txt", ".zip")
TYPES = ("text/", "application/zip", "application/x-zip", "application/octet-stream", "application/vnd.ms-excel",
         "application/csv", "application/x-csv")  # fmt: skip
EDIT_EVERY = 1.0  # s between two progress edits of the answer


def checked_upload(file: discord.Attachment) -> None:
    """UserError unless the attachment looks like a history file of an accepted size (before reading it)."""
    name = file.filename or ""
    suffix = PurePath(name).suffix.lower()
    kind = (file.content_type or "").split(";")[0].strip().lower()
    if suffix not in SUFFIXES or (kind and not kind.startswith(TYPES)):
        raise UserError.keyed("import.wrong_type", file=name[:100])
    if file.size > MAX_UPLOAD:
        raise UserError.keyed("import.too_big", file=name[:100], limit=MAX_UPLOAD // (1024 * 1024))
    if file.size == 0:
        raise UserError.keyed("import.empty", file=name[:100])


class Progress:
    """Edits the deferred answer with the stage reached, at most every EDIT_EVERY seconds."""

    def __init__(self, interaction: Interaction, filename: str, locale: str) -> None:
        self.interaction, self.filename, self.locale = interaction, filename, locale
        self.last = float("-inf")

    async def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < EDIT_EVERY and done < total:
            return
        self.last = now
        text = progress_text(stage, done, total, self.filename, self.locale)
        try:
            await self.interaction.edit_original_response(content=text)
        except discord.HTTPException:  # progress is a courtesy: the import goes on
            pass


class ImportButton(
    Clickable, discord.ui.DynamicItem[discord.ui.Button], template=r"import:(?P<act>go|no):(?P<owner>\d+):(?P<n>\d+)"
):  # fmt: skip
    """Import or Cancel under a preview; only the member who asked can press them."""

    def __init__(self, act: str, owner_id: int, number: int, *, locale: str = "en") -> None:
        go = act == "go"
        label = t("import.button_go" if go else "import.button_cancel", locale)
        style = discord.ButtonStyle.success if go else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"import:{act}:{owner_id}:{number}")
        )
        self.act, self.owner_id, self.number = act, owner_id, number

    @classmethod
    async def from_custom_id(cls, interaction: Interaction, item: Any, match: re.Match[str], /) -> Self:
        return cls(match["act"], int(match["owner"]), int(match["n"]))

    async def clicked(self, interaction: Interaction, bot: DramaBot) -> None:
        if interaction.user.id != self.owner_id:
            raise UserError.keyed("import.not_yours")
        cog = bot.get_cog("Importer")
        if not isinstance(cog, Importer):
            raise UserError.keyed("import.expired")
        await cog.decided(interaction, self.act == "go", self.owner_id, self.number)


class Importer(DramaCog):
    buttons = (ImportButton,)

    def __init__(self, bot: DramaBot) -> None:
        super().__init__(bot)
        self.sessions = Sessions()
        self.budget = FileBudget()
        self.parser = Parser()  # files are parsed in a worker process, off the bot's GIL

    async def cog_load(self) -> None:
        await super().cog_load()
        self._starting = asyncio.create_task(self.parser.start(), name="import-parser")  # in the background

    async def cog_unload(self) -> None:
        self._starting.cancel()
        self.parser.close()
        await super().cog_unload()

    @command(
        name="import", description="Bring your ratings and list from Simkl, Trakt, TV Time or MyDramaList."
    )
    @anywhere
    @describe(
        file="The export file (CSV, TSV or zip, up to 8 MB); you see a preview before anything is stored",
        replace="Let the file's scores replace ones you changed in dramabot after the file was made",
    )  # fmt: skip
    async def import_(
        self, interaction: Interaction, file: discord.Attachment, replace: bool = False
    ) -> None:
        locale = locale_of(interaction)
        checked_upload(file)
        member = interaction.user.id
        with self.sessions.running(member):
            await interaction.response.defer(ephemeral=True, thinking=True)
            try:
                plan = await self._plan(interaction, file, Progress(interaction, file.filename, locale))
            except UserError as exc:  # a bad file: said in the answer itself, nothing kept
                await interaction.edit_original_response(content=exc.text(interaction.locale))
                return
        card = preview_card(plan, replace=replace, locale=locale)
        if plan.empty:
            await interaction.edit_original_response(content=t("import.nothing", locale), embed=card)
            return
        pending = self.sessions.keep(member, plan, replace=replace, guild_id=server_of(interaction))
        view = discord.ui.View(timeout=None)
        view.add_item(ImportButton("go", member, pending.number, locale=locale))
        view.add_item(ImportButton("no", member, pending.number, locale=locale))
        await interaction.edit_original_response(
            content=t("import.preview_ask", locale), embed=card, view=view
        )

    async def _plan(self, interaction: Interaction, file: discord.Attachment, progress: Progress) -> Plan:
        await progress("read", 0, file.size)
        try:
            data = await file.read()  # the attachment Discord resolved for this interaction, nothing else
        except discord.HTTPException as exc:
            raise UserError.keyed("import.unreadable", file=file.filename[:100]) from exc
        if len(data) > MAX_UPLOAD:
            raise UserError.keyed(
                "import.too_big", file=file.filename[:100], limit=MAX_UPLOAD // (1024 * 1024)
            )
        ondemand = self.bot.ondemand
        with collector_paused():  # the file's rows and the plan: no full GC pass stalls the others meanwhile
            parsed = await self.parser.parse(data, file.filename)
            del data
            return await plan_import(
                parsed, file.filename, self.bot.store, ondemand.tmdb if ondemand else None,
                ondemand.countries if ondemand else (), progress,
            )  # fmt: skip

    async def decided(self, interaction: Interaction, go: bool, member: int, number: int) -> None:
        """Import or Cancel pressed on preview `number` (already checked: the member's own)."""
        locale = locale_of(interaction)
        pending = self.sessions.get(member, number)
        if pending is None:
            await interaction.response.edit_message(
                content=t("import.expired", locale), embed=None, view=None
            )
            return
        if not go:
            self.sessions.take(member, number)
            await interaction.response.edit_message(
                content=t("import.cancelled", locale), embed=None, view=None
            )
            return
        plan: Plan = pending.plan
        if plan.new:
            self.budget.check(member)  # over the daily budget: refused, the preview stays
        # Another import of theirs running: refused, the preview stays. No full GC pass while it stores.
        with self.sessions.running(member), collector_paused():
            self.sessions.take(member, number)
            if plan.new:
                self.budget.spend(member)
            first = progress_text("store", 0, len(plan.matched) + len(plan.new), plan.filename, locale)
            await interaction.response.edit_message(content=first, embed=None, view=None)
            outcome = await apply_plan(
                plan, self.bot.store, user_id=member, guild_id=pending.guild_id, replace=pending.replace,
                import_one=self._importer(interaction), progress=Progress(interaction, plan.filename, locale),
            )  # fmt: skip
        await interaction.edit_original_response(
            content=None, embed=result_card(plan, outcome, locale=locale)
        )

    def _importer(self, interaction: Interaction) -> Any:
        ondemand = self.bot.ondemand
        if ondemand is None:
            return None
        name = display_name(interaction.user)

        async def import_one(tmdb_id: int) -> int:
            drama = await ondemand.imports.get(
                tmdb_id, member_id=interaction.user.id, member_name=name, guild_id=server_of(interaction),
                limited=False,
            )  # fmt: skip
            return drama.id

        return import_one


async def setup(bot: DramaBot) -> None:
    await bot.add_cog(Importer(bot))
