"""The Bot: loads the cogs, syncs commands only when they changed, and reports errors."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
import math
import secrets
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.airing.scheduler import AiringJob
from bot.airing.times import Clock, SystemClock
from bot.cluster import IDENTIFY_SPACING, ClusterUnavailable, Coordinator, LocalCluster
from bot.errors import StoreUnavailable, UserError
from bot.events.followup import PartyJob
from bot.i18n.translator import Translator, t
from bot.pacing.budget import SharedBudget, bot_key
from bot.pacing.pacer import Pacer, paced_rate
from bot.pick.job import PollJob
from bot.pictures.renderer import ChartRenderer
from bot.recommend.job import NeighbourJob
from bot.safety.cooldowns import Cooldowns
from bot.settings import Settings
from bot.store import Store, UnavailableStore
from bot.tmdb.ondemand import OnDemand

if TYPE_CHECKING:
    from bot.metrics.interactions import InteractionMetrics

log = logging.getLogger(__name__)

EXTENSIONS = (
    "cogs.review", "cogs.rate", "cogs.where", "cogs.about", "cogs.catalogue",
    "cogs.watchlist", "cogs.top", "cogs.match", "cogs.privacy", "cogs.profile",
    "cogs.airing", "cogs.server", "cogs.export", "cogs.watchparty", "cogs.pick", "cogs.recommend",
    "cogs.importer",
)  # fmt: skip
READY_MARKER = "dramabot ready"
HTTP_CONNECTIONS = 32  # concurrent REST connections (see DramaBot.__init__)
Locale = object  # a discord.Locale, its value ("ko"), or None: bot.i18n.messages.language reads it

# The one table of expected failures: exception type -> what the member reads; the rest get an error code.
ERROR_MESSAGES: dict[type[BaseException], Callable[[Any, Locale], str]] = {
    UserError: lambda e, locale: e.text(locale),
    StoreUnavailable: lambda _, locale: t("error.unavailable", locale),
    app_commands.CommandOnCooldown: lambda e, locale: t(
        "error.cooldown", locale, seconds=max(1, math.ceil(e.retry_after))
    ),
    app_commands.CheckFailure: lambda _, locale: t("error.no_permission", locale),
    app_commands.CommandSignatureMismatch: lambda _, locale: t("error.out_of_date", locale),
    app_commands.CommandNotFound: lambda _, locale: t("error.out_of_date", locale),
}


def unwrap(error: BaseException) -> BaseException:
    """The exception that matters, out of discord.py's wrappers."""
    while True:
        if isinstance(error, app_commands.CommandInvokeError | commands.CommandInvokeError):
            error = error.original
        elif isinstance(error, app_commands.TransformerError) and error.__cause__ is not None:
            error = error.__cause__
        else:
            return error


def describe(error: BaseException, locale: Locale = None) -> str | None:
    """The member-facing message for an expected error, in the locale's language; None if unexpected."""
    for kind in type(error).__mro__:
        if kind in ERROR_MESSAGES:
            return ERROR_MESSAGES[kind](error, locale)
    return None


def command_digest(application_id: int | None, scope: str, payload: list[dict]) -> str:
    blob = json.dumps({"app": application_id, "scope": scope, "commands": payload}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def from_us(interaction: discord.Interaction) -> bool:
    """The interaction was sent for this application (not another app's id replayed at us)."""
    ours = interaction.client.application_id
    return ours is None or interaction.application_id == ours


def observe(interaction: discord.Interaction, name: str | None = None) -> None:
    """Count the interaction in the operators' metrics when they are on (bot/metrics); called from the checks,
    in the task that handles it."""
    metrics = getattr(interaction.client, "interaction_metrics", None)
    if metrics is not None:
        metrics.begin(interaction, name)


class DramaTree(app_commands.CommandTree):
    """The command tree, ignoring interactions addressed to another application id."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if not from_us(interaction):
            log.warning("ignored an interaction for application %s (not ours)", interaction.application_id)
            return False
        observe(interaction)
        return True


class DramaBot(commands.Bot):
    @classmethod
    def for_settings(
        cls,
        store: Store | UnavailableStore,
        settings: Settings,
        cluster: Coordinator | None = None,
        **options: Any,
    ) -> DramaBot:
        """The bot these settings ask for: ShardedDramaBot when SHARD_COUNT is set, else the plain bot."""
        if settings.shard_count is None:
            return cls(store, settings, cluster=cluster, **options)
        return ShardedDramaBot(
            store, settings, cluster=cluster, shard_count=settings.shard_count,
            shard_ids=None if settings.shard_ids is None else list(settings.shard_ids),
            # a shard may wait for its IDENTIFY turn behind every other shard of its bucket, cluster-wide
            shard_connect_timeout=180.0 + settings.shard_count * IDENTIFY_SPACING, **options,
        )  # fmt: skip

    def __init__(
        self,
        store: Store | UnavailableStore,
        settings: Settings,
        *,
        force_sync: bool = False,
        cluster: Coordinator | None = None,
        renderer: ChartRenderer | None = None,
        clock: Clock | None = None,
        **options,
    ) -> None:
        # The bot never joins voice: no warnings about missing voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        # Every counted REST request waits for its slot under Discord's global limit (bot/pacing/); on
        # PostgreSQL the budget is shared by the bot's processes.
        pacer = Pacer(
            SharedBudget(lambda: self.store, bot_key(settings.token)), paced_rate(settings.discord_rate_limit),
            base=lambda: discord.http.Route.BASE, application_id=lambda: self.application_id,
            limit=settings.discord_rate_limit,
        )  # fmt: skip
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            # Only what the bot reads (docs/performance.md, "Ten thousand servers"): guilds, their channels and
            # roles, and its own member (permissions); no other member, no message, no emoji or sticker
            # (no such intent), no chunking.
            intents=discord.Intents(guilds=True),
            member_cache_flags=discord.MemberCacheFlags.none(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.2,  # no member cache: READY 0.2 s after the last GUILD_CREATE
            max_messages=None,
            chunk_guilds_at_startup=False,
            tree_cls=DramaTree,
            # every command installs with a server; the personal ones also to a member's own account
            # (cogs/common.py `anywhere`), which needs them synced globally (docs/anywhere.md)
            allowed_installs=app_commands.AppInstallationType(guild=True, user=False),
            # a bounded pool of keep-alive connections (the default opens one per concurrent request)
            connector=aiohttp.TCPConnector(limit=HTTP_CONNECTIONS),
            http_trace=pacer.trace_config(),
            **options,
        )
        self.pacer = pacer
        self.store = store
        self.settings = settings
        self.renderer = renderer  # card pictures off the loop (None: cards without them)
        self.force_sync = force_sync
        self.cluster: Coordinator = cluster if cluster is not None else LocalCluster()
        self.ondemand: OnDemand | None = None  # TMDB suggestions, import on use, refresh (TMDB_API_KEY)
        self._after: set[asyncio.Task] = set()  # slow parts finished after an answer (after_answer)
        self.tree.on_error = self.report_error  # type: ignore[method-assign,assignment]
        self.clock: Clock = clock or SystemClock()  # the one clock: airing, /watchparty and its follow-ups
        self.airing_job: AiringJob | None = None
        self.party_job: PartyJob | None = None  # /watchparty's follow-ups (bot/events/followup.py)
        self.poll_job: PollJob | None = None  # /pick: posts a poll's winner once it ended
        self.neighbour_job: NeighbourJob | None = None  # /recommend's neighbours, rebuilt on the leader
        self.cooldowns = Cooldowns(None if settings.member_cooldowns else {})  # MEMBER_COOLDOWNS=off: none
        self.interaction_metrics: InteractionMetrics | None = None  # bot/metrics: set by main() with METRICS_PORT
        self._heap_frozen = False  # freeze_startup_heap ran

    # ---- start-up ------------------------------------------------------------------
    async def setup_hook(self) -> None:
        await self.tree.set_translator(Translator())  # Korean command names, descriptions and choices
        self.ondemand = OnDemand.from_settings(self.settings, lambda: self.store)
        if self.ondemand is not None:
            self.ondemand.start(self.cluster.run_as_leader)
        if self.settings.airing_cycle_seconds > 0:
            interval = timedelta(seconds=self.settings.airing_cycle_seconds)
            self.airing_job = AiringJob(
                self, lambda: self.store, self.clock, interval, takeover_grace=self.cluster.takeover_grace
            )
            self.airing_job.start(self.cluster.run_as_leader)
            self.party_job = PartyJob(self, lambda: self.store, self.clock, interval)
            self.party_job.start(self.cluster.run_as_leader)
        # /pick's polls are checked on the airing cycle's interval (every minute when the cycle is off)
        poll_every = timedelta(seconds=self.settings.airing_cycle_seconds or 60.0)
        self.poll_job = PollJob(self, lambda: self.store, self.clock, poll_every)
        self.poll_job.start(self.cluster.run_as_leader)
        self.neighbour_job = NeighbourJob(lambda: self.store, self.clock)
        self.neighbour_job.start(self.cluster.run_as_leader)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        try:
            await self.sync_commands(force=self.force_sync)
        except (StoreUnavailable, ClusterUnavailable) as exc:
            log.warning("not syncing commands (%s); 'python -m bot sync' later", exc)

    async def command_payload(self, guild: discord.Object | None) -> list[dict]:
        """What sync sends, translations included (so a new translation changes the digest)."""
        translator = self.tree.translator
        commands_ = self.tree.get_commands(guild=guild)
        if translator is None:
            return [command.to_dict(self.tree) for command in commands_]
        return [await command.get_translated_payload(self.tree, translator) for command in commands_]

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Sync the command tree when it changed since the last sync (or when forced), once per cluster."""
        guild, scope = None, "global"
        if self.settings.dev_guild_id:  # a test server: the commands there at once
            guild = discord.Object(id=self.settings.dev_guild_id)
            scope = f"guild:{guild.id}"
            self.tree.copy_global_to(guild=guild)
        payload = await self.command_payload(guild)
        digest = command_digest(self.application_id, scope, payload)

        async def sync() -> None:
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d command(s) to %s", len(synced), scope)

        return await self.cluster.sync_once(self.store, f"command_sync:{scope}", digest, sync, force=force)

    async def on_ready(self) -> None:
        shards = ""
        if isinstance(self, ShardedDramaBot):
            shards = f", shards {sorted(self.shards)} of {self.shard_count}"
        log.info("%s: logged in as %s, %d server(s)%s", READY_MARKER, self.user, len(self.guilds), shards)
        self.freeze_startup_heap()

    def freeze_startup_heap(self) -> None:
        """Once, at the first ready: what start-up built (the title index, the command tree, the guilds) lives
        as long as the process, so `gc.freeze()` moves it out of the collector's generations and a full
        collection no longer walks it. Those collections were the loop's longest stalls under load (the
        figures: docs/performance.md, "Capacity of one process"). A later ready (a reconnect) does not
        freeze again: what is frozen is never collected, so only start-up's heap is."""
        if self._heap_frozen:
            return
        self._heap_frozen = True
        gc.collect()
        gc.freeze()

    # ---- errors --------------------------------------------------------------------
    async def report_error(self, interaction: discord.Interaction, error: BaseException) -> None:
        """Answer a failed interaction: a clear ephemeral line, or an error code for the unexpected."""
        error = unwrap(error)
        if self.interaction_metrics is not None:
            self.interaction_metrics.failed(interaction, error)
        data = interaction.data or {}
        where = interaction.command.qualified_name if interaction.command else data.get("custom_id")
        if isinstance(error, discord.NotFound) and error.code == 10062:  # Discord's 3 s window closed
            log.warning("interaction %s expired before it was answered (in %s)", interaction.id, where)
            return
        message = describe(error, interaction.locale)
        if message is None:
            code = secrets.token_hex(3).upper()
            log.error("unexpected error %s in %s", code, where, exc_info=error)
            message = t("error.unexpected", interaction.locale, code=code)
        elif isinstance(error, StoreUnavailable):
            log.warning("database unavailable in %s: %s", where, error)
        none = discord.AllowedMentions.none()
        try:
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True, allowed_mentions=none)
            else:
                await interaction.response.send_message(message, ephemeral=True, allowed_mentions=none)
        except discord.HTTPException as exc:
            log.warning("could not deliver an error message for interaction %s: %s", interaction.id, exc)

    async def on_error(self, event_method: str, /, *args, **kwargs) -> None:
        log.exception("unhandled error in %s", event_method)

    # ---- shutdown ------------------------------------------------------------------
    async def close(self) -> None:
        for job in (self.airing_job, self.party_job, self.poll_job, self.neighbour_job):
            if job is not None:
                await job.stop()
        self.airing_job = self.party_job = self.poll_job = self.neighbour_job = None
        if self.ondemand is not None:
            await self.ondemand.close()
            self.ondemand = None
        await super().close()
        await self.pacer.close()

    def after_answer(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Finish an interaction's slow part (a card's picture) after its answer; `drain` waits for it."""
        task = asyncio.get_running_loop().create_task(work, name=f"dramabot-after-{name}")
        self._after.add(task)
        task.add_done_callback(self._after_done)

    def _after_done(self, task: asyncio.Task) -> None:
        self._after.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("after-answer work %s failed", task.get_name(), exc_info=task.exception())

    async def drain(self, seconds: float) -> int:
        """Wait (up to `seconds`) for interactions being handled to finish; returns how many were left."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            pending = [
                t for t in asyncio.all_tasks()
                if not t.done() and t.get_name().startswith(("CommandTree-invoker", "discord-ui-", "dramabot-after-"))
            ]  # fmt: skip
            if not pending or loop.time() >= deadline:
                return len(pending)
            await asyncio.wait(pending, timeout=max(0.0, deadline - loop.time()))


class ShardedDramaBot(DramaBot, commands.AutoShardedBot):
    """DramaBot with one gateway connection per shard this process runs (`shard_ids`, default all)."""

    _max_concurrency: int | None = None

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for this shard's IDENTIFY turn across the cluster (not discord.py's 5 s sleep in one process);
        max_concurrency is asked once (1 while it cannot be)."""
        if self._max_concurrency is None:
            try:
                self._max_concurrency = max(1, int((await self.fetch_session_start_limits()).max_concurrency))
            except (discord.HTTPException, discord.GatewayNotFound, KeyError, TypeError, ValueError) as exc:
                log.warning("could not read max_concurrency (%s): one IDENTIFY at a time", exc)
        await self.cluster.identify_turn(shard_id or 0, self._max_concurrency or 1)
